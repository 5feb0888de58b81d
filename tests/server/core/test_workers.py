"""Background workers as deployed: real `manage.py run_worker` processes on the test database.

Timers and documents are separate processes, so a slow PDF never delays a statutory timer;
each worker's heartbeat is written beside its work, so /api/v1/health tells a busy worker
from a dead or stuck one; and a worker told to stop does so at once, even mid-render.
"""

import io
import logging
import signal
import time
from datetime import timedelta

import pytest
from django.db import OperationalError, connections
from django.utils import timezone
from rest_framework.test import APIClient

from server.core.models import WorkerHeartbeat
from server.documents.models import Document
from server.jobs.models import Job
from server.processes.models import Timer
from server.processes.services import timers_fire_due
from tests.server.complaints.conftest import complain, complaint_process  # noqa: F401 - fixture
from tests.server.conftest import do_task, start_approval
from tests.server.documents.conftest import INELIGIBLE

pytestmark = pytest.mark.django_db(transaction=True)

# Run in a worker process: every PDF render takes ten minutes (until the worker is stopped).
SLOW_RENDER = """
import time
from server.documents import services

def slow_render(document):
    time.sleep(600)
    raise RuntimeError("never reached")

services._render_pdf = slow_render
"""


# Run in a timer worker: the sweep's first case takes ten minutes (a slow timer path).
SLOW_TIMER_PATH = """
import time
from server.processes import services

def slow_sweep(*, limit=100, on_instance=None):
    on_instance(0)
    time.sleep(600)
    return []

services.timers_fire_due = slow_sweep
"""


