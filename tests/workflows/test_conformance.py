"""Real-world BPMN (OMG MIWG and Camunda Modeler exports) compiles or is refused cleanly, quickly."""

from __future__ import annotations

import time

import pytest

from tests.workflows.support import CONFORMANCE
from workflows import DeployFailed, Engine

FILES = sorted(CONFORMANCE.glob("*/*.bpmn")) if CONFORMANCE.is_dir() else []


@pytest.mark.parametrize(
    "path", FILES or [None], ids=lambda p: f"{p.parent.name}/{p.name}" if p else "absent"
)
def test_real_world_bpmn_compiles_or_is_refused_with_located_errors(path) -> None:
    if path is None:
        pytest.skip(f"conformance folder {CONFORMANCE} is absent")
    engine = Engine()
    content = path.read_bytes()
    started = time.perf_counter()
    try:
        package = engine.compile({path.name: content})
    except DeployFailed as failed:
        assert failed.errors
        for error in failed.errors:
            assert error.file == path.name
            assert error.message
            if error.element_id is not None:
                assert error.line is not None, error
    else:
        assert package.processes
    assert time.perf_counter() - started < 5.0
