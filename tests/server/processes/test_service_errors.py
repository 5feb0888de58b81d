"""A service raises a BPMN error that the error boundary event catches; other failures stay errors."""

import pytest

from server.processes import engine as server_engine
from server.processes.engine import BpmnError, register_service
from server.processes.models import ProcessInstance
from tests.conftest import fixture_files
from tests.server.conftest import do_task, open_task, upload


@pytest.fixture
def registry(client_for):
    @register_service("registry.lookup", params=("name",))
    def lookup(params: dict) -> dict:
        """查询登记簿 / Look a person up in the register."""
        if params["name"] == "nobody":
            raise BpmnError("NOT_FOUND", "不在登记簿中 / not in the register", {"searched": params["name"]})
        if params["name"] == "odd":
            raise BpmnError("UNEXPECTED")
        if params["name"] == "down":
            raise ConnectionError("登记簿无法连接 / the register is unreachable")
        return {"registered": True}

    response = upload(client_for("designer"), fixture_files("service_errors"))
    assert response.status_code == 201, response.content
    yield
    server_engine._SERVICES.pop("registry.lookup", None)
    server_engine.engine.cache_clear()
    server_engine._PACKAGES.clear()


def start(client, process: str) -> dict:
    response = client.post("/api/v1/instances", {"process": process, "data": {}}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_bpmn_error_from_the_service_goes_along_the_error_boundary_flow(client_for, registry, steps):
    caseworker = client_for("caseworker")
    case = start(caseworker, "registry_check")
    after = do_task(caseworker, case["id"], "file", {"name": "nobody"})
    assert [task["bpmn_id"] for task in after["tasks"]] == ["ask_applicant"]
    assert after["data"]["bpmn_error"] == {
        "code": "NOT_FOUND",
        "message": "不在登记簿中 / not in the register",
        "data": {"searched": "nobody"},
    }
    steps_taken = next(e for e in after["history"] if e["action"] == "task.completed")["detail"]["steps"]
    assert steps_taken == ["file", "not_found"]
    do_task(caseworker, case["id"], "ask_applicant", {})
    assert caseworker.get(f"/api/v1/instances/{case['id']}").json()["status"] == "completed"


@pytest.mark.parametrize(
    ("name", "message"),
    [("odd", "BPMN error UNEXPECTED"), ("down", "the register is unreachable")],
)
def test_an_uncaught_code_or_an_unexpected_exception_is_a_422_on_the_service_task(
    client_for, registry, name, message
):
    caseworker = client_for("caseworker")
    case = start(caseworker, "registry_check")
    task = open_task(caseworker, case["id"], "file")
    caseworker.post(f"/api/v1/tasks/{task['id']}/claim")
    response = caseworker.post(
        f"/api/v1/tasks/{task['id']}/complete", {"data": {"name": name}}, format="json"
    )
    assert response.status_code == 422, response.content
    assert message in response.json()["detail"] and "look_up" in response.json()["errors"]
    assert open_task(caseworker, case["id"], "file")["id"] == task["id"]  # nothing changed


def test_a_failing_service_with_nobody_waiting_opens_an_incident(client_for, registry, clock):
    from server.processes.services import timers_fire_due

    caseworker = client_for("caseworker")
    case = caseworker.post(
        "/api/v1/instances", {"process": "registry_recheck", "data": {"name": "down"}}, format="json"
    ).json()
    clock.shift(days=1, minutes=1)
    timers_fire_due()
    instance = ProcessInstance.objects.get(pk=case["id"])
    [incident] = instance.incidents.filter(status="open")
    assert instance.status == "running" and "the register is unreachable" in incident.error
