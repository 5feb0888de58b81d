"""A service raises a BPMN error with a code; the error boundary event that catches it takes over."""

from __future__ import annotations

import pytest

from tests.workflows.support import load_package
from workflows import BpmnError, Engine, EngineError


def lookup(params: dict) -> dict:
    if params["name"] == "nobody":
        raise BpmnError("NOT_FOUND", "不在登记簿中 / not in the register", {"searched": "nobody"})
    if params["name"] == "odd":
        raise BpmnError("UNEXPECTED_CODE")
    if params["name"] == "down":
        raise ConnectionError("registry unreachable")
    return {"registered": True}


@pytest.fixture
def engine() -> Engine:
    return Engine(services={"registry.lookup": lookup}, script_time_limit=0.5)


@pytest.fixture
def package(engine):
    return engine.compile(load_package("events"))


def test_the_boundary_event_for_the_code_takes_the_case_on_with_the_error_in_its_data(engine, package):
    snapshot = engine.start(package, "registry_check", {"name": "nobody"}).snapshot()
    assert [task.bpmn_id for task in snapshot.ready_tasks] == ["ask_applicant"]
    assert snapshot.steps == ("start", "not_found")
    assert snapshot.data["bpmn_error"] == {
        "code": "NOT_FOUND",
        "message": "不在登记簿中 / not in the register",
        "data": {"searched": "nobody"},
    }
    restored = engine.restore(package, snapshot.state)
    # The service task was ended by its error: it is not where the case stands.
    states = restored.element_states()
    assert "look_up" not in states.current and states.current == ("ask_applicant",)
    restored.complete(snapshot.ready_tasks[0].task_id, {})
    assert restored.snapshot().completed


def test_a_service_that_answers_goes_along_the_normal_flow(engine, package):
    snapshot = engine.start(package, "registry_check", {"name": "ana"}).snapshot()
    assert [task.bpmn_id for task in snapshot.ready_tasks] == ["review"]
    assert snapshot.data["found"] == {"registered": True} and "bpmn_error" not in snapshot.data


def test_a_code_no_boundary_event_catches_fails_the_step_on_the_service_task(engine, package):
    with pytest.raises(EngineError) as failed:
        engine.start(package, "registry_check", {"name": "odd"})
    assert failed.value.element_id == "look_up"
    assert "UNEXPECTED_CODE" in str(failed.value) and "no error boundary event catches" in str(failed.value)


def test_an_unexpected_exception_stays_an_error_located_on_the_service_task(engine, package):
    with pytest.raises(EngineError) as failed:
        engine.start(package, "registry_check", {"name": "down"})
    assert failed.value.element_id == "look_up"
    assert "registry unreachable" in str(failed.value)
