"""Jobs the background benchmark runs inside Django (against its own database, from the env).

Usage: python bench/django_jobs.py render | burst N BACKLOG | burst-progress KEY | burst-result KEY
Each prints one JSON line.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.config.settings.production")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402

from server.documents import services as documents  # noqa: E402
from server.documents.catalogue import NOTICES  # noqa: E402
from server.documents.models import Document  # noqa: E402
from server.documents.toolchain import fast_font_subsetting  # noqa: E402
from server.processes.models import Timer  # noqa: E402
from server.processes.services import definitions_deploy, instance_start  # noqa: E402

RENDERS_PER_TEMPLATE = 5

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="Definitions_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to_wait</bpmn:outgoing></bpmn:startEvent>
    {middle}
    <bpmn:endEvent id="end"><bpmn:incoming>to_end</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""
TIMER = """<bpmn:intermediateCatchEvent id="wait" name="Wait for the moment">
      <bpmn:incoming>to_wait</bpmn:incoming><bpmn:outgoing>to_end</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_timer">
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression"
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"{due}"</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="to_wait" sourceRef="start" targetRef="wait" />
    <bpmn:sequenceFlow id="to_end" sourceRef="wait" targetRef="end" />"""
NOTICE = """<bpmn:intermediateThrowEvent id="wait" name="Notice issued">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="document" value="complaint/ineligible"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>to_wait</bpmn:incoming><bpmn:outgoing>to_end</bpmn:outgoing>
    </bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="to_wait" sourceRef="start" targetRef="wait" />
    <bpmn:sequenceFlow id="to_end" sourceRef="wait" targetRef="end" />"""


def _deploy(key: str, name: str, middle: str) -> None:
    files = {f"{key}.bpmn": BPMN.format(key=key, name=name, middle=middle).encode()}
    definitions_deploy(files=files, user=None)


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def render() -> dict:
    """Each template's PDFs, rendered and not stored (they stay the burst's backlog)."""
    rows, first_ms = [], None
    for key in NOTICES:
        pending = Document.objects.filter(template=key, pdf__isnull=True).select_related(
            "instance__organisation", "instance__definition"
        )[:RENDERS_PER_TEMPLATE]
        times, pdf = [], b""
        for document in pending:
            started = time.perf_counter()
            pdf = documents._render_pdf(document)
            elapsed = (time.perf_counter() - started) * 1000
            if first_ms is None:  # the process's first: fonts and templates load
                first_ms = elapsed
                started = time.perf_counter()
                pdf = documents._render_pdf(document)
                elapsed = (time.perf_counter() - started) * 1000
            times.append(elapsed)
        rows.append(
            {
                "template": key,
                "renders": len(times),
                "p50_ms": statistics.median(times) if times else None,
                "max_ms": max(times) if times else None,
                "pages": _pages(pdf) if pdf else None,
                "kib": len(pdf) / 1024 if pdf else None,
            }
        )
    return {"fast_subsetting": fast_font_subsetting(), "first_render_ms": first_ms or 0.0, "templates": rows}


def burst(count: int, backlog: int) -> dict:
    """`count` new instances whose timers all fall due at one moment; notices topped up to `backlog`."""
    user = get_user_model().objects.get(username="caseworker")
    missing = max(0, backlog - Document.objects.filter(pdf__isnull=True).count())
    if missing:
        _deploy("bench_notice", "Bench notice", NOTICE)
        for _ in range(missing):
            instance_start(process="bench_notice", user=user, data={})
    due = timezone.now() + timedelta(seconds=10 + count * 0.02)
    key = f"bench_burst_{int(time.time())}"
    _deploy(key, "Bench timer burst", TIMER.format(due=due.isoformat()))
    for _ in range(count):
        instance_start(process=key, user=user, data={})
    return {
        "process": key,
        "due_at": due.isoformat(),
        "seconds_until_due": (due - timezone.now()).total_seconds(),
        "pending_documents": Document.objects.filter(pdf__isnull=True).count() if backlog else 0,
    }


def _timers(key: str):
    return Timer.objects.filter(instance__definition__key=key)


def burst_progress(key: str) -> dict:
    return {"waiting": _timers(key).filter(status="waiting").count()}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def burst_result(key: str) -> dict:
    fired = list(_timers(key).filter(status="fired").values_list("due_at", "fired_at"))
    lateness = [(fired_at - due_at).total_seconds() for due_at, fired_at in fired]
    due_at = min(due for due, _ in fired)
    last = max(fired_at for _, fired_at in fired)
    first = min(fired_at for _, fired_at in fired)
    return {
        "fired": len(fired),
        "failed": _timers(key).filter(status="failed").count(),
        "fired_per_s": len(fired) / max((last - due_at).total_seconds(), 1e-3),
        "first_fired_after_s": (first - due_at).total_seconds(),
        "lateness_p50_s": _percentile(lateness, 0.50),
        "lateness_p99_s": _percentile(lateness, 0.99),
        "lateness_max_s": max(lateness),
        "documents_rendered": Document.objects.filter(rendered_at__gte=due_at, rendered_at__lte=last).count(),
    }


if __name__ == "__main__":
    job, *args = sys.argv[1:]
    result = {
        "render": lambda: render(),
        "burst": lambda: burst(int(args[0]), int(args[1])),
        "burst-progress": lambda: burst_progress(args[0]),
        "burst-result": lambda: burst_result(args[0]),
    }[job]()
    print(json.dumps(result))
