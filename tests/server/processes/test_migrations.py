"""Designers move running cases to a new version: checked first, then each case in its own transaction."""

import re

import pytest

from server.audit.models import Event
from server.processes.models import HumanTask, ProcessInstance, Timer
from tests.conftest import fixture_files
from tests.server.conftest import VALID_REVIEW, do_task, open_task, start_approval, upload

MIGRATIONS = "/api/v1/processes/test_approval/migrations"


def approval_with(change) -> dict[str, bytes]:
    files = fixture_files("approval")
    files["approval.bpmn"] = change(files["approval.bpmn"].decode()).encode()
    return files


def with_check_after_review(xml: str) -> str:
    """Version 2: a reviewer's check between the review and the approval."""
    xml = xml.replace(
        "<bpmn:flowNodeRef>approve</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>approve</bpmn:flowNodeRef><bpmn:flowNodeRef>check</bpmn:flowNodeRef>",
    )
    return xml.replace(
        '<bpmn:sequenceFlow id="Flow_review_approve" sourceRef="review" targetRef="approve" />',
        '<bpmn:sequenceFlow id="Flow_review_approve" sourceRef="review" targetRef="check" />'
        '<bpmn:userTask id="check" name="Check the file"><bpmn:incoming>Flow_review_approve</bpmn:incoming>'
        "<bpmn:outgoing>Flow_check_approve</bpmn:outgoing></bpmn:userTask>"
        '<bpmn:sequenceFlow id="Flow_check_approve" sourceRef="check" targetRef="approve" />',
    )


def without_review(xml: str) -> str:
    """Version 2: no review (and so no review timer); cases start at the approval."""
    for pattern in (
        r'<bpmn:userTask id="review".*?</bpmn:userTask>',
        r'<bpmn:boundaryEvent id="review_timeout".*?</bpmn:boundaryEvent>',
        r'<bpmn:endEvent id="escalated".*?</bpmn:endEvent>',
        r'<bpmn:sequenceFlow id="Flow_(timeout_escalated|review_approve)"[^>]*/>',
        r"<bpmn:flowNodeRef>(review|review_timeout|escalated)</bpmn:flowNodeRef>",
        r"<bpmndi:BPMNDiagram.*</bpmndi:BPMNDiagram>",
    ):
        xml = re.sub(pattern, "", xml, flags=re.S)
    xml = xml.replace('targetRef="review"', 'targetRef="approve"')
    incoming = "<bpmn:incoming>Flow_{}</bpmn:incoming>"
    return xml.replace(incoming.format("review_approve"), incoming.format("start_review"))


def deploy(client_for, change) -> None:
    response = upload(client_for("designer"), approval_with(change))
    assert response.status_code == 201, response.content


def migrate(client, **body):
    body = {"from_version": 1, "to_version": 2, "instances": "all", **body}
    return client.post(MIGRATIONS, body, format="json")


def people(client_for) -> tuple:
    return client_for("applicant"), client_for("caseworker"), client_for("designer")


def test_a_dry_run_reports_each_case_where_it_stands_and_what_changes_and_moves_nothing(client_for, approval):
    applicant, caseworker, designer = people(client_for)
    at_review = start_approval(applicant)
    at_approve = start_approval(applicant)
    do_task(caseworker, at_approve["id"], "review", VALID_REVIEW)
    deploy(client_for, with_check_after_review)

    response = migrate(designer)
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["dry_run"] is True and report["movable"] == [at_review["id"], at_approve["id"]]
    assert report["moved"] == [] and report["refused"] == [] and report["failed"] == []
    cases = {case["id"]: case for case in report["cases"]}
    assert [step["id"] for step in cases[at_review["id"]]["current"]] == ["review_timeout", "review"]
    assert "check: 新步骤 / new step ahead" in cases[at_review["id"]]["changes"]
    assert [step["id"] for step in cases[at_approve["id"]]["current"]] == ["approve"]
    assert cases[at_approve["id"]]["changes"] == []  # the new step is behind it
    assert "check" in [target["id"] for target in report["targets"]]
    assert designer.get(f"/api/v1/instances/{at_review['id']}").json()["version"] == 1


