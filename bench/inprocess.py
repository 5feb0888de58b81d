"""Part (a): the bare engine, no Django, no database, no HTTP.

Every step round-trips through the JSON serializer, as a server must between requests, so
this is the ceiling the HTTP figures are compared against.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.task import BpmnTaskFilter
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

PROCESS_ID = "bench_approval"
_READY_HUMAN = BpmnTaskFilter(state=TaskState.READY, manual=True)


def _load(bpmn_file: Path):
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(bpmn_file))
    return parser.get_spec(PROCESS_ID), parser.get_subprocess_specs(PROCESS_ID)


def _start(spec, subs, serializer) -> str:
    wf = BpmnWorkflow(spec, subs)
    # Same start payload as the HTTP client sends; the engine carries it into task data.
    for task in wf.get_tasks(state=TaskState.READY):
        task.set_data(amount=1)
    wf.do_engine_steps()
    return serializer.serialize_json(wf)


def _complete(blob: str, serializer) -> tuple[str, str]:
    """Complete the one ready user task of a serialized instance; return (bpmn_id, new blob)."""
    wf = serializer.deserialize_json(blob)
    task = wf.get_tasks(task_filter=_READY_HUMAN)[0]
    task.set_data(ok=True)
    task.run()
    wf.do_engine_steps()
    return task.task_spec.bpmn_id, serializer.serialize_json(wf)


def _sanity(spec, subs, serializer) -> int:
    """Walk one instance end to end so a broken diagram fails loudly, not as a fast loop."""
    blob = _start(spec, subs, serializer)
    done = []
    for _ in range(2):
        bpmn_id, blob = _complete(blob, serializer)
        done.append(bpmn_id)
    wf = serializer.deserialize_json(blob)
    if done != ["review", "approve"] or not wf.is_completed():
        raise RuntimeError(f"bench process did not run review -> approve -> end: {done}")
    return len(blob)


def _pct(samples: list[float], p: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, math.ceil(p * len(ordered)) - 1)] * 1000, 3)


def run(bpmn_file: Path, duration: float) -> dict:
    t0 = time.perf_counter()
    spec, subs = _load(bpmn_file)
    parse_ms = (time.perf_counter() - t0) * 1000
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    final_blob_bytes = _sanity(spec, subs, serializer)

    # Warm-up so the first-call costs (imports, caches) stay out of the figures.
    for _ in range(50):
        _complete(_start(spec, subs, serializer), serializer)

    # Starts: create + engine steps + serialize, repeated for `duration` seconds. Timing each
    # operation costs well under 1% of it and gives percentiles comparable to the HTTP ones.
    blobs: list[str] = []
    start_lat: list[float] = []
    clock = time.perf_counter
    cpu0, t0 = time.process_time(), clock()
    deadline = t0 + duration
    while (t := clock()) < deadline:
        blobs.append(_start(spec, subs, serializer))
        start_lat.append(clock() - t)
    start_elapsed = clock() - t0
    start_cpu = time.process_time() - cpu0

    # Completions: deserialize + complete + engine steps + serialize. Each started instance
    # gives two (review, then approve), like the HTTP run; cycle if the pool runs out.
    complete_lat: list[float] = []
    i = 0
    cpu0, t0 = time.process_time(), clock()
    deadline = t0 + duration
    while (t := clock()) < deadline:
        _, after_review = _complete(blobs[i % len(blobs)], serializer)
        t2 = clock()
        _complete(after_review, serializer)
        complete_lat += (t2 - t, clock() - t2)
        i += 1
    complete_elapsed = clock() - t0
    complete_cpu = time.process_time() - cpu0
    completions = len(complete_lat)

    return {
        "parse_ms": round(parse_ms, 2),
        "state_bytes_after_start": len(blobs[0]),
        "state_bytes_completed": final_blob_bytes,
        "starts": len(blobs),
        "starts_seconds": round(start_elapsed, 3),
        "starts_per_s": round(len(blobs) / start_elapsed, 1),
        "start_p50_ms": _pct(start_lat, 0.50),
        "start_p99_ms": _pct(start_lat, 0.99),
        "starts_cpu_s": round(start_cpu, 3),
        "completions": completions,
        "completions_seconds": round(complete_elapsed, 3),
        "completions_per_s": round(completions / complete_elapsed, 1),
        "complete_p50_ms": _pct(complete_lat, 0.50),
        "complete_p99_ms": _pct(complete_lat, 0.99),
        "completions_cpu_s": round(complete_cpu, 3),
    }
