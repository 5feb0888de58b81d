"""The process designer: validate without deploying, read a version's files, compare versions,
and take a diagram freshly drawn in bpmn-js all the way to a running case."""

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from server.processes.models import ProcessDefinition
from tests.conftest import fixture_files
from tests.server.conftest import shipped_files, start_case, upload


def validate(client, files: dict[str, bytes]):
    uploads = [SimpleUploadedFile(name, content) for name, content in files.items()]
    return client.post("/api/v1/processes/validate", {"files": uploads}, format="multipart")


# ---------------------------------------------------------------------------------------------
# Validate


def test_valid_files_validate_ok_and_nothing_is_deployed(client_for, demo):
    response = validate(client_for("designer"), fixture_files("approval"))
    assert response.status_code == 200, response.content
    assert response.json() == {"ok": True, "errors": [], "notes": [], "default_group_tasks": []}
    assert not ProcessDefinition.objects.exists()
    assert client_for("designer").get("/api/v1/processes/test_approval").status_code == 404
    # validating a deployed package again is just as harmless
    assert upload(client_for("designer"), fixture_files("approval")).status_code == 201
    assert validate(client_for("admin"), fixture_files("approval")).json()["ok"] is True
    assert ProcessDefinition.objects.count() == 1


def test_problems_come_back_located_exactly_as_a_deploy_reports_them(client_for, demo):
    designer = client_for("designer")
    files = shipped_files("notary_intake")
    # an unknown notice template is caught by the documents check the deploy runs too
    files["notary_intake.bpmn"] = files["notary_intake.bpmn"].replace(
        b'value="notary/refusal"', b'value="notary/no_such_notice"'
    )
    files["notary_intake.bpmn"] = files["notary_intake.bpmn"].replace(
        b'<spiffworkflow:property name="priority" value="95 if green_channel else 50"/>',
        b'<spiffworkflow:property name="priority" value="95 if green_channel else"/>',
        1,
    )
    checked = validate(designer, files)
    assert checked.status_code == 200
    body = checked.json()
    assert body["ok"] is False
    by_element = {error["element_id"]: error for error in body["errors"]}
    assert by_element["correct_id"]["file"] == "notary_intake.bpmn"
    assert by_element["correct_id"]["line"] and by_element["correct_id"]["tag"] == "userTask"
    assert "priority" in by_element["correct_id"]["message"]
    deployed = upload(designer, files)
    assert deployed.status_code == 400
    assert deployed.json()["deploy_errors"] == body["errors"]  # the same checks, the same words

    files = shipped_files("notary_intake")
    files["notary_intake.bpmn"] = files["notary_intake.bpmn"].replace(
        b'value="notary/refusal"', b'value="notary/no_such_notice"'
    )
    body = validate(designer, files).json()
    assert body["ok"] is False and any("no_such_notice" in error["message"] for error in body["errors"])
    assert not ProcessDefinition.objects.exists()


def test_malformed_xml_is_a_located_error_not_a_500(client_for, demo):
    body = validate(client_for("designer"), {"broken.bpmn": b"<bpmn:definitions>\n<oops"}).json()
    assert body["ok"] is False
    [error] = body["errors"]
    assert error["file"] == "broken.bpmn" and error["line"] and "XML" in error["message"]


def test_validate_is_for_designers_and_needs_files(client_for, demo):
    for username in ("applicant", "caseworker", "supervisor"):
        response = validate(client_for(username), fixture_files("approval"))
        assert response.status_code == 403, username
    designer = client_for("designer")
    empty = designer.post("/api/v1/processes/validate", {}, format="multipart")
    assert empty.status_code == 400 and "files" in empty.json()["errors"]
    wrong = validate(designer, {"notes.txt": b"hello"})
    assert wrong.status_code == 400 and "files" in wrong.json()["errors"]
    assert APIClient().post("/api/v1/processes/validate").status_code in (401, 403)


# ---------------------------------------------------------------------------------------------
# Files of a version, and what changed between versions


def test_staff_read_every_file_of_a_version(client_for, approval):
    files = client_for("designer").get("/api/v1/processes/test_approval/versions/1/files")
    assert files.status_code == 200
    expected = {name: content.decode() for name, content in fixture_files("approval").items()}
    assert files.json() == {"files": expected}
    assert client_for("caseworker").get("/api/v1/processes/test_approval/versions/1/files").status_code == 200
    assert client_for("applicant").get("/api/v1/processes/test_approval/versions/1/files").status_code == 403
    assert client_for("designer").get("/api/v1/processes/test_approval/versions/2/files").status_code == 404
    assert client_for("designer").get("/api/v1/processes/nothing/versions/1/files").status_code == 404


