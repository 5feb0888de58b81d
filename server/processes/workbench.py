"""Writes of the caseworker workbench: saved task-queue filters, one set per user."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from rest_framework.exceptions import NotFound

from server.core.errors import InvalidInput
from server.processes.filters import TaskFilter
from server.processes.models import HumanTask, SavedTaskFilter

MAX_FILTERS_PER_USER = 50
NAME_MAX_LENGTH = 60


def _query_errors(query: Any) -> dict[str, list[str]]:
    """Problems with a saved query: it must be an object of known task-list filters with valid values."""
    if not isinstance(query, dict):
        return {"query": ["必须是 JSON 对象 / Must be a JSON object."]}
    known = set(TaskFilter.base_filters)
    errors: dict[str, list[str]] = {}
    params: dict[str, str] = {}
    for key, value in query.items():
        if key not in known:
            errors[f"query.{key}"] = [
                f"未知的筛选条件 {key!r} / Unknown filter {key!r}; known: {', '.join(sorted(known))}."
            ]
        elif isinstance(value, bool):
            params[key] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            params[key] = str(value)
        else:
            errors[f"query.{key}"] = ["必须是单个值 / Must be a single value (text, number or true/false)."]
    # The same checks the task list applies to these parameters (choices, dates, numbers).
    form = TaskFilter(data=params, queryset=HumanTask.objects.none()).form
    if not form.is_valid():
        for key, messages in form.errors.items():
            errors[f"query.{key}"] = [str(message) for message in messages]
    return errors


@transaction.atomic
def saved_filter_create(*, user: AbstractBaseUser, name: str, query: Any) -> SavedTaskFilter:
    """Save a named queue query for `user`. 400 names the field: name taken or too long, unknown key."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["必填 / This field is required."]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [f"最多 {NAME_MAX_LENGTH} 个字符 / At most {NAME_MAX_LENGTH} characters."]
    elif SavedTaskFilter.objects.filter(user=user, name=name).exists():
        errors["name"] = ["已有同名筛选 / You already have a filter with this name."]
    errors.update(_query_errors(query))
    if not errors and SavedTaskFilter.objects.filter(user=user).count() >= MAX_FILTERS_PER_USER:
        errors["name"] = [
            f"最多保存 {MAX_FILTERS_PER_USER} 个筛选 / At most {MAX_FILTERS_PER_USER} saved filters; "
            "delete one first."
        ]
    if errors:
        field = next(iter(errors))
        raise InvalidInput(f"{field}: {errors[field][0]}", errors)
    try:
        with transaction.atomic():
            return SavedTaskFilter.objects.create(user=user, name=name, query=query)
    except IntegrityError:  # the same name saved a moment ago in another tab
        message = "已有同名筛选 / You already have a filter with this name."
        raise InvalidInput(f"name: {message}", {"name": [message]}) from None


def saved_filter_delete(*, user: AbstractBaseUser, filter_id: int) -> None:
    """Delete one of the caller's saved filters; someone else's is 404, as if it did not exist."""
    deleted, _ = SavedTaskFilter.objects.filter(user=user, pk=filter_id).delete()
    if not deleted:
        raise NotFound("没有这个筛选 / No such saved filter.")
