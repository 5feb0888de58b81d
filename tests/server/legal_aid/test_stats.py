"""GET /api/v1/legal-aid/stats: a known mix of cases gives known figures."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.server.conftest import do_task, fire_timers_until
from tests.server.legal_aid.conftest import (
    apply_online,
    check_quality,
    close_case,
    grant,
    issue_letter,
    materials_complete,
    rate_service,
    refuse,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = "/api/v1/legal-aid/stats?organisation=LN-SY-HP&from=2026-03-01&to=2026-03-31"


def on(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 10, 0, tzinfo=SHANGHAI)


def refused_and_objected(client_for) -> int:
    case = apply_online(client_for, monthly_income_per_capita=3200)
    materials_complete(client_for, case["id"])
    refuse(client_for, case["id"])
    do_task(
        client_for("applicant"),
        case["id"],
        "object_refusal",
        {"objects": True, "objection_grounds": "收入计算有误，应扣除医疗支出 / Medical costs not deducted"},
    )
    return case["id"]


def decide_objection(client_for, case_id: int, outcome: str) -> None:
    do_task(
        client_for("supervisor"),
        case_id,
        "decide_objection",
        {"objection_outcome": outcome, "objection_reasons": "经复核，理由如下…… / On review, because..."},
    )


@pytest.fixture
def march_cases(client_for, legal_aid, clock) -> dict[str, int]:
    """Seven cases received on Monday 9 March 2026 (decisions due 16 March), one in April:

    A granted, assigned the same day, closed, subsidised and rated excellent;
    B granted on time, assigned late (14 March, due 12 March);
    C refused, objection upheld on 10 March, still unassigned (due 13 March);
    D refused, objection rejected;
    E incomplete, treated as withdrawn when the supplement period ends (24 March);
    F undecided;
    G decided late (17 March), assigned the same day.
    """
    cases = {}
    cases["A"] = apply_online(client_for)["id"]
    materials_complete(client_for, cases["A"])
    grant(client_for, cases["A"])
    issue_letter(client_for, cases["A"])
    close_case(client_for, cases["A"], "lawyer")
    check_quality(client_for, cases["A"])
    rate_service(client_for, cases["A"], "excellent")
    cases["B"] = apply_online(client_for)["id"]
    materials_complete(client_for, cases["B"])
    grant(client_for, cases["B"])
    cases["C"] = refused_and_objected(client_for)
    cases["D"] = refused_and_objected(client_for)
    cases["E"] = apply_online(client_for)["id"]
    do_task(
        client_for("caseworker"),
        cases["E"],
        "check_completeness",
        {"materials_complete": False, "missing_materials": [{"material": "case_documents"}]},
    )
    cases["F"] = apply_online(client_for)["id"]
    cases["G"] = apply_online(client_for)["id"]
    materials_complete(client_for, cases["G"])

    clock.move_to(on(10))
    decide_objection(client_for, cases["C"], "upheld")
    decide_objection(client_for, cases["D"], "rejected")
    clock.move_to(on(14))
    issue_letter(client_for, cases["B"])
    clock.move_to(on(17))
    grant(client_for, cases["G"])
    issue_letter(client_for, cases["G"])
    clock.move_to(on(20))
    return cases


def test_a_known_mix_of_cases_gives_known_figures(client_for, march_cases, clock):
    supervisor = client_for("supervisor")
    midway = supervisor.get(MARCH).json()
    # E waits for the applicant (its first decision date has passed, but that time is not counted).
    assert [case["instance"] for case in midway["overdue"]["undecided"]] == [march_cases["F"]]
    assert midway["withdrawn"] == 0

    fire_timers_until(clock, on(25))  # E's supplement period ends on 24 March
    clock.move_to(on(1, month=4))
    apply_online(client_for)  # received in April: not in March's figures
    figures = supervisor.get(MARCH).json()
    assert figures["scope"]["organisation"]["code"] == "LN-SY-HP"
    assert (figures["scope"]["from"], figures["scope"]["to"]) == ("2026-03-01", "2026-03-31")
    overdue = figures.pop("overdue")
    figures.pop("scope")
    assert figures == {
        "received": 7,
        "by_channel": {"online": 7},
        "exempt": 0,
        "advance_aid": 0,
        "supplement_requested": 1,
        "withdrawn": 1,
        "withdrawn_by_applicant": 0,
        "decided": 5,
        "granted": 4,
        "refused": 2,
        "decided_within_deadline": {"count": 4, "rate": 80.0},
        "grants_assigned": 3,
        "assigned_within_deadline": {"count": 2, "rate": 66.7},
        "objections": {"filed": 2, "upheld": 1, "rejected": 1},
        "closed": 1,
        "subsidy": {"cases": 1, "total": 2000.0},
        "satisfaction": {
            "count": 1,
            "excellent": 1,
            "excellent_rate": 100.0,
            "by_rating": {"excellent": 1, "good": 0, "fair": 0, "poor": 0},
        },
        # The statutory deadlines call for every case on time; the plan for 85% "excellent".
        "targets": {
            "decided_within_deadline": 100.0,
            "assigned_within_deadline": 100.0,
            "satisfaction_excellent": 85.0,
        },
        "meets_targets": {
            "decided_within_deadline": False,
            "assigned_within_deadline": False,
            "satisfaction_excellent": True,
        },
    }
    assert overdue["undecided"] == [
        {
            "instance": march_cases["F"],
            "business_key": f"20260309-{march_cases['F']:06d}",
            "organisation": "LN-SY-HP",
            "due": "2026-03-16T23:59:59+08:00",
        }
    ]
    assert [(case["instance"], case["due"]) for case in overdue["unassigned"]] == [
        (march_cases["C"], "2026-03-13T23:59:59+08:00")
    ]
    april = supervisor.get(
        "/api/v1/legal-aid/stats?organisation=LN-SY-HP&from=2026-04-01&to=2026-04-30"
    ).json()
    assert april["received"] == 1 and april["decided_within_deadline"] == {"count": 0, "rate": None}


def test_figures_are_for_staff_within_their_scope(client_for, legal_aid):
    assert client_for("applicant").get("/api/v1/legal-aid/stats").status_code == 403
    assert client_for("caseworker").get("/api/v1/legal-aid/stats?organisation=LN-SY").status_code == 404
    assert client_for("caseworker").get("/api/v1/legal-aid/stats?organisation=NOWHERE").status_code == 404
    bad = client_for("supervisor").get("/api/v1/legal-aid/stats?from=2026-04-01&to=2026-03-01")
    assert bad.status_code == 400 and "from" in bad.json()["errors"]
    empty = client_for("supervisor").get("/api/v1/legal-aid/stats").json()
    assert empty["scope"]["organisation"]["code"] == "LN-SY" and empty["received"] == 0
    assert empty["decided_within_deadline"]["rate"] is None