def wait_for(what: str, predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    pytest.fail(f"gave up after {timeout:g} s waiting for {what}")


def beat_of(process) -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.filter(pid=process.pid).first()


def health() -> dict:
    return APIClient().get("/api/v1/health").json()


def worker_in_health(process) -> dict | None:
    return next(
        (w for w in health()["workers"]["workers"] if w["name"].split(":")[1] == str(process.pid)), None
    )


def notices_waiting(client_for, count: int) -> list[int]:
    """`count` refused complaints, each with its refusal notice waiting for its PDF."""
    ids = []
    for _ in range(count):
        case = complain(
            client_for("applicant"), target_type="other", target_name="某物业公司 A property company"
        )
        do_task(client_for("caseworker"), case["id"], "check_eligibility", INELIGIBLE)
        ids.append(case["id"])
    assert Document.objects.filter(instance_id__in=ids, pdf__isnull=True).count() == count
    return ids


@pytest.fixture
def fast_health_settings(settings):
    settings.LEXFLOW = {
        **settings.LEXFLOW,
        "WORKER_STALE_AFTER": 2.0,
        "WORKER_STUCK_AFTER": {"timers": 10.0, "jobs": 3.0, "celery": 3.0},
    }


@pytest.mark.usefixtures("complaint_process")
def test_a_timer_fires_on_time_while_a_render_is_slow_and_notices_wait(
    spawn_manage,
    client_for,
    approval,
):
    backlog = notices_waiting(client_for, 3)
    documents = spawn_manage("run_worker", "--kind", "jobs", before=SLOW_RENDER)
    timers = spawn_manage("run_worker", "--kind", "timers")
    wait_for(
        "the jobs worker to be stuck in its render",
        lambda: (beat_of(documents) or None) and beat_of(documents).busy_since,
    )
    wait_for("the timer worker's heartbeat", lambda: beat_of(timers))

    case = start_approval(client_for("applicant"), review_timeout="PT2S")
    timer = Timer.objects.get(instance_id=case["id"])
    fired = wait_for(
        "the timer to fire",
        lambda: Timer.objects.filter(pk=timer.pk, status="fired").first(),
        timeout=(timer.due_at - timezone.now()).total_seconds() + 15,
    )
    lateness = (fired.fired_at - fired.due_at).total_seconds()
    assert 0 <= lateness < 1.5, f"fired {lateness:.2f} s after its due moment"
    # All the while the jobs worker was still on its first render, the backlog untouched.
    assert beat_of(documents).doing.startswith("documents.render ")
    assert Document.objects.filter(instance_id__in=backlog, pdf__isnull=True).count() == 3


@pytest.mark.usefixtures("complaint_process")
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_worker_told_to_stop_mid_render_stops_at_once_and_loses_nothing(
    spawn_manage,
    client_for,
    stop_signal,
):
    backlog = notices_waiting(client_for, 1)
    documents = spawn_manage("run_worker", "--kind", "jobs", before=SLOW_RENDER)
    wait_for("the render to start", lambda: (beat := beat_of(documents)) and beat.busy_since)

    started = time.monotonic()
    documents.send_signal(stop_signal)
    assert documents.wait(timeout=5) == 0
    output = documents.stdout.read()
    assert time.monotonic() - started < 5
    assert "jobs worker" in output and "stopped" in output and "Traceback" not in output
    assert beat_of(documents) is None  # stopped cleanly: health forgets it at once
    assert Document.objects.filter(instance_id__in=backlog, pdf__isnull=True).count() == 1
    [job] = Job.objects.filter(
        name="documents.render", args__document_id=Document.objects.get(instance_id__in=backlog).pk
    )
    assert job.state == "queued" and job.attempts == 0  # given back untouched: the next worker renders it


@pytest.mark.usefixtures("complaint_process")
def test_health_tells_a_busy_worker_from_a_stuck_one_and_a_dead_one(
    spawn_manage,
    client_for,
    fast_health_settings,
):
    notices_waiting(client_for, 1)
    documents = spawn_manage("run_worker", "--kind", "jobs", before=SLOW_RENDER)
    timers = spawn_manage("run_worker", "--kind", "timers")
    wait_for("both heartbeats", lambda: beat_of(documents) and beat_of(timers))
    busy = wait_for(
        "the render to show", lambda: (w := worker_in_health(documents)) and w["state"] == "busy" and w
    )
    assert busy["alive"] and busy["doing"].startswith("documents.render ")
    assert health()["status"] == "ok"

    # One render past its time (3 s here): the worker is alive but stuck, and health says so.
    wait_for(
        "the worker to count as stuck", lambda: worker_in_health(documents)["state"] == "stuck", timeout=10
    )
    body = health()
    assert body["status"] == "degraded" and body["workers"]["kinds"]["jobs"]["status"] == "not running"

    # A worker killed outright is reported dead within a few seconds.
    timers.kill()
    timers.wait()
    wait_for(
        "the killed worker to count as dead", lambda: worker_in_health(timers)["state"] == "dead", timeout=6
    )
    assert health()["workers"]["kinds"]["timers"]["status"] == "not running"


def test_a_timer_worker_in_a_slow_sweep_is_busy_not_dead_until_it_is_stuck(spawn_manage, settings):
    """The heartbeat is written beside the sweep: a sweep longer than a dead worker's silence
    shows the worker busy on its case, and past the timers' limit health calls it stuck."""
    settings.LEXFLOW = {
        **settings.LEXFLOW,
        "WORKER_STALE_AFTER": 2.0,
        "WORKER_STUCK_AFTER": {"timers": 8.0, "jobs": 3.0, "celery": 3.0},
    }
    timers = spawn_manage("run_worker", "--kind", "timers", before=SLOW_TIMER_PATH)
    busy = wait_for(
        "the sweep to show", lambda: (w := worker_in_health(timers)) and w["state"] == "busy" and w
    )
    assert busy["doing"] == "timers of instance 0"
    time.sleep(3)  # longer than WORKER_STALE_AFTER: a heartbeat written after the sweep would be late
    still = worker_in_health(timers)
    assert (still["state"], still["alive"]) == ("busy", True)
    assert health()["workers"]["kinds"]["timers"]["status"] != "not running"
    wait_for("the sweep to count as stuck", lambda: worker_in_health(timers)["state"] == "stuck", timeout=12)
    body = health()
    assert body["status"] == "degraded" and body["workers"]["kinds"]["timers"]["status"] == "not running"


def test_one_of_two_timer_workers_dying_is_reported_and_a_clean_stop_is_forgotten(
    spawn_manage, fast_health_settings
):
    first = spawn_manage("run_worker", "--kind", "timers")
    second = spawn_manage("run_worker", "--kind", "timers")
    wait_for("both heartbeats", lambda: beat_of(first) and beat_of(second))
    assert health()["workers"]["kinds"]["timers"] == {"status": "ok", "alive": 2, "dead_or_stuck": []}

    first.kill()
    first.wait()
    kinds = wait_for(
        "the dead one to show",
        lambda: (k := health()["workers"]["kinds"]["timers"])["status"] == "degraded" and k,
        timeout=6,
    )
    assert kinds["alive"] == 1 and kinds["dead_or_stuck"] == [beat_of(first).name]
    assert health()["status"] == "degraded"

    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=5) == 0
    assert beat_of(second) is None and worker_in_health(second) is None