def test_the_diff_names_what_changed_between_two_versions(client_for, approval):
    designer = client_for("designer")
    files = fixture_files("approval")
    files["approval.bpmn"] = (
        files["approval.bpmn"]
        .replace(b'name="Review application"', b'name="Review the application"')
        .replace(b'value="80 if urgent else 50"', b'value="90 if urgent else 50"')
        .replace(
            b'<bpmn:endEvent id="refused" name="Refused">', b'<bpmn:endEvent id="declined" name="Declined">'
        )
        .replace(b'targetRef="refused"', b'targetRef="declined"')
        .replace(b"<bpmn:flowNodeRef>refused<", b"<bpmn:flowNodeRef>declined<")
    )
    files["review.uischema.json"] = files["review.uischema.json"].replace(b"textarea", b"text")
    assert upload(designer, files).status_code == 201

    response = designer.get("/api/v1/processes/test_approval/diff", {"from": 1, "to": 2})
    assert response.status_code == 200, response.content
    diff = response.json()
    assert diff["from"] == 1 and diff["to"] == 2
    assert diff["added"] == [{"id": "declined", "type": "endEvent", "name": "Declined"}]
    assert diff["removed"] == [{"id": "refused", "type": "endEvent", "name": "Refused"}]
    changed = {change["id"]: change for change in diff["changed"]}
    assert changed["review"]["type"] == "userTask" and changed["review"]["name"] == "Review the application"
    assert changed["review"]["changes"] == [
        "name: 'Review application' → 'Review the application'",
        "priority: '80 if urgent else 50' → '90 if urgent else 50'",
    ]
    assert changed["Flow_refused"]["changes"] == ["to: 'refused' → 'declined'"]
    assert diff["files_changed"] == ["approval.bpmn", "review.uischema.json"]

    backwards = designer.get("/api/v1/processes/test_approval/diff", {"from": 2, "to": 1}).json()
    assert backwards["added"] == diff["removed"] and backwards["removed"] == diff["added"]
    same = designer.get("/api/v1/processes/test_approval/diff", {"from": 2, "to": 2}).json()
    assert same["added"] == same["removed"] == same["changed"] == same["files_changed"] == []
    assert client_for("caseworker").get("/api/v1/processes/test_approval/diff?from=1&to=2").status_code == 200


def test_bad_diff_requests_say_which_version_is_wrong(client_for, approval):
    designer = client_for("designer")

    def errors(params: dict) -> dict:
        response = designer.get("/api/v1/processes/test_approval/diff", params)
        assert response.status_code == 400, response.content
        return response.json()["errors"]

    assert "to" in errors({"from": 1})
    assert "from" in errors({"to": 1})
    assert "from" in errors({"from": "abc", "to": 1})
    assert "from" in errors({"from": "-1", "to": 1})
    assert list(errors({"from": 1, "to": 7})) == ["to"]
    assert designer.get("/api/v1/processes/nothing/diff", {"from": 1, "to": 1}).status_code == 404
    applicant = client_for("applicant").get("/api/v1/processes/test_approval/diff", {"from": 1, "to": 1})
    assert applicant.status_code == 403


# ---------------------------------------------------------------------------------------------
# A brand-new process drawn in bpmn-js

# What bpmn-js's modeler exports for a new diagram with a start event, one user task and an
# end event (tests/server/fixtures/bpmn_js): one process, not marked executable, no lanes,
# no extensions; the shapes in bpmndi.
BPMN_JS_DIAGRAM = fixture_files("bpmn_js")["visitor_log.bpmn"].decode()

# The same diagram after the two edits Lexflow needs, both made in bpmn-js itself: tick
# "executable" on the process, and draw the task into a lane named after the role that works
# it (here, a pool with one lane "caseworker"). Nothing else: no forms, no extensions.
LANE = """<bpmn:laneSet id="LaneSet_0q1f2x3">
      <bpmn:lane id="Lane_1y0b8z3" name="caseworker">
        <bpmn:flowNodeRef>StartEvent_1</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Activity_1qb7c0e</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Event_0d1xq8h</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1">"""
