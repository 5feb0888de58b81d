"""Fixtures of the people's mediation scenarios: the shipped process, mediators, a dispute form."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.server.conftest import do_task, start_case

PROCESS = "mediation"

# A quarrel between neighbours over a leaking pipe: simple, no sign of risk.
NEIGHBOURS = {
    "dispute_type": "neighbour",
    "parties": [
        {"name": "张三", "role": "applicant", "contact": "13800000001", "id_number": "11010519491231002X"},
        {"name": "王五", "role": "respondent", "contact": "13800000002"},
    ],
    "facts": "楼上住户水管漏水，损坏楼下天花板，双方就赔偿发生争执。",
    "request": "赔偿维修费用",
    "amount": 3000,
    "risk_indicators": {
        "threats_of_violence": False,
        "prior_violence": False,
        "weapons_mentioned": False,
        "mental_distress": False,
        "group_size": 2,
    },
}


def dispute(**changes: Any) -> dict[str, Any]:
    """The neighbours' dispute with some fields changed; `risk=` updates the risk indicators."""
    data = copy.deepcopy(NEIGHBOURS)
    data["risk_indicators"].update(changes.pop("risk", {}))
    data.update(changes)
    return data


@pytest.fixture
def mediation(deploy_shipped, demo) -> dict:
    """The shipped process, deployed and open to parties, with the demo mediators graded
    (mediator: grade 1, mediator2: grade 3)."""
    from server.mediation.demo import seed_reference_data

    seed_reference_data()
    return deploy_shipped(PROCESS)


@pytest.fixture
def township(demo) -> int:
    """Id of the township judicial office LN-SY-HP-NH, where disputes are filed."""
    return demo["LN-SY-HP-NH"].pk


@pytest.fixture
def bring(client_for, township):
    """bring(data, as_user="applicant") -> the new case, filed at the township office."""

    def start(data: dict | None = None, *, as_user: str = "applicant", status: int = 201) -> dict:
        return start_case(
            client_for(as_user),
            PROCESS,
            data if data is not None else dispute(),
            status=status,
            organisation=township,
        )

    return start


@pytest.fixture
def accept(client_for):
    """accept(case, as_user="caseworker", **form) -> the case after the committee accepts it."""

    def run(case: dict, *, as_user: str = "caseworker", **form: Any) -> dict:
        data = {"summary": "邻里漏水赔偿纠纷", **form}
        return do_task(client_for(as_user), case["id"], "accept", data)

    return run


SUCCESS = {
    "session_outcome": "success",
    "session_notes": "双方当面协商一致",
    "agreement_terms": "王五赔偿维修费两千元",
}
FAILED = {"session_outcome": "failed", "session_notes": "双方分歧较大，调解不成"}
ADMIN_SUCCESS = {
    "administrative_outcome": "success",
    "administrative_notes": "司法所主持调解，双方达成一致",
    "agreement_terms": "王五赔偿维修费两千五百元",
}
ADMIN_FAILED = {"administrative_outcome": "failed", "administrative_notes": "双方坚持己见，调解不成"}
REFERRAL = {
    "referral_type": "judicial_mediation",
    "referral_court": "和平区人民法院",
    "referral_note": "移送诉前调解",
}


def milestones(case: dict) -> list[tuple[str, dict]]:
    """The mediation milestones of a case, in order, as (action, detail)."""
    return [
        (event["action"], event.get("detail") or {})
        for event in case["history"]
        if event["action"].startswith("mediation.")
    ]


def milestone_names(case: dict) -> list[str]:
    return [action for action, _ in milestones(case)]


def open_tasks(case: dict) -> list[str]:
    return sorted(task["bpmn_id"] for task in case["tasks"])


CONFIRMATION = {"confirmation_court": "和平区人民法院", "confirmation_applied_on": "2026-03-20"}


def confirm(client, case: dict, *, status: int = 200, **data) -> dict:
    """The court's message that the parties applied for judicial confirmation, by case number."""
    response = client.post(
        "/api/v1/messages",
        {
            "name": "mediation.judicial_confirmation",
            "correlation": {"case_number": case["business_key"]},
            "data": {**CONFIRMATION, **data},
        },
        format="json",
    )
    assert response.status_code == status, response.content
    return response.json()


def waiting_for(case: dict) -> list[tuple[str, str]]:
    return [(item["bpmn_id"], item["name"]) for item in case.get("waiting_for", [])]
