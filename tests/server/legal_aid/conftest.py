"""Fixtures of the legal-aid scenarios: the shipped process deployed, known reference data,
and the steps every case goes through, each driven through the API as the person doing it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from server.audit.models import Event
from server.core.identity import check_digit
from server.legal_aid.models import HardshipThreshold, Lawyer, LawyerConflict, SubsidyRate
from tests.server.conftest import do_task, open_task, start_case

PROCESS = "legal_aid_application"
CIVIL_RATE_UNTIL_MARCH = Decimal("2000.00")
CIVIL_RATE_FROM_APRIL = Decimal("2400.00")


def id_number(birth: str = "19800512", region: str = "210102", sequence: str = "123") -> str:
    """A resident ID number with a correct GB 11643 check digit."""
    first17 = f"{region}{birth}{sequence}"
    return first17 + check_digit(first17)


def wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def application(**overrides: Any) -> dict[str, Any]:
    """An online application by a tenant in Heping district (210102), not exempt; an override
    of None leaves that field out."""
    data: dict[str, Any] = {
        "channel": "online",
        "applicant": {"name": "张三 Zhang San", "id_number": id_number(), "phone": "13800000000"},
        "region_code": "210102",
        "family_size": 3,
        "monthly_income_per_capita": 1000,
        "exemption_category": "none",
        "case_type": "civil",
        "matter": "房屋租赁合同纠纷，出租人拒不退还押金 / A landlord keeps the deposit",
        "opposing_parties": [{"name": "沈阳某物业有限公司"}],
        "preservation_urgent": False,
        "materials": ["id_document", "application_form", "hardship_statement", "case_documents"],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}  # None: leave the field out


@pytest.fixture
def reference_data(demo) -> dict[str, Lawyer]:
    """Thresholds (Shenyang 1500, Liaoning 1200), civil subsidy 2000 until 31 March 2026 and 2400
    from 1 April, other case types 1500, and the two demo lawyers of the Heping centre."""
    HardshipThreshold.objects.create(region_code="210000", region_name="辽宁省", monthly_income=1200)
    HardshipThreshold.objects.create(region_code="210100", region_name="沈阳市", monthly_income=1500)
    SubsidyRate.objects.create(
        case_type="civil",
        region_code="210100",
        amount=CIVIL_RATE_UNTIL_MARCH,
        effective_from=date(2025, 1, 1),
        effective_to=date(2026, 3, 31),
    )
    SubsidyRate.objects.create(
        case_type="civil", region_code="210100", amount=CIVIL_RATE_FROM_APRIL, effective_from=date(2026, 4, 1)
    )
    for case_type in ("criminal", "administrative", "labour", "family"):
        SubsidyRate.objects.create(
            case_type=case_type, region_code="210000", amount=Decimal("1500"), effective_from=date(2025, 1, 1)
        )
    users = get_user_model().objects
    return {
        username: Lawyer.objects.create(
            user=users.get(username=username), organisation=demo["LN-SY-HP"], firm="辽宁某律师事务所"
        )
        for username in ("lawyer", "lawyer2")
    }


@pytest.fixture
def legal_aid(deploy_shipped, reference_data) -> dict[str, Lawyer]:
    """The shipped process, deployed and open to applicants, with its reference data."""
    deploy_shipped("legal_aid_application")
    return reference_data


def conflict(lawyer: Lawyer, name: str, id_number: str = "") -> LawyerConflict:
    return LawyerConflict.objects.create(lawyer=lawyer, party_name=name, party_id_number=id_number)


# ---------------------------------------------------------------------------------------------
# Steps, each as the person who takes it


def apply_online(client_for, **overrides: Any) -> dict:
    return start_case(client_for("applicant"), PROCESS, application(**overrides))


def materials_complete(client_for, case_id: int) -> dict:
    return do_task(client_for("caseworker"), case_id, "check_completeness", {"materials_complete": True})


def grant(client_for, case_id: int) -> dict:
    return do_task(
        client_for("reviewer"), case_id, "decide", {"outcome": "grant", "decision_number": "HP-2026-1"}
    )


def refuse(client_for, case_id: int) -> dict:
    return do_task(
        client_for("reviewer"),
        case_id,
        "decide",
        {
            "outcome": "refuse",
            "refusal_reasons": "家庭人均月收入高于本地经济困难标准 / Income above the local threshold",
            "legal_basis": "《法律援助法》第三十四条 / Legal Aid Law art. 34",
        },
    )


def issue_letter(client_for, case_id: int, **extra: Any) -> dict:
    return do_task(
        client_for("caseworker"), case_id, "issue_assignment", {"letter_number": "HP-ZP-1", **extra}
    )


def close_case(client_for, case_id: int, lawyer: str) -> dict:
    return do_task(
        client_for(lawyer),
        case_id,
        "handle_case",
        {
            "case_result": "settled",
            "closing_summary": "经调解双方达成协议，押金全额退还 / Settled: the deposit was repaid in full",
            "documents_filed": True,
            "hours_spent": 12,
        },
    )


def check_quality(client_for, case_id: int, quality: str = "good", **extra: Any) -> dict:
    return do_task(client_for("reviewer"), case_id, "check_quality", {"quality": quality, **extra})


def rate_service(client_for, case_id: int, rating: str = "excellent", *, as_user: str = "applicant") -> dict:
    return do_task(client_for(as_user), case_id, "survey", {"rating": rating})


def refused_form(client, case_id: int, bpmn_id: str, data: dict) -> dict[str, list[str]]:
    """Submit a form that must be refused; the 400's errors, by field path."""
    task = open_task(client, case_id, bpmn_id)
    if task["assignee"] is None:
        assert client.post(f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", {"data": data}, format="json")
    assert response.status_code == 400, response.content
    return response.json()["errors"]


def milestones(case_id: int) -> list[str]:
    """The case's legal-aid milestones, in order."""
    return list(
        Event.objects.filter(instance_id=case_id, action__startswith="legal_aid.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def milestone(case_id: int, action: str) -> dict:
    return Event.objects.get(instance_id=case_id, action=action).detail


def open_task_ids(case: dict) -> list[str]:
    return [task["bpmn_id"] for task in case["tasks"]]
