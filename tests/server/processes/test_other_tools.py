"""A diagram drawn in Camunda Modeler deploys through the API with its JUEL translated, and runs."""

from tests.server.conftest import do_task, open_task, start_case, upload
from tests.workflows.support import load_package


def _leave() -> dict[str, bytes]:
    files = load_package("camunda")
    files["leave.bpmn"] = files["leave.bpmn"].replace(
        b'camunda:candidateUsers="mary, peter"', b'camunda:candidateUsers="lawyer"'
    )
    return files


def _validate(client, files: dict[str, bytes], **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploads = [SimpleUploadedFile(name, content) for name, content in files.items()]
    return client.post("/api/v1/processes/validate", {"files": uploads, **extra}, format="multipart")


def test_validate_and_deploy_list_each_translation_and_the_tasks_given_the_default_group(client_for, demo):
    designer = client_for("designer")
    refused = _validate(designer, _leave()).json()
    assert refused["ok"] is False and {e["element_id"] for e in refused["errors"]} == {"review", "record"}

    checked = _validate(designer, _leave(), default_group="caseworker").json()
    assert checked["ok"] is True and checked["default_group_tasks"] == ["review", "record"]
    response = upload(designer, _leave(), default_group="caseworker")
    assert response.status_code == 201, response.content
    [definition] = response.json()
    assert definition["notes"] == checked["notes"]
    messages = {(note["element_id"], note["message"]) for note in definition["notes"]}
    assert (
        "f_granted",
        "条件 / condition: ${decision.outcome eq 'granted'} → decision['outcome'] == 'granted'",
    ) in messages
    assert all(note["file"] == "leave.bpmn" and note["line"] for note in definition["notes"])
    assert definition["default_group_tasks"] == ["review", "record"]

    again = upload(designer, _leave(), default_group="caseworker")
    assert again.status_code == 200  # same files, same default group: nothing new
    other = upload(designer, _leave(), default_group="reviewer")
    assert other.status_code == 201 and other.json()[0]["version"] == 2


def test_a_camunda_candidate_user_may_take_the_task_and_the_translated_conditions_route_the_case(
    client_for, demo, steps
):
    designer = client_for("designer")
    assert upload(designer, _leave(), default_group="caseworker").status_code == 201
    data = {"days": 3, "urgent": False, "reason": "family", "review_due": "P5D", "approvers": "director"}
    case = start_case(designer, "leave", data)
    [task] = case["tasks"]
    assert task["candidate_groups"] == ["caseworker"] and task["candidate_users"] == ["lawyer"]
    assert task["assignee"] is None  # camunda:assignee "demo" names nobody here: the queue has it

    lawyer = client_for("lawyer")
    assert task["id"] in [row["id"] for row in lawyer.get("/api/v1/tasks").json()["results"]]
    assert client_for("reviewer").post(f"/api/v1/tasks/{task['id']}/claim").status_code in (403, 404)
    after = do_task(lawyer, case["id"], "review", {"decision": {"outcome": "granted"}})
    assert [t["bpmn_id"] for t in after["tasks"]] == ["approve"]
    approved = do_task(client_for("director"), case["id"], "approve", {})
    assert [t["bpmn_id"] for t in approved["tasks"]] == ["record"]  # ${decision.outcome eq 'granted'}
    open_task(client_for("caseworker"), case["id"], "record")
