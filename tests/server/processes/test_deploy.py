"""Designers deploy process files; bad files get a 400 that locates every problem."""

import pytest

from tests.conftest import fixture_files
from tests.server.conftest import start_approval, start_case, upload
from tests.workflows.support import CONFORMANCE


def test_deploying_identical_files_is_a_no_op_and_changed_files_become_the_next_version(client_for, approval):
    designer = client_for("designer")
    assert approval["version"] == 1
    again = upload(designer, fixture_files("approval"))
    assert again.status_code == 200 and again.json()[0]["version"] == 1

    running = start_approval(client_for("applicant"))
    files = fixture_files("approval")
    files["approval.bpmn"] = files["approval.bpmn"].replace(b"Review application", b"Review the application")
    changed = upload(designer, files)
    assert changed.status_code == 201 and changed.json()[0]["version"] == 2

    detail = designer.get("/api/v1/processes/test_approval").json()
    assert detail["latest_version"] == 2
    counts = {version["version"]: version["instance_count"] for version in detail["versions"]}
    assert counts == {2: 0, 1: 1}
    # the running instance stays on version 1, new ones start on version 2
    assert designer.get(f"/api/v1/instances/{running['id']}").json()["version"] == 1
    assert start_approval(client_for("applicant"))["version"] == 2
    xml = designer.get("/api/v1/processes/test_approval/versions/2/bpmn")
    assert xml.status_code == 200 and b"Review the application" in xml.content


def test_only_designers_may_deploy(client_for, demo):
    response = upload(client_for("caseworker"), fixture_files("approval"))
    assert response.status_code == 403


