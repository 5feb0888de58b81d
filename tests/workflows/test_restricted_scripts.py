"""Scripts run restricted: no imports, no dunder escapes, bounded time; nothing escapes as a raw exception."""

from __future__ import annotations

import threading
import time

import pytest

from tests.workflows.support import FIXTURES
from workflows import EngineError
from workflows.scripting import RestrictedEnvironment, check_source


def _compiled(engine, name: str):
    return engine.compile({f"{name}.bpmn": (FIXTURES / "bad" / f"{name}.bpmn").read_bytes()})


@pytest.mark.parametrize(
    "source",
    [
        "import os",
        "from os import path",
        "__import__('os')",
        "().__class__.__base__.__subclasses__()",
        "x = getattr(x, '__cl' + 'ass__')",
        "x = '__class__'",
        "try:\n    pass\nexcept:\n    pass",
        "try:\n    pass\nfinally:\n    pass",
        "eval('1')",
        "open('/etc/passwd')",
    ],
)
def test_dangerous_scripts_are_refused_statically(source: str) -> None:
    assert check_source(source, "exec")


@pytest.mark.parametrize(
    "source",
    [
        "t = type(1)",  # not a builtin here
        "g = ''.join(['__cl', 'ass__'])\nx = vars",
        "s = '{0.__class__}'.format(1)",
        "x = [c for c in range(10 ** 9)]",
        "x = 2 ** 10 ** 8",
        "x = datetime.now()",  # not JSON: must not become task data
    ],
)
def test_runtime_escapes_fail_with_an_ordinary_error(source: str) -> None:
    env = RestrictedEnvironment(time_limit=0.5)
    context = {"x": 1}
    with pytest.raises(Exception) as info:  # noqa: B017 - any ordinary exception will do
        env.execute(source, context)
    assert isinstance(info.value, Exception)


def test_scripts_can_mutate_task_data_and_use_the_safe_helpers() -> None:
    env = RestrictedEnvironment(time_limit=0.5)
    context = {"items": [1, 2], "form": {"a": 1}, "n": 1}
    env.execute(
        "items[0] = 5\nform['b'] = 2\nn += 1\nfor i, v in enumerate(items):\n    total = i + v\n"
        "a, b = 1, 2\nwhen = (datetime(2030, 1, 1) + timedelta(days=1)).isoformat()\nbig = max(items)\n"
        "def double(v):\n    return v * 2\nd = double(n)\n"
        "try:\n    z = {}['k']\nexcept KeyError:\n    z = None",
        context,
    )
    assert context["items"] == [5, 2]
    assert context["form"] == {"a": 1, "b": 2}
    assert context["n"] == 2 and context["d"] == 4
    assert context["when"] == "2030-01-02T00:00:00"
    assert "double" not in context and "_print" not in context
    assert context["z"] is None


@pytest.mark.parametrize("fixture", ["script_infinite_loop", "script_catches_timeout"])
def test_endless_script_fails_its_task_within_the_time_limit(engine, fixture: str) -> None:
    package = _compiled(engine, fixture)
    started = time.perf_counter()
    with pytest.raises(EngineError) as info:
        engine.start(package, "p", {})
    assert time.perf_counter() - started < 2.0
    assert info.value.element_id == "bad_script"
    assert "ran longer than" in str(info.value)


def test_time_limit_works_outside_the_main_thread(engine) -> None:
    package = _compiled(engine, "script_infinite_loop")
    caught: list[BaseException] = []

    def run() -> None:
        try:
            engine.start(package, "p", {})
        except BaseException as exc:  # noqa: BLE001 - record whatever happens
            caught.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert len(caught) == 1 and isinstance(caught[0], EngineError)
    assert caught[0].element_id == "bad_script"


def test_a_failing_script_raises_engine_error_naming_the_element(engine) -> None:
    text = (FIXTURES / "bad" / "script_import.bpmn").read_text()
    text = text.replace("import os\nx = os.getcwd()", "x = 1 / 0")
    package = engine.compile({"z.bpmn": text.encode()})
    with pytest.raises(EngineError) as info:
        engine.start(package, "p", {})
    assert info.value.element_id == "bad_script"
    assert "ZeroDivisionError" in str(info.value)