def test_moved_cases_keep_their_tasks_claims_and_timers_and_go_on_in_the_new_version(
    client_for, approval, steps
):
    applicant, caseworker, designer = people(client_for)
    case = start_approval(applicant)
    review = open_task(caseworker, case["id"], "review")
    assert caseworker.post(f"/api/v1/tasks/{review['id']}/claim").status_code == 200
    timer = Timer.objects.get(instance_id=case["id"], status="waiting")
    deploy(client_for, with_check_after_review)

    response = migrate(designer, dry_run=False)
    assert response.status_code == 200, response.content
    assert response.json()["moved"] == [case["id"]]

    moved = caseworker.get(f"/api/v1/instances/{case['id']}").json()
    assert moved["version"] == 2
    [task] = moved["tasks"]
    assert task["id"] == review["id"] and task["assignee"]["username"] == "caseworker"
    assert Timer.objects.get(instance_id=case["id"], status="waiting").due_at == timer.due_at
    event = Event.objects.get(instance_id=case["id"], action="instance.migrated")
    assert (event.detail["from_version"], event.detail["to_version"]) == (1, 2)
    assert event.actor.username == "designer"

    after = do_task(caseworker, case["id"], "review", VALID_REVIEW)
    assert [task["bpmn_id"] for task in after["tasks"]] == ["check"]  # the step version 2 added
    assert migrate(designer, dry_run=False).json()["cases"] == []  # nothing left on version 1