def test_rows_of_long_dead_workers_are_forgotten_by_the_living(spawn_manage, settings):
    settings.LEXFLOW = {**settings.LEXFLOW, "WORKER_FORGET_AFTER": 60.0}
    long_ago = timezone.now() - timedelta(minutes=5)
    WorkerHeartbeat.objects.create(name="gone:1:timers", kind="timers", last_seen=long_ago)
    recent = WorkerHeartbeat.objects.create(
        name="gone:2:timers", kind="timers", last_seen=timezone.now() - timedelta(seconds=30)
    )
    living = spawn_manage("run_worker", "--kind", "timers", LEXFLOW_WORKER_FORGET_AFTER="60")
    wait_for("the living worker's heartbeat", lambda: beat_of(living))
    names = set(WorkerHeartbeat.objects.values_list("name", flat=True))
    assert "gone:1:timers" not in names and recent.name in names  # dead a while, still reported


def test_a_timer_is_neither_logged_nor_counted_as_fired_until_its_transaction_commits(
    client_for, approval, monkeypatch, caplog
):
    case = start_approval(client_for("applicant"), review_timeout="PT1S")
    timer = Timer.objects.get(instance_id=case["id"])
    time.sleep(max(0.0, (timer.due_at - timezone.now()).total_seconds()) + 0.2)
    connection = connections["default"]
    real_commit = connection._commit
    calls = []

    def commit_fails_once():
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("the server closed the connection at commit")
        return real_commit()

    monkeypatch.setattr(connection, "_commit", commit_fails_once)
    with caplog.at_level(logging.INFO, logger="lexflow.processes"):
        assert timers_fire_due() == []
    assert "review_timeout" not in "".join(
        r.getMessage() for r in caplog.records if r.levelno == logging.INFO
    )
    assert "(the server closed the connection at commit); retrying next sweep" in caplog.text
    assert Timer.objects.get(pk=timer.pk).status == "waiting"  # rolled back, and said so

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="lexflow.processes"):
        assert [t.pk for t in timers_fire_due()] == [timer.pk]
    assert f"timer {timer.pk} (review_timeout) of instance {case['id']}: fired" in caplog.text


def test_worker_status_is_a_health_check_for_each_kind_of_worker(spawn_manage):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="no live worker of kind timers"):
        call_command("worker_status", "--kind", "timers", stdout=io.StringIO())
    timers = spawn_manage("run_worker", "--kind", "timers")
    wait_for("its heartbeat", lambda: beat_of(timers))
    out = io.StringIO()
    call_command("worker_status", "--kind", "timers", "--this-host", stdout=out)
    assert f":{timers.pid}:timers" in out.getvalue() and "idle" in out.getvalue()
    with pytest.raises(CommandError, match="jobs"):
        call_command("worker_status", stdout=io.StringIO())  # every kind, by default
