"""Lawyer assignment: the least-loaded lawyer of the centre with no conflict of interest."""

from __future__ import annotations

import pytest

from server.legal_aid.handlers import assign_lawyer, open_assignments
from tests.server.conftest import do_task, open_task
from tests.server.legal_aid.conftest import (
    apply_online,
    check_quality,
    close_case,
    conflict,
    grant,
    id_number,
    issue_letter,
    materials_complete,
    milestone,
    open_task_ids,
    rate_service,
)

PARTY = "沈阳某物业有限公司"  # the opposing party of every test application


def granted_case(client_for, **overrides) -> dict:
    case = apply_online(client_for, **overrides)
    materials_complete(client_for, case["id"])
    return grant(client_for, case["id"])


def assigned_case(client_for, **overrides) -> dict:
    case = granted_case(client_for, **overrides)
    return issue_letter(client_for, case["id"])


def test_the_least_loaded_lawyer_without_a_conflict_is_picked(client_for, legal_aid, clock, steps):
    first = assigned_case(client_for)
    assert milestone(first["id"], "legal_aid.assigned")["assigned_lawyer"] == "lawyer"  # a tie: by name
    second = granted_case(client_for)
    assert second["data"]["lawyer_pick"]["lawyer"] == "lawyer2"  # lawyer has one open case
    issue_letter(client_for, second["id"])
    third = granted_case(client_for)
    assert third["data"]["lawyer_pick"]["candidates"] == [
        {"username": "lawyer", "open_cases": 1},
        {"username": "lawyer2", "open_cases": 1},
    ]
    issue_letter(client_for, third["id"])  # lawyer: 2, lawyer2: 1

    conflict(legal_aid["lawyer2"], PARTY)
    fourth = granted_case(client_for)
    pick = fourth["data"]["lawyer_pick"]
    # lawyer2 has fewer cases but once acted for the other side.
    assert pick["lawyer"] == "lawyer" and pick["open_cases"] == 2
    assert pick["excluded_for_conflict"] == ["lawyer2"]


def test_a_closed_case_no_longer_counts_towards_a_lawyer_s_load(client_for, legal_aid, clock, steps):
    case = assigned_case(client_for)
    assert open_assignments(["lawyer", "lawyer2"]) == {"lawyer": 1, "lawyer2": 0}
    close_case(client_for, case["id"], "lawyer")
    check_quality(client_for, case["id"])
    rate_service(client_for, case["id"])
    assert open_assignments(["lawyer", "lawyer2"]) == {"lawyer": 0, "lawyer2": 0}


def test_the_caseworker_may_assign_another_lawyer_but_never_a_conflicted_one(
    client_for, legal_aid, clock, steps
):
    case = granted_case(client_for)
    conflict(legal_aid["lawyer2"], "另一当事人", id_number(sequence="457"))
    no_reason = client_for("caseworker")
    task = open_task(no_reason, case["id"], "issue_assignment")
    no_reason.post(f"/api/v1/tasks/{task['id']}/claim")
    response = no_reason.post(
        f"/api/v1/tasks/{task['id']}/complete",
        {"data": {"letter_number": "HP-ZP-2", "lawyer_choice": "lawyer2"}},
        format="json",
    )
    assert response.status_code == 400 and "data.change_reason" in response.json()["errors"]
    response = no_reason.post(
        f"/api/v1/tasks/{task['id']}/complete",
        {
            "data": {
                "letter_number": "HP-ZP-2",
                "lawyer_choice": "notary",
                "change_reason": "专长 / Expertise",
            }
        },
        format="json",
    )
    assert response.status_code == 422
    assert "notary 不是本中心可指派的律师" in response.json()["detail"]

    case = issue_letter(
        client_for, case["id"], lawyer_choice="lawyer2", change_reason="擅长租赁纠纷 / Expertise"
    )
    assert case["data"]["lawyer_pick"]["lawyer"] == "lawyer2" and case["data"]["lawyer_choice"] is None
    assert open_task_ids(case) == ["issue_assignment"]  # the letter now names lawyer2
    case = issue_letter(client_for, case["id"])
    assert milestone(case["id"], "legal_aid.assigned")["assigned_lawyer"] == "lawyer2"
    assert open_task(client_for("lawyer2"), case["id"], "handle_case")["assignee"]["username"] == "lawyer2"