def _bad_bpmn(body: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="bad" isExecutable="true">
{body}
  </bpmn:process>
</bpmn:definitions>
""".encode()


def test_bad_files_get_400_with_file_line_and_element(client_for, demo):
    files = {
        "bad.bpmn": _bad_bpmn(
            """    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="nobody" name="No lane"><bpmn:incoming>f1</bpmn:incoming></bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="nobody" />
    <bpmn:sequenceFlow id="f2" sourceRef="nobody" targetRef="missing_end" />"""
        )
    }
    response = upload(client_for("designer"), files)
    assert response.status_code == 400
    body = response.json()
    assert body["deploy_errors"], body
    by_element = {error["element_id"]: error for error in body["deploy_errors"]}
    assert "nobody" in by_element and by_element["nobody"]["line"] == 5
    assert "f2" in by_element and by_element["f2"]["line"] == 7
    assert all(error["file"] == "bad.bpmn" for error in body["deploy_errors"])
    assert len(body["errors"]["files"]) == len(body["deploy_errors"])


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.bpmn", b"<bpmn:definitions", "line"),
        ("notes.txt", b"hello", "only .bpmn"),
        ("latin1.bpmn", "<?xml version='1.0' encoding='latin-1'?><a>\xe9</a>".encode("latin-1"), "UTF-8"),
        ("form.schema.json", b"{not json", "json"),
    ],
)
def test_unreadable_uploads_are_refused_with_a_reason(client_for, demo, name, content, expected):
    response = upload(client_for("designer"), {name: content})
    assert response.status_code == 400
    assert expected.lower() in str(response.json()).lower()


def test_upload_without_files_is_a_400_naming_the_field(client_for, demo):
    response = client_for("designer").post("/api/v1/processes", {}, format="multipart")
    assert response.status_code == 400 and "files" in response.json()["errors"]


def test_entity_bomb_is_refused_quickly(client_for, demo):
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol3;</bpmn:definitions>"""
    response = upload(client_for("designer"), {"bomb.bpmn": bomb})
    assert response.status_code == 400


CONFORMANCE_FILES = sorted(CONFORMANCE.glob("*/*.bpmn")) if CONFORMANCE.exists() else []
# With a default group for their lane-less tasks, these Camunda Modeler files deploy: their
# timers, JUEL and camunda: attributes translated. Every other file is refused, on its elements.
DEPLOY_WITH_A_DEFAULT_GROUP = {"A.4.0-export.bpmn", "A.4.1-export.bpmn", "C.2.0-export.bpmn"}


@pytest.mark.skipif(not CONFORMANCE_FILES, reason="../shared/conformance is not beside the repository")
@pytest.mark.parametrize("path", CONFORMANCE_FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_real_modeler_files_deploy_or_get_located_errors_never_a_500(client_for, demo, path):
    response = upload(client_for("designer"), {path.name: path.read_bytes()}, default_group="caseworker")
    assert response.status_code in (200, 201, 400), response.content
    if response.status_code == 400:
        for error in response.json()["deploy_errors"]:
            assert error["file"] == path.name and error["message"]
    deployable = path.parent.name == "camunda-modeler" and path.name in DEPLOY_WITH_A_DEFAULT_GROUP
    assert (response.status_code == 201) == deployable, response.content


@pytest.mark.skipif(not CONFORMANCE_FILES, reason="../shared/conformance is not beside the repository")
def test_camunda_modeler_files_say_which_tasks_got_the_default_group_and_what_was_translated(
    client_for, demo
):
    designer = client_for("designer")
    folder = CONFORMANCE / "camunda-modeler"
    refused = upload(designer, {"A.4.0-export.bpmn": (folder / "A.4.0-export.bpmn").read_bytes()})
    assert refused.status_code == 400
    assert {error["element_id"] for error in refused.json()["deploy_errors"]} == {"Task1Task", "Task2Task"}
    assert "default group" in refused.json()["deploy_errors"][0]["message"]

    deployed = upload(
        designer,
        {"A.4.0-export.bpmn": (folder / "A.4.0-export.bpmn").read_bytes()},
        default_group="caseworker",
    )
    assert deployed.status_code == 201, deployed.content
    [definition] = deployed.json()
    assert definition["default_group"] == "caseworker"
    assert definition["default_group_tasks"] == ["Task1Task", "Task2Task"]
    assert {note["element_id"] for note in definition["notes"]} == {"Task1Task", "Task2Task"}
    case = start_case(designer, definition["key"], {})
    assert [task["candidate_groups"] for task in case["tasks"]] == [["caseworker"]]

    # The invoice example: its JUEL conditions are translated; what stays refused is Java.
    invoice = upload(designer, {"C.1.0-roundtrip.bpmn": (folder / "C.1.0-roundtrip.bpmn").read_bytes()})
    errors = invoice.json()["deploy_errors"]
    assert [error for error in errors if error["tag"] == "sequenceFlow"] == []  # ${approved}, ${!approved}…
    assert any("delegateExpression" in error["message"] for error in errors)
    assert any("formKey 'app:approveInvoice.jsf'" in error["message"] for error in errors)


def test_an_unknown_default_group_is_a_400_naming_the_field(client_for, demo):
    response = upload(client_for("designer"), fixture_files("approval"), default_group="janitor")
    assert response.status_code == 400 and "default_group" in response.json()["errors"]


def _review_form(schema: dict) -> dict[str, bytes]:
    import json

    files = fixture_files("approval")
    files["review.schema.json"] = json.dumps(schema).encode()
    return files


def _deploy_as_before_the_form_checks(client_for, monkeypatch, files) -> None:
    """Deploy forms as a server before the deploy's form checks took them: without the offline
    checks (refs, RE2 patterns) and without the declared-fields check (patternProperties)."""
    from workflows import validation

    monkeypatch.setattr(validation, "check_form_schemas", lambda pkg, files: [])
    monkeypatch.setattr(validation, "check_form_fields", lambda pkg, files: None)
    response = upload(client_for("designer"), files, public="true")
    monkeypatch.undo()
    assert response.status_code == 201, response.content


def _review_task(client_for):
    from tests.server.conftest import start_approval

    instance = start_approval(client_for("applicant"))
    return instance["tasks"][0]["id"]


@pytest.mark.parametrize("ref", ["http://127.0.0.1:9/leak.json", "file:///etc/passwd"])
def test_a_form_with_a_remote_ref_never_fetches_it_and_answers_a_422(client_for, demo, monkeypatch, ref):
    import urllib.request

    def no_fetching(*args, **kwargs):
        raise AssertionError(f"the server tried to fetch {args[0]!r}")

    schema = {"type": "object", "properties": {"complete": {"$ref": ref}}}
    _deploy_as_before_the_form_checks(client_for, monkeypatch, _review_form(schema))
    monkeypatch.setattr(urllib.request, "urlopen", no_fetching)
    response = client_for("caseworker").post(
        f"/api/v1/tasks/{_review_task(client_for)}/complete", {"data": {"complete": True}}, format="json"
    )
    assert response.status_code == 422, response.content
    assert "review.schema.json" in response.json()["detail"]


def test_a_deploy_refuses_a_form_with_a_remote_ref_naming_file_and_line(client_for, demo):
    files = fixture_files("approval")
    files["review.schema.json"] = (
        b'{\n  "type": "object",\n  "properties": {"x": {"$ref": "file:///etc/passwd"}}\n}'
    )
    response = upload(client_for("designer"), files)
    assert response.status_code == 400
    [error] = [e for e in response.json()["deploy_errors"] if e["file"] == "review.schema.json"]
    assert error["line"] == 3 and "never fetches" in error["message"]


def test_form_patterns_never_go_through_pythons_backtracking_re(client_for, demo, monkeypatch):
    import jsonschema._keywords
    import jsonschema._utils

    def backtracking(*args, **kwargs):
        raise AssertionError("a form pattern was matched with Python's re")

    schema = {
        "type": "object",
        "properties": {"name": {"type": "string", "pattern": "^(a+)+$"}},
        "patternProperties": {"^(x+)+$": {"type": "string"}},
        "additionalProperties": False,
    }
    _deploy_as_before_the_form_checks(client_for, monkeypatch, _review_form(schema))
    monkeypatch.setattr(jsonschema._keywords.re, "search", backtracking)
    monkeypatch.setattr(jsonschema._utils.re, "search", backtracking)
    hostile = {"name": "a" * 100_000 + "!", "x" * 50_000 + "!": "y"}
    response = client_for("caseworker").post(
        f"/api/v1/tasks/{_review_task(client_for)}/complete", {"data": hostile}, format="json"
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    # The name fails its pattern; the other field, which only a pattern would let in, is refused
    # by name as undeclared (patternProperties declare no field).
    assert "does not match" in errors["data.name"][0]
    assert "not on the form" in errors["data." + "x" * 50_000 + "!"][0]


def test_an_upload_that_is_not_utf8_is_refused_with_file_line_and_byte_offset(client_for, demo):
    files = fixture_files("approval")
    files["approval.bpmn"] = files["approval.bpmn"].replace(b"Review", "Prüfung".encode("latin-1"), 1)
    response = upload(client_for("designer"), files)
    assert response.status_code == 400
    [error] = response.json()["deploy_errors"]
    offset = files["approval.bpmn"].index(b"\xfc")
    assert (
        error["file"] == "approval.bpmn" and error["line"] == files["approval.bpmn"][:offset].count(b"\n") + 1
    )
    assert f"byte 0xFC at byte offset {offset}" in error["message"]
