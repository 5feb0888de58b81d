"""Guards against runaway loops and oversized diagrams (ENGINE-NOTES traps 5 and 6)."""

from __future__ import annotations

import time

import pytest

from tests.workflows.support import load_package
from workflows import DeployFailed, EngineError

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' id="defs" targetNamespace="http://lexflow.example/bpmn">\n'
    '<bpmn:process id="chain" isExecutable="true">\n'
)


def _chain(length: int) -> bytes:
    """start -> task_1 -> ... -> task_n -> end, one element per line."""
    ids = ["start"] + [f"task_{i}" for i in range(1, length + 1)] + ["end"]
    lines = ['<bpmn:startEvent id="start" />']
    lines += [f'<bpmn:intermediateThrowEvent id="{t}" />' for t in ids[1:-1]]
    lines += ['<bpmn:endEvent id="end" />']
    lines += [
        f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}" />'
        for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    ]
    return (HEAD + "\n".join(lines) + "\n</bpmn:process>\n</bpmn:definitions>\n").encode()


def test_a_chain_too_long_for_the_parser_is_refused_as_a_deploy_error(engine) -> None:
    started = time.perf_counter()
    with pytest.raises(DeployFailed) as info:
        engine.compile({"chain.bpmn": _chain(1000)})
    [error] = info.value.errors
    assert error.file == "chain.bpmn"
    assert "too long or deeply nested" in error.message
    assert error.element_id and error.line
    assert time.perf_counter() - started < 5


def test_a_short_chain_runs_to_completion(engine) -> None:
    package = engine.compile({"chain.bpmn": _chain(50)})
    snap = engine.start(package, "chain").snapshot()
    assert snap.completed
    assert snap.steps[0] == "start" and snap.steps[-1] == "end"
    assert len(snap.steps) == 52


def test_a_loop_that_runs_hundreds_of_times_is_stopped_with_a_clear_error(engine) -> None:
    package = engine.compile(load_package("loop"))
    instance = engine.start(package, "loop", {})
    with pytest.raises(EngineError) as info:
        for _ in range(1000):
            [task] = instance.ready_tasks()
            instance.complete(task.task_id, {"more": True})
    assert "looped too often" in str(info.value)
    assert info.value.element_id == "ask_again"
