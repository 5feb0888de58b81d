"""A script that fails stops the completion with a clear error and loses nothing."""

import pytest

from tests.conftest import fixture_files
from tests.server.conftest import upload


def test_failing_script_answers_422_naming_the_element_and_keeps_the_task_open(client_for, demo):
    assert upload(client_for("designer"), fixture_files("scripted"), public="true").status_code == 201
    caseworker = client_for("caseworker")
    started = caseworker.post("/api/v1/instances", {"process": "test_scripted"}, format="json")
    assert started.status_code == 201, started.content
    instance = started.json()
    task_id = instance["tasks"][0]["id"]

    failed = caseworker.post(f"/api/v1/tasks/{task_id}/complete", {"data": {"divisor": 0}}, format="json")
    assert failed.status_code == 422
    body = failed.json()
    assert "compute" in body["errors"] and "Compute the share" in body["detail"]

    unchanged = caseworker.get(f"/api/v1/instances/{instance['id']}").json()
    assert [task["id"] for task in unchanged["tasks"]] == [task_id]
    assert unchanged["tasks"][0]["status"] == "open" and unchanged["status"] == "running"
    assert "task.completed" not in [event["action"] for event in unchanged["history"]]

    fixed = caseworker.post(f"/api/v1/tasks/{task_id}/complete", {"data": {"divisor": 4}}, format="json")
    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["instance"]["data"]["share"] == 25
    assert [task["bpmn_id"] for task in fixed.json()["instance"]["tasks"]] == ["confirm"]


@pytest.mark.parametrize(
    ("script", "said"),
    [
        ("raise Exception.mro()[1]('x')", "'mro' is not available in scripts"),
        ("raise Exception.mro()[1].mro()[0]('x')", "'mro' is not available in scripts"),
        ("x = floor(Decimal('1e300000'))", "ran longer than"),
        ("n = 10**10\nx = '%*s' % (n, 'a')", "MiB of memory"),
    ],
)
def test_a_completion_whose_script_misbehaves_answers_a_422_problem_and_changes_nothing(
    client_for, demo, monkeypatch, script, said
):
    from xml.sax.saxutils import escape

    from workflows import validation

    files = {
        name: content.replace(b"share = 100 / divisor", escape(script).encode())
        for name, content in fixture_files("scripted").items()
    }
    monkeypatch.setattr(validation, "check_sandbox_rules", lambda files: [])  # deployed before them
    assert upload(client_for("designer"), files, public="true").status_code == 201
    monkeypatch.undo()
    caseworker = client_for("caseworker")
    instance = caseworker.post("/api/v1/instances", {"process": "test_scripted"}, format="json").json()
    task_id = instance["tasks"][0]["id"]

    failed = caseworker.post(f"/api/v1/tasks/{task_id}/complete", {"data": {"divisor": 1}}, format="json")
    assert failed.status_code == 422
    assert "json" in failed["Content-Type"]  # a JSON problem, not wsgiref's plain-text 500
    body = failed.json()
    assert body["status"] == 422 and body["type"].endswith("workflow_error")
    assert "compute" in body["errors"] and said in body["detail"]
    unchanged = caseworker.get(f"/api/v1/instances/{instance['id']}").json()
    assert unchanged["status"] == "running" and unchanged["tasks"][0]["status"] == "open"


def test_a_deploy_refuses_a_script_that_names_base_exception_with_its_line(client_for, demo):
    files = {
        name: content.replace(b"share = 100 / divisor", b"raise Exception.mro()[1]('x')")
        for name, content in fixture_files("scripted").items()
    }
    response = upload(client_for("designer"), files)
    assert response.status_code == 400
    [error] = response.json()["deploy_errors"]
    assert error["element_id"] == "compute" and error["line"] == 17
    assert ".mro is not available" in error["message"]
