"""Part (s): what a script step and a condition step cost through Lexflow's engine.

Three chains of STEPS elements are started over and over, each instance running to its end in
one `Engine.start` (no database, no HTTP): no-op events, script tasks, and exclusive gateways
with a plain condition. The cost of one step is (chain time - no-op chain time) / STEPS, so
what the engine does around every element is left out. The same chains also run on bare
SpiffWorkflow (plain `exec`/`eval`, no restriction) for the floor.

Lexflow runs scripts in a sandbox process and plain conditions in process (see
`workflows.scripting`); before that change both ran in process under RestrictedPython with a
trace-function time limit. `python bench/scripts.py` prints the figures alone; run it from an
older checkout (the same file) to get that version's figures.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

STEPS = 20
KINDS = ("plain_script", "script", "condition")
# A script like most shipped ones (assignments, comparisons: run in process), and one that
# builds a string (which could be a huge one: run in the sandbox process).
PLAIN_SCRIPT = 'n = n + 1\nok = n > 0 and label != "never"\nlabel = "done" if ok else label'
SCRIPT = 'n = n + 1\nlabel = "step " + str(n)\nok = n > 0 and label != ""'
CONDITION = 'n >= 0 and label != "never"'

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">\n'
    '<bpmn:process id="chain" isExecutable="true">\n<bpmn:startEvent id="s0"/>\n'
)


def _flow(flow_id: str, source: str, target: str, conditioned: bool) -> str:
    if not conditioned:
        return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'
    return (
        f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{CONDITION}</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>"
    )


def _chain(kind: str) -> bytes:
    """start -> STEPS elements of one kind -> end; a gateway's way on carries the condition."""
    lines, previous = [], "s0"
    gateways = kind == "condition"
    for i in range(1, STEPS + 1):
        node = f"n{i}"
        if kind in ("script", "plain_script"):
            script = SCRIPT if kind == "script" else PLAIN_SCRIPT
            lines.append(
                f'<bpmn:scriptTask id="{node}" scriptFormat="python"><bpmn:script>{script}</bpmn:script>'
                "</bpmn:scriptTask>"
            )
        elif gateways:
            lines.append(f'<bpmn:exclusiveGateway id="{node}" default="d{i}"/>')
            lines.append(f'<bpmn:endEvent id="x{i}"/>')
            lines.append(_flow(f"d{i}", node, f"x{i}", conditioned=False))
        else:
            lines.append(f'<bpmn:intermediateThrowEvent id="{node}"/>')
        lines.append(_flow(f"f{i}", previous, node, conditioned=gateways and i > 1))
        previous = node
    lines.append('<bpmn:endEvent id="end"/>')
    lines.append(_flow("f_end", previous, "end", conditioned=gateways))
    return (HEAD + "\n".join(lines) + "\n</bpmn:process>\n</bpmn:definitions>\n").encode()


def _time_per_instance(start, duration: float) -> float:
    """Median seconds per started instance, over batches run for about `duration` seconds."""
    for _ in range(5):
        start()  # warm-up: first-use costs (compilation caches, a sandbox process) stay out
    samples: list[float] = []
    deadline = time.perf_counter() + duration
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        for _ in range(5):
            start()
        samples.append((time.perf_counter() - t0) / 5)
    return statistics.median(samples)


def _lexflow_starter(kind: str):
    from workflows import Engine

    engine = Engine(script_time_limit=1.0)
    package = engine.compile({"chain.bpmn": _chain(kind)})
    return lambda: engine.start(package, "chain", {"n": 0, "label": ""}).snapshot()


def _bare_starter(kind: str):
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

    parser = SpiffBpmnParser()
    parser.add_bpmn_str(_chain(kind), filename="chain.bpmn")
    spec, subs = parser.get_spec("chain"), parser.get_subprocess_specs("chain")

    def start() -> None:
        wf = BpmnWorkflow(spec, subs)
        wf.get_next_task(spec_name="Start").data.update({"n": 0, "label": ""})
        wf.do_engine_steps()

    return start


def _per_step_us(starter, duration: float) -> dict[str, float]:
    """Per-step cost of each kind against the no-op chain, measured in alternation (a busy machine
    slows every kind alike instead of whichever ran while it was busy)."""
    starts = {kind: starter(kind) for kind in ("noop", *KINDS)}
    times: dict[str, list[float]] = {kind: [] for kind in starts}
    rounds = 6
    for _ in range(rounds):
        for kind, start in starts.items():
            times[kind].append(_time_per_instance(start, duration / rounds / len(starts)))
    noop = statistics.median(times["noop"])
    return {kind: round((statistics.median(times[kind]) - noop) / STEPS * 1e6, 1) for kind in KINDS}


def _call_us(call, duration: float) -> float:
    for _ in range(20):
        call()
    samples: list[float] = []
    deadline = time.perf_counter() + duration
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        for _ in range(20):
            call()
        samples.append((time.perf_counter() - t0) / 20)
    return round(statistics.median(samples) * 1e6, 1)


def _environment_calls(duration: float) -> dict[str, float]:
    """One script and one condition through Lexflow's script environment, with 30 fields of case data."""
    from workflows.scripting import RestrictedEnvironment

    environment = RestrictedEnvironment(time_limit=1.0)
    data = {"n": 0, "label": "", **{f"field_{i}": f"value {i}" for i in range(30)}}
    return {
        "env_plain_script_call_us": _call_us(
            lambda: environment.execute(PLAIN_SCRIPT, dict(data)), duration / 3
        ),
        "env_script_call_us": _call_us(lambda: environment.execute(SCRIPT, dict(data)), duration / 3),
        "env_condition_call_us": _call_us(lambda: environment.evaluate(CONDITION, dict(data)), duration / 3),
    }


def run(duration: float = 6.0) -> dict:
    """Microseconds per script step and per condition step: Lexflow's engine, bare SpiffWorkflow, and
    one call of Lexflow's script environment."""
    lexflow = _per_step_us(_lexflow_starter, duration * 0.4)
    bare = _per_step_us(_bare_starter, duration * 0.3)
    return {
        "steps_per_instance": STEPS,
        **{f"lexflow_{kind}_step_us": lexflow[kind] for kind in KINDS},
        **{f"bare_{kind}_step_us": bare[kind] for kind in KINDS},
        **_environment_calls(duration * 0.3),
    }


def report(figures: dict) -> str:
    rows = [
        ("plain script step", "plain_script"),
        ("other script step", "script"),
        ("condition step", "condition"),
    ]
    lines = [
        f"Script steps ({figures['steps_per_instance']} per instance, in process, no database; "
        "per step beyond a no-op event):"
    ]
    for label, kind in rows:
        lines.append(
            f"  {label:18} Lexflow {figures[f'lexflow_{kind}_step_us']:>7,.1f} µs   "
            f"bare SpiffWorkflow {figures[f'bare_{kind}_step_us']:>7,.1f} µs   "
            f"one call of the script environment {figures[f'env_{kind}_call_us']:>7,.1f} µs"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(run(float(sys.argv[1]) if len(sys.argv) > 1 else 6.0)))
