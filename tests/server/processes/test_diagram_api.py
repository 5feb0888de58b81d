"""A case on its diagram: the version's BPMN with the steps done, in hand and ahead."""

from rest_framework.test import APIClient

from tests.conftest import fixture_files
from tests.server.conftest import VALID_REVIEW, do_task, start_approval, start_case, upload
from tests.server.notary.conftest import ACCEPT, ELDERLY_ID, HANDLED, PASS, application


def _diagram(client, instance_id: int, status: int = 200) -> dict:
    response = client.get(f"/api/v1/instances/{instance_id}/diagram")
    assert response.status_code == status, response.content
    return response.json()


def test_the_applicant_sees_their_case_move_along_its_diagram(client_for, approval):
    applicant, caseworker, reviewer = (
        client_for("applicant"),
        client_for("caseworker"),
        client_for("reviewer"),
    )
    case = start_approval(applicant)

    diagram = _diagram(applicant, case["id"])
    assert diagram["process"] == "test_approval" and diagram["version"] == 1
    assert diagram["bpmn"].startswith("<?xml") and 'id="test_approval"' in diagram["bpmn"]
    assert "bpmndi:BPMNDiagram" in diagram["bpmn"]  # the layout comes along for drawing
    assert diagram["completed"] == ["start"]
    # the review is in hand, and so is its boundary timer, which waits for its moment
    assert set(diagram["current"]) == {"review", "review_timeout"}
    assert {"approve", "decision"} <= set(diagram["waiting"])
    [timer] = diagram["timers"]
    assert timer["bpmn_id"] == "review_timeout" and timer["status"] == "waiting" and timer["due_at"]

    do_task(caseworker, case["id"], "review", VALID_REVIEW)
    diagram = _diagram(applicant, case["id"])
    assert diagram["completed"] == ["start", "review"]
    assert diagram["current"] == ["approve"]
    assert "review_timeout" not in diagram["completed"] + diagram["current"] + diagram["waiting"]
    assert [(t["bpmn_id"], t["status"]) for t in diagram["timers"]] == [("review_timeout", "cancelled")]

    do_task(reviewer, case["id"], "approve", {"approved": True})
    diagram = _diagram(caseworker, case["id"])
    assert diagram["current"] == [] and diagram["waiting"] == []
    assert diagram["completed"][-1] == "granted" and "refused" not in diagram["completed"]


def test_the_diagram_is_only_for_those_who_may_see_the_case(client_for, approval):
    case = start_approval(client_for("applicant"))
    for username in ("applicant", "caseworker", "reviewer", "supervisor"):
        _diagram(client_for(username), case["id"])
    for username in ("applicant2", "station"):  # another applicant; the township office below the county
        problem = _diagram(client_for(username), case["id"], status=404)
        assert problem["status"] == 404
    assert APIClient().get(f"/api/v1/instances/{case['id']}/diagram").status_code in (401, 403)
    _diagram(client_for("caseworker"), 999999, status=404)


def test_a_case_keeps_the_diagram_of_the_version_it_started_on(client_for, approval):
    case = start_approval(client_for("applicant"))
    files = fixture_files("approval")
    files["approval.bpmn"] = files["approval.bpmn"].replace(b"Review application", b"Check the application")
    assert upload(client_for("designer"), files).status_code == 201
    newer = start_approval(client_for("applicant"))

    old = _diagram(client_for("caseworker"), case["id"])
    assert old["version"] == 1 and "Review application" in old["bpmn"]
    new = _diagram(client_for("caseworker"), newer["id"])
    assert new["version"] == 2 and "Check the application" in new["bpmn"]


def test_a_notary_case_shows_the_steps_inside_its_called_handling_process(client_for, deploy_shipped, clock):
    deploy_shipped("notary_intake")
    applicant = client_for("applicant")
    case = start_case(applicant, "notary_intake", application(id_number=ELDERLY_ID))
    diagram = _diagram(applicant, case["id"])
    assert {"start", "check_identity", "classify", "received"} <= set(diagram["completed"])
    assert diagram["current"] == ["accept"]
    # ahead as far as the engine predicts: it stops at the undecided acceptance gateway
    assert {"accept_decision", "set_deadline"} <= set(diagram["waiting"])

    accepted = do_task(client_for("caseworker"), case["id"], "accept", ACCEPT)
    diagram = _diagram(applicant, case["id"])
    # Both processes are in the one file: the call activity runs, and inside it the
    # handling step is in hand (the green channel offers a visit first when asked for).
    assert 'id="notary_handling"' in diagram["bpmn"]
    open_steps = {task["bpmn_id"] for task in accepted["tasks"]}
    assert {"handling", "certificate_warning", "certificate_overdue"} <= set(diagram["current"])
    assert open_steps <= set(diagram["current"])
    assert {"accept", "set_deadline", "accepted"} <= set(diagram["completed"])
    assert "self_check" in diagram["waiting"]
    assert {t["bpmn_id"] for t in diagram["timers"]} == {"certificate_warning", "certificate_overdue"}

    do_task(client_for("notary"), case["id"], "handle", HANDLED)
    do_task(client_for("notary"), case["id"], "self_check", PASS["self_check"])
    diagram = _diagram(client_for("caseworker"), case["id"])
    assert {"handle", "self_check"} <= set(diagram["completed"])
    assert "review" in diagram["current"] and "handling" in diagram["current"]
    # an element is in one list only
    lists = [set(diagram[name]) for name in ("completed", "current", "waiting")]
    assert not (lists[0] & lists[1]) and not (lists[0] & lists[2]) and not (lists[1] & lists[2])
