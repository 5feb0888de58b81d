"""Fixtures for the notary intake scenarios: the deployed process and valid application forms."""

from datetime import date
from typing import Any

import pytest

from server.core.identity import check_digit
from tests.server.conftest import do_task, open_task

PROCESS = "notary_intake"


def id_number(born: date, *, region: str = "210102", sequence: str = "123") -> str:
    """A valid 18-character resident ID number (GB 11643 check digit) for someone born on `born`."""
    first17 = f"{region}{born:%Y%m%d}{sequence}"
    return first17 + check_digit(first17)


# The clock starts on Monday 2026-03-09: born 1990 -> 36, born 1950 -> 76 (elderly).
ADULT_ID = id_number(date(1990, 5, 17))
ELDERLY_ID = id_number(date(1950, 1, 2), sequence="246")


def application(**applicant: Any) -> dict[str, Any]:
    """A complete appointment request; keyword arguments change the applicant's particulars."""
    extra = {key: applicant.pop(key) for key in ("legal_aid_matter", "matter_domain") if key in applicant}
    return {
        "matter_domain": extra.get("matter_domain", "civil"),
        "matter": "继承权公证 / Notarise a right of inheritance",
        "preferred_date": "2026-03-12",
        "legal_aid_matter": extra.get("legal_aid_matter", False),
        "applicant": {"name": "张三", "id_number": ADULT_ID, "phone": "024-12345678", **applicant},
    }


@pytest.fixture
def notary_process(deploy_shipped):
    return deploy_shipped(PROCESS)


ACCEPT = {"acceptance_decision": "accept", "appointment_date": "2026-03-12"}
HANDLED = {
    "handling_summary": "核实了继承关系与遗产材料 / Checked kinship and estate papers",
    "materials_verified": True,
}
PASS = {level: {f"{level}_result": "pass"} for level in ("self_check", "review", "spot_check")}


def send_back(
    level: str, reason: str = "证明材料缺少公证员签字 / Evidence lacks the notary's signature"
) -> dict:
    return {f"{level}_result": "return", f"{level}_reason": reason}


def through_checks(client_for, case_id: int, *, notary: str = "notary") -> dict:
    """Handle the case and pass all three quality checks; returns the case at the issue step."""
    do_task(client_for(notary), case_id, "handle", HANDLED)
    do_task(client_for(notary), case_id, "self_check", PASS["self_check"])
    do_task(client_for("reviewer"), case_id, "review", PASS["review"])
    return do_task(client_for("director"), case_id, "spot_check", PASS["spot_check"])


def issue(client_for, case_id: int, *, notary: str = "notary", fee: float = 200) -> dict:
    return do_task(
        client_for(notary),
        case_id,
        "issue",
        {"certificate_number": f"(2026)辽沈和证字第{case_id}号", "fee_charged": fee},
    )


def assigned_notary(client, case_id: int, bpmn_id: str = "handle") -> str:
    assignee = open_task(client, case_id, bpmn_id)["assignee"]
    return assignee["username"] if assignee else None


def refused_form(client, case_id: int, bpmn_id: str, data: dict) -> dict:
    """Submit `data` to the open task `bpmn_id` expecting a 400; returns the problem JSON."""
    task = open_task(client, case_id, bpmn_id)
    if task["assignee"] is None:
        assert client.post(f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", {"data": data}, format="json")
    assert response.status_code == 400, response.content
    return response.json()