def test_a_case_on_a_removed_step_is_refused_until_the_designer_maps_the_step(client_for, approval, steps):
    applicant, caseworker, designer = people(client_for)
    at_review = start_approval(applicant)
    at_approve = start_approval(applicant)
    do_task(caseworker, at_approve["id"], "review", VALID_REVIEW)
    deploy(client_for, without_review)

    report = migrate(designer).json()
    assert report["movable"] == [at_approve["id"]]
    assert [refused["id"] for refused in report["refused"]] == [at_review["id"]]
    assert "review" in report["refused"][0]["reason"]
    [removed] = report["removed_steps"]
    assert (removed["id"], removed["type"], removed["cases"]) == ("review", "userTask", [at_review["id"]])
    done_case = next(case for case in report["cases"] if case["id"] == at_approve["id"])
    assert "review: 已办理，新版本中已删除 / done, and not in the new version" in done_case["changes"]

    mapped = migrate(designer, mapping={"review": "approve"}, dry_run=False).json()
    assert sorted(mapped["moved"]) == sorted([at_review["id"], at_approve["id"]])
    case = next(case for case in mapped["cases"] if case["id"] == at_review["id"])
    assert case["mapped"] == {"review": "approve"}
    assert "review_timeout: 随原步骤撤销 / withdrawn with its step" in case["changes"]

    statuses = {t.bpmn_id: t.status for t in HumanTask.objects.filter(instance_id=at_review["id"])}
    assert statuses == {"review": "cancelled", "approve": "open"}
    assert Timer.objects.get(instance_id=at_review["id"]).status == "cancelled"
    reviewer = client_for("reviewer")
    done = do_task(reviewer, at_review["id"], "approve", {"approved": True})
    assert done["status"] == "completed"
    moved_past_review = do_task(reviewer, at_approve["id"], "approve", {"approved": True})
    assert moved_past_review["status"] == "completed"
    assert moved_past_review["data"]["complete"] is True  # what the removed review wrote is kept


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"mapping": {"nowhere": "approve"}}, "mapping.nowhere", "old version has no step nowhere"),
        ({"mapping": {"review": "nowhere"}}, "mapping.review", "new version has no step nowhere"),
        ({"mapping": {"review": "decision"}}, "mapping.review", "cannot map to the exclusiveGateway"),
        ({"to_version": 1}, "to_version", "Must differ"),
        ({"to_version": 7}, "to_version", "has no version 7"),
        ({"instances": []}, "instances", "non-empty list"),
        ({"instances": "some"}, "instances", "non-empty list"),
    ],
)
def test_unusable_requests_are_400s_naming_the_field(client_for, approval, body, field, message):
    deploy(client_for, with_check_after_review)
    response = migrate(client_for("designer"), **body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert message in str(response.json()["errors"][field])


def test_cases_named_by_id_are_refused_when_not_running_on_the_old_version(client_for, approval):
    applicant, designer = client_for("applicant"), client_for("designer")
    on_v1 = start_approval(applicant)
    deploy(client_for, with_check_after_review)
    on_v2 = start_approval(applicant)
    report = migrate(designer, instances=[on_v1["id"], on_v2["id"], 999999], dry_run=False).json()
    assert report["moved"] == [on_v1["id"]]
    reasons = {refused["id"]: refused["reason"] for refused in report["refused"]}
    assert "not 1" in reasons[on_v2["id"]] and "No such case" in reasons[999999]


def test_only_designers_migrate_and_an_unknown_process_is_404(client_for, approval):
    deploy(client_for, with_check_after_review)
    assert migrate(client_for("caseworker")).status_code == 403
    body = {"from_version": 1, "to_version": 2, "instances": "all"}
    response = client_for("designer").post("/api/v1/processes/nope/migrations", body, format="json")
    assert response.status_code == 404


def test_a_retired_version_starts_no_new_cases_while_its_running_cases_go_on(client_for, approval):
    applicant, caseworker, designer = people(client_for)
    deploy(client_for, with_check_after_review)
    on_v2 = start_approval(applicant)
    assert on_v2["version"] == 2

    retired = designer.post("/api/v1/processes/test_approval/versions/2/retire")
    assert retired.status_code == 200 and retired.json()["retired"] is True
    assert start_approval(applicant)["version"] == 1  # the latest version not retired
    assert do_task(caseworker, on_v2["id"], "review", VALID_REVIEW)["tasks"][0]["bpmn_id"] == "check"
    detail = designer.get("/api/v1/processes/test_approval").json()
    versions = {version["version"]: version["retired"] for version in detail["versions"]}
    assert versions == {2: True, 1: False}

    assert designer.post("/api/v1/processes/test_approval/versions/1/retire").status_code == 200
    refused = applicant.post(
        "/api/v1/instances", {"process": "test_approval", "data": {"urgent": False}}, format="json"
    )
    assert refused.status_code == 409 and "retired" in refused.json()["detail"]
    assert "test_approval" not in [s["key"] for s in applicant.get("/api/v1/services").json()]

    assert designer.post("/api/v1/processes/test_approval/versions/2/restore").json()["retired"] is False
    assert start_approval(applicant)["version"] == 2
    recorded = Event.objects.filter(action__in=["process.retired", "process.restored"])
    actions = list(recorded.values_list("action", flat=True))
    assert actions == ["process.retired", "process.retired", "process.restored"]


def test_cases_cannot_be_moved_to_a_retired_version_and_only_designers_retire(client_for, approval):
    designer = client_for("designer")
    deploy(client_for, with_check_after_review)
    retire = "/api/v1/processes/test_approval/versions/2/retire"
    assert client_for("caseworker").post(retire).status_code == 403
    assert designer.post("/api/v1/processes/test_approval/versions/9/retire").status_code == 404
    designer.post("/api/v1/processes/test_approval/versions/2/retire")
    response = migrate(designer)
    assert response.status_code == 400 and "retired" in str(response.json()["errors"]["to_version"])
    assert ProcessInstance.objects.filter(definition__version=2).count() == 0
