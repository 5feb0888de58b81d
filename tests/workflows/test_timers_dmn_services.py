"""Boundary timers, DMN decisions and service tasks."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.workflows.support import FIXTURES, load_package
from workflows import EngineError


def test_overdue_boundary_timer_moves_on_once_fired_after_restore(engine) -> None:
    package = engine.compile(load_package("timer"))
    instance = engine.start(package, "reminder", {})
    snap = instance.snapshot()
    [timer] = snap.timers
    assert timer.bpmn_id == "documents_overdue"
    assert timer.due_at.tzinfo is not None
    ahead = timer.due_at - datetime.now(UTC)
    assert timedelta(seconds=0) < ahead <= timedelta(seconds=1.1)
    assert [t.bpmn_id for t in snap.ready_tasks] == ["wait_for_documents"]

    # Not due yet: firing changes nothing.
    instance.fire_due_timers()
    assert [t.bpmn_id for t in instance.ready_tasks()] == ["wait_for_documents"]

    time.sleep(max(0.0, (timer.due_at - datetime.now(UTC)).total_seconds()) + 0.05)
    restored = engine.restore(package, snap.state)
    restored.fire_due_timers()
    after = restored.snapshot()
    assert after.timers == ()
    assert [t.bpmn_id for t in after.ready_tasks] == ["chase_applicant"]
    assert after.steps == ("documents_overdue",)

    restored.fire_due_timers()  # idempotent: a second sweep does nothing more
    again = restored.snapshot()
    assert again.steps == after.steps
    assert [t.bpmn_id for t in again.ready_tasks] == ["chase_applicant"]


def test_business_rule_task_sets_the_decided_fee(engine) -> None:
    package = engine.compile(load_package("dmn"))
    for income, fee in ((500, 0), (1500, 50)):
        snap = engine.start(package, "fee", {"income": income}).snapshot()
        assert snap.completed
        assert snap.data["fee"] == fee
        assert "decide_fee" in snap.steps


def test_service_task_dispatches_to_the_registered_service(engine) -> None:
    package = engine.compile(load_package("service"))
    snap = engine.start(package, "lookup", {"applicant": "ana"}).snapshot()
    assert snap.completed
    assert snap.data["registry"] == {"echoed": {"name": "ANA"}}


def test_unknown_service_fails_the_task_with_engine_error(engine) -> None:
    files = {"u.bpmn": (FIXTURES / "bad" / "unknown_service.bpmn").read_bytes()}
    package = engine.compile(files)
    with pytest.raises(EngineError) as info:
        engine.start(package, "lookup", {"applicant": "ana"})
    assert info.value.element_id == "call_registry"
    assert "no_such_service" in str(info.value)
