"""Filters for official notices: dates in Chinese and English, a dash for anything missing,
the wording of form codes, masked ID numbers.

Notices are rendered from case data as it stood at a node, and optional fields may be
absent: every filter here turns a missing or malformed value into a dash, never an error.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()

DASH = "—"
_MONTHS = [
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _as_date(value: Any) -> date | None:
    """A calendar day (Beijing time) from a date, datetime or ISO string; None if it is none."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    return None


@register.filter
def cn_date(value: Any) -> str:
    """2026年3月9日"""
    day = _as_date(value)
    return f"{day.year}年{day.month}月{day.day}日" if day else DASH


@register.filter
def en_date(value: Any) -> str:
    """9 March 2026"""
    day = _as_date(value)
    return f"{day.day} {_MONTHS[day.month]} {day.year}" if day else DASH


@register.filter
def dash(value: Any) -> Any:
    """The value, or a dash when it is missing or empty (0 and False are values)."""
    if value is None or value == "" or value == [] or value == {}:
        return DASH
    return value


@register.filter
def mask_id(value: Any) -> str:
    """A resident ID number with the birth date and sequence hidden: 210102********123X."""
    text = str(value or "").strip()
    if not text:
        return DASH
    if len(text) <= 8:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


@register.simple_tag(takes_context=True)
def choice(context: template.Context, field: str, value: Any) -> str:
    """How the forms word a code: {% choice "material" "id_document" %} -> 身份证明 / Proof of identity."""
    if value is None or value == "":
        return DASH
    labels = context.get("labels") or {}
    return labels.get(field, {}).get(str(value)) or str(value)
