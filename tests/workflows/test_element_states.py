"""Where an instance stands on its diagram: completed, current and waiting element ids."""

from __future__ import annotations

import pytest

from tests.workflows.support import load_package
from workflows import Engine, Instance, ProcessPackage


def _states(engine: Engine, package: ProcessPackage, instance: Instance, roundtrip: bool):
    if roundtrip:  # as the server reads it: from the saved state alone
        return engine.element_states(package, instance.snapshot().state)
    return instance.element_states()


@pytest.mark.parametrize("roundtrip", [False, True], ids=["in-memory", "from-saved-state"])
def test_states_follow_the_approval_through_its_gateway(engine: Engine, roundtrip: bool) -> None:
    package = engine.compile(load_package("approval"))
    instance = engine.start(package, "approval", {"urgent": False})

    states = _states(engine, package, instance, roundtrip)
    assert states.completed == ("start",)
    assert states.current == ("assess_application",)
    # the engine predicts both branches of the gateway ahead; internal specs have no id
    assert {"decision", "review_decision", "end_refused"} <= set(states.waiting)
    assert None not in states.waiting and "Start" not in states.waiting

    [task] = instance.ready_tasks()
    instance.complete(task.task_id, {"eligible": True})
    states = _states(engine, package, instance, roundtrip)
    assert states.completed == ("start", "assess_application", "decision")
    assert states.current == ("review_decision",)
    assert set(states.waiting) == {"record_outcome", "end_approved"}  # the refused path is gone

    [review] = instance.ready_tasks()
    instance.complete(review.task_id, {"confirmed": True})
    states = _states(engine, package, instance, roundtrip)
    assert instance.completed
    assert states.current == () and states.waiting == ()
    assert states.completed[-1] == "end_approved" and "end_refused" not in states.completed


@pytest.mark.parametrize("roundtrip", [False, True], ids=["in-memory", "from-saved-state"])
def test_a_called_process_shows_its_own_steps_and_the_call_activity_as_current(
    engine: Engine, roundtrip: bool
) -> None:
    package = engine.compile(load_package("called"))
    instance = engine.start(package, "called_main", {})
    [intake] = instance.ready_tasks()
    instance.complete(intake.task_id, {})

    states = _states(engine, package, instance, roundtrip)
    # the call activity runs; inside it, "handle" is ready; its boundary timer waits
    assert set(states.current) == {"handling", "handle", "reminder"}
    assert set(states.completed) == {"start", "intake", "sub_start"}
    assert {"check", "sub_end", "close", "done"} <= set(states.waiting)

    for _ in range(2):
        [ready] = instance.ready_tasks()
        instance.complete(ready.task_id, {})
    states = _states(engine, package, instance, roundtrip)
    assert states.current == ("close",)
    assert {"handling", "handle", "check", "sub_end"} <= set(states.completed)
    assert "reminder" not in states.completed + states.current  # withdrawn with its activity
    assert states.waiting == ("done",)


def test_a_step_done_once_and_open_again_is_current_not_completed(engine: Engine) -> None:
    package = engine.compile(load_package("loop"))
    instance = engine.start(package, "loop", {})
    [first] = instance.ready_tasks()
    instance.complete(first.task_id, {"more": True})
    [again] = instance.ready_tasks()
    assert again.bpmn_id == first.bpmn_id == "ask_again"
    states = instance.element_states()
    assert "ask_again" in states.current
    assert "ask_again" not in states.completed and "ask_again" not in states.waiting


def test_a_dry_run_compile_checks_everything_and_keeps_nothing(engine: Engine) -> None:
    files = load_package("approval")
    checked = engine.compile(files, dry_run=True)
    assert set(checked.processes) == {"approval"}
    assert engine._cache == {}  # nothing cached: a draft does not push deployed packages out
    engine.compile(files)
    assert len(engine._cache) == 1
