"""The two-user-task approval process, run straight through and with a save/restore between steps."""

from __future__ import annotations

import json

import pytest

from tests.workflows.support import load_package
from workflows import Engine, Instance, ProcessPackage


def _step(engine: Engine, package: ProcessPackage, instance: Instance, roundtrip: bool) -> Instance:
    """Optionally save and restore, as the server does between every request."""
    if not roundtrip:
        return instance
    snap = instance.snapshot()
    json.loads(snap.state)  # state is plain JSON
    return engine.restore(package, snap.state)


@pytest.mark.parametrize("roundtrip", [False, True], ids=["in-memory", "restored-between-steps"])
def test_approval_runs_through_both_lanes_to_completion(engine: Engine, roundtrip: bool) -> None:
    package = engine.compile(load_package("approval"))
    assert set(package.processes) == {"approval"}
    assert set(package.forms) == {"assess.schema.json", "assess.uischema.json", "review.schema.json"}

    instance = engine.start(package, "approval", {"applicant": "Ana", "urgent": True})
    snap = instance.snapshot()
    assert snap.steps == ("start",)
    assert not snap.completed
    [task] = snap.ready_tasks
    assert task.bpmn_id == "assess_application"
    assert task.lane == "caseworker"
    assert task.candidate_groups == ("caseworker",)
    assert task.form == "assess.schema.json"
    assert task.ui_form == "assess.uischema.json"
    assert task.priority == 80
    assert task.due == "P7D"
    assert task.follow_up is None
    assert task.data["applicant"] == "Ana"

    instance = _step(engine, package, instance, roundtrip)
    instance.complete(task.task_id, {"eligible": True})
    instance = _step(engine, package, instance, roundtrip)
    [review] = instance.ready_tasks()
    assert review.bpmn_id == "review_decision"
    assert review.lane == "reviewer"
    assert review.candidate_groups == ("reviewer", "supervisor")
    assert review.priority == 50
    assert review.follow_up == "P2D"

    instance.complete(review.task_id, {"confirmed": True})
    instance = _step(engine, package, instance, roundtrip)
    assert instance.completed
    snap = instance.snapshot()
    assert snap.completed
    assert snap.ready_tasks == ()
    assert snap.data["outcome"] == "approved"
    assert snap.data["reviewed_by"] == ["OK"]
    if not roundtrip:
        assert snap.steps == (
            "start",
            "assess_application",
            "decision",
            "review_decision",
            "record_outcome",
            "end_approved",
        )
    else:
        assert snap.steps == ()  # nothing ran since the last restore


@pytest.mark.parametrize("roundtrip", [False, True], ids=["in-memory", "restored-between-steps"])
def test_ineligible_application_ends_after_the_caseworker(engine: Engine, roundtrip: bool) -> None:
    package = engine.compile(load_package("approval"))
    instance = engine.start(package, "approval", {"urgent": False})
    [task] = instance.ready_tasks()
    assert task.priority == 40
    instance = _step(engine, package, instance, roundtrip)
    instance.complete(task.task_id, {"eligible": False})
    snap = instance.snapshot()
    assert snap.completed
    assert snap.steps[-2:] == ("decision", "end_refused")


def test_completing_a_task_that_is_not_ready_raises_task_not_ready(engine: Engine) -> None:
    from workflows import TaskNotReady

    package = engine.compile(load_package("approval"))
    instance = engine.start(package, "approval", {"urgent": False})
    [task] = instance.ready_tasks()
    instance.complete(task.task_id, {"eligible": True})
    with pytest.raises(TaskNotReady):
        instance.complete(task.task_id, {"eligible": True})
    with pytest.raises(TaskNotReady):
        instance.complete("not-a-task", {})


def test_compiling_the_same_files_twice_returns_the_cached_package(engine: Engine) -> None:
    files = load_package("approval")
    first = engine.compile(files)
    assert engine.compile(dict(files)) is first
    assert len(first.digest) == 64


def test_snapshot_state_does_not_embed_the_process_spec(engine: Engine) -> None:
    package = engine.compile(load_package("approval"))
    state = json.loads(engine.start(package, "approval", {"urgent": True}).snapshot().state)
    assert "spec" not in state
    assert "subprocess_specs" not in state
    assert state["serializer_version"]
