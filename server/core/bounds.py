"""The range of ids, integers and dates Lexflow accepts and stores.

Outside it a query parameter or a field is refused with a 400 that names it (and a value a
script produces is refused at the step, `server.processes.services.sync`), instead of
overflowing deep inside: in a database integer column, in `date + timedelta`, in a time-zone
conversion of 0001-01-01. The range is generous for a legal-services caseload.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
from django import forms
from rest_framework import serializers

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)
MAX_ID = 2**63 - 1  # bigint primary keys
MIN_INT, MAX_INT = -(2**31), 2**31 - 1  # IntegerField columns (a task's priority)

DATE_RANGE = f"{EARLIEST_DATE:%Y-%m-%d} … {LATEST_DATE:%Y-%m-%d}"
OUT_OF_RANGE_DATE = f"日期须在 {DATE_RANGE} 之间 / The date must be between {DATE_RANGE}."


def date_in_range(value: date | datetime) -> bool:
    """True when `value` (a date, or a moment in any time zone) falls within the range."""
    if isinstance(value, datetime):
        try:
            value = (value.astimezone(UTC) if value.tzinfo else value).date()
        except OverflowError:
            return False
    return EARLIEST_DATE <= value <= LATEST_DATE


def object_id(value: Any) -> int | None:
    """`value` as a database id if it is one (ASCII digits, at most a bigint), else None.

    `str.isdigit` alone also says yes to "¹" and "²", which `int()` then refuses.
    """
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def int_in_range(value: Any, *, low: int = MIN_INT, high: int = MAX_INT) -> bool:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return False
    return number.is_finite() and low <= number <= high


class BoundedDateField(serializers.DateField):
    """A date within the range; outside it a 400 naming the field."""

    def to_internal_value(self, value: Any) -> date:
        parsed = super().to_internal_value(value)
        if not date_in_range(parsed):
            raise serializers.ValidationError(OUT_OF_RANGE_DATE)
        return parsed


class _BoundedIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    def clean(self, value: Any) -> datetime | None:
        cleaned = super().clean(value)
        if cleaned is not None and not date_in_range(cleaned):
            raise forms.ValidationError(OUT_OF_RANGE_DATE)
        return cleaned


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """`?x=2026-03-09T09:00:00+08:00` within the date range; outside it a 400."""

    field_class = _BoundedIsoDateTimeField


class IdFilter(django_filters.NumberFilter):
    """`?instance=42`: a whole number that can be an id; anything else is a 400."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)


class IntFilter(django_filters.NumberFilter):
    """A whole number an integer column can hold."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", MIN_INT)
        kwargs.setdefault("max_value", MAX_INT)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)