POOL = """<bpmn:collaboration id="Collaboration_0n2g6ud">
    <bpmn:participant id="Participant_1vt6b0q" name="来访登记 / Visitor log" processRef="Process_1" />
  </bpmn:collaboration>
  <bpmn:process id="Process_1" isExecutable="true">"""
POOL_SHAPES = """<bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Collaboration_0n2g6ud">
      <bpmndi:BPMNShape id="Participant_1vt6b0q_di" bpmnElement="Participant_1vt6b0q" isHorizontal="true">
        <dc:Bounds x="129" y="52" width="600" height="250" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_1y0b8z3_di" bpmnElement="Lane_1y0b8z3" isHorizontal="true">
        <dc:Bounds x="159" y="52" width="570" height="250" />
      </bpmndi:BPMNShape>"""


def _drawn(*, executable: bool = False, lane: bool = False) -> bytes:
    xml = BPMN_JS_DIAGRAM
    if executable:
        xml = xml.replace('isExecutable="false"', 'isExecutable="true"')
    if lane:
        xml = xml.replace('<bpmn:process id="Process_1" isExecutable="true">', POOL)
        xml = xml.replace('<bpmn:startEvent id="StartEvent_1">', LANE)
        xml = xml.replace('<bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_1">', POOL_SHAPES)
    return xml.encode()


def test_a_diagram_fresh_from_bpmn_js_deploys_after_two_edits_and_runs(client_for, demo):
    """The minimum Lexflow needs of a new diagram: the process marked executable, and every
    user task in a lane named after a role (or with a `candidateGroups` property). Until
    then validate and deploy say so, naming the element and its line."""
    designer = client_for("designer")

    bare = validate(designer, {"visitor_log.bpmn": _drawn()}).json()
    assert bare["ok"] is False
    [error] = bare["errors"]
    assert error["element_id"] == "Process_1" and error["tag"] == "process" and error["line"] == 3
    assert "isExecutable" in error["message"]

    refused = upload(designer, {"visitor_log.bpmn": _drawn(executable=True)})
    assert refused.status_code == 400
    [error] = refused.json()["deploy_errors"]
    assert error["element_id"] == "Activity_1qb7c0e" and error["tag"] == "userTask" and error["line"] == 7
    assert "lane" in error["message"]

    assert validate(designer, {"visitor_log.bpmn": _drawn(executable=True, lane=True)}).json()["ok"] is True
    deployed = upload(designer, {"visitor_log.bpmn": _drawn(executable=True, lane=True)})
    assert deployed.status_code == 201, deployed.content
    [definition] = deployed.json()
    assert definition["key"] == "Process_1" and definition["version"] == 1
    assert definition["is_public"] is False  # staff start it until the designer publishes it

    case = start_case(designer, "Process_1", {})
    [task] = case["tasks"]
    assert task["bpmn_id"] == "Activity_1qb7c0e" and task["candidate_groups"] == ["caseworker"]
    caseworker = client_for("caseworker")
    assert any(row["id"] == task["id"] for row in caseworker.get("/api/v1/tasks").json()["results"])
    done = caseworker.post(f"/api/v1/tasks/{task['id']}/complete", {"data": {}}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["instance"]["status"] == "completed"
    diagram = designer.get(f"/api/v1/instances/{case['id']}/diagram").json()
    assert diagram["completed"] == ["StartEvent_1", "Activity_1qb7c0e", "Event_0d1xq8h"]
    assert "bpmndi:BPMNShape" in diagram["bpmn"]


def test_a_candidate_groups_property_does_instead_of_a_lane(client_for, demo):
    xml = _drawn(executable=True).replace(
        b'xmlns:di="http://www.omg.org/spec/DD/20100524/DI"',
        b'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
        b'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"',
    )
    xml = xml.replace(
        b"<bpmn:incoming>Flow_0v3fx1b</bpmn:incoming>\n      <bpmn:outgoing>Flow_1m9k2dw",
        b"<bpmn:extensionElements><spiffworkflow:properties>"
        b'<spiffworkflow:property name="candidateGroups" value="reviewer" />'
        b"</spiffworkflow:properties></bpmn:extensionElements>\n"
        b"      <bpmn:incoming>Flow_0v3fx1b</bpmn:incoming>\n      <bpmn:outgoing>Flow_1m9k2dw",
    )
    assert validate(client_for("designer"), {"visitor_log.bpmn": xml}).json() == {
        "ok": True,
        "errors": [],
        "notes": [],
        "default_group_tasks": [],
    }
