"""Service-task handlers every process may use."""

from typing import Any

from django.utils import timezone

from server.core.identity import id_number_check
from server.processes.deadlines import register_deadline
from server.processes.engine import register_service

# The 12348 public legal service hotline's service commitment for online consultations.
register_deadline(
    "consultation.answer",
    2,
    "working_days",
    "咨询答复期限 / Answer to a legal consultation",
    basis="12348 公共法律服务平台服务承诺 / 12348 platform service commitment",
    warn_before=1,
)
register_deadline(
    "consultation.check",
    1,
    "working_days",
    "咨询复核期限 / Check of a consultation answer",
    basis="12348 公共法律服务平台服务承诺 / 12348 platform service commitment",
    warn_before=0,
)


@register_service("identity.check", params=("id_number",))
def identity_check(params: dict[str, Any]) -> dict[str, Any]:
    """核验身份证号码 / Check a resident ID number: shape, birth date and check digit.

    Params: `id_number`. Result: valid, message, birth_date, age, sex, region."""
    return id_number_check(params.get("id_number")).as_dict(timezone.localdate())