def test_with_every_lawyer_conflicted_the_caseworker_must_name_one(client_for, legal_aid, clock, steps):
    conflict(legal_aid["lawyer"], PARTY)
    conflict(legal_aid["lawyer2"], PARTY)
    case = granted_case(client_for)
    assert case["data"]["lawyer_pick"]["lawyer"] is None
    assert "均有利益冲突" in case["data"]["lawyer_pick"]["message"]
    case = issue_letter(client_for, case["id"])
    assert open_task_ids(case) == ["issue_assignment"]  # no letter without a lawyer
    assert "legal_aid.assigned" not in [e["action"] for e in case["history"]]
    legal_aid["lawyer2"].conflicts.all().delete()  # the administrator clears a stale conflict
    case = issue_letter(client_for, case["id"], lawyer_choice="lawyer2", change_reason="冲突已核销 / Cleared")
    case = do_task(client_for("caseworker"), case["id"], "issue_assignment", {"letter_number": "HP-ZP-3"})
    assert milestone(case["id"], "legal_aid.assigned")["assigned_lawyer"] == "lawyer2"


# ---------------------------------------------------------------------------------------------
# The handler itself


def test_a_party_with_the_same_name_but_another_id_number_is_no_conflict(legal_aid):
    conflict(legal_aid["lawyer"], "王五", id_number(sequence="111"))
    other_wang = [{"name": "王五", "id_number": id_number(sequence="333")}]
    assert assign_lawyer({"organisation": "LN-SY-HP", "parties": other_wang})["excluded_for_conflict"] == []
    same_wang = [{"name": "王 五", "id_number": id_number(sequence="111")}]
    assert assign_lawyer({"organisation": "LN-SY-HP", "parties": same_wang})["excluded_for_conflict"] == [
        "lawyer"
    ]
    unnamed_number = [{"name": "王五"}]  # no ID number to tell them apart: treated as the same person
    assert assign_lawyer({"organisation": "LN-SY-HP", "parties": unnamed_number})["lawyer"] == "lawyer2"


def test_an_inactive_lawyer_is_never_picked(legal_aid):
    legal_aid["lawyer"].active = False
    legal_aid["lawyer"].save()
    assert assign_lawyer({"organisation": "LN-SY-HP", "parties": []})["lawyer"] == "lawyer2"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"organisation": "NOWHERE", "parties": []}, "unknown organisation"),
        ({"organisation": "", "parties": []}, "unknown organisation"),
        ({"organisation": "LN-SY-HP", "parties": "王五"}, "parties must be a list"),
        ({"organisation": "LN-SY-HP", "parties": [{"id_number": "1"}]}, "every party needs a name"),
        ({"organisation": "LN-SY-HP", "parties": [], "preferred": "notary"}, "not a lawyer this centre"),
    ],
)
def test_bad_assignment_input_is_a_clear_error(legal_aid, params, message):
    with pytest.raises(ValueError, match=message):
        assign_lawyer(params)


def test_a_centre_without_lawyers_gets_no_pick_and_a_reason(demo):
    pick = assign_lawyer({"organisation": "LN-SY-SH", "parties": None})
    assert pick["lawyer"] is None and "no lawyer is registered" in pick["message"]


def test_a_lawyer_proposed_for_a_grant_already_counts_before_the_letter_is_issued(
    client_for, legal_aid, clock
):
    first = granted_case(client_for)
    second = granted_case(client_for)
    assert first["data"]["lawyer_pick"]["lawyer"] == "lawyer"
    assert second["data"]["lawyer_pick"]["lawyer"] == "lawyer2"


@pytest.mark.django_db(transaction=True)
def test_two_grants_at_the_same_moment_go_to_different_lawyers(client_for, legal_aid):
    from tests.server.processes.test_concurrency import _race, _token_client

    cases = []
    for _ in range(2):
        case = apply_online(client_for)
        materials_complete(client_for, case["id"])
        cases.append(case["id"])
    reviewers = [_token_client(client_for("reviewer")) for _ in cases]
    tasks = [open_task(client_for("reviewer"), case_id, "decide")["id"] for case_id in cases]
    decision = {"outcome": "grant", "decision_number": "HP-2026-1"}
    responses = _race(
        [
            lambda client=client, task=task: client.post(
                f"/api/v1/tasks/{task}/complete", {"data": decision}, format="json"
            )
            for client, task in zip(reviewers, tasks, strict=True)
        ]
    )
    assert [response.status_code for response in responses] == [200, 200]
    picks = sorted(response.json()["instance"]["data"]["lawyer_pick"]["lawyer"] for response in responses)
    assert picks == ["lawyer", "lawyer2"]
