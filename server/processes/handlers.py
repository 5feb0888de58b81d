"""Service-task handlers every process may use."""

from typing import Any

from django.utils import timezone

from server.core.identity import id_number_check
from server.processes.engine import register_service


@register_service("identity.check")
def identity_check(params: dict[str, Any]) -> dict[str, Any]:
    """Params: `id_number`. Result: valid, message, birth_date, age, sex, region."""
    return id_number_check(params.get("id_number")).as_dict(timezone.localdate())
