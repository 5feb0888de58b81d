"""Background jobs: an outbox row written with the work that asks for it, run at least once by
one runner at a time, retried with back-off, handed to Celery after the commit — and a broker
outage loses nothing."""

import os
import socket
import sys
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from server.jobs.models import Job
from server.jobs.services import job_claim, job_enqueue, job_execute, job_handler, job_run, jobs_relay
from tests.server.complaints.conftest import complaint_process  # noqa: F401 - fixture

CALLS: list[dict] = []
GIVEN_UP: list[tuple[str, str]] = []


@job_handler("test.record", max_attempts=3, backoff_seconds=10)
def record(**args) -> None:
    if args.get("fail"):
        raise RuntimeError("the service is down")
    CALLS.append(args)


@job_handler(
    "test.give_up", max_attempts=2, backoff_seconds=1, on_give_up=lambda job, e: GIVEN_UP.append((job.key, e))
)
def never_works(**args) -> None:
    raise ValueError("never works")


@pytest.fixture(autouse=True)
def _fresh():
    CALLS.clear()
    GIVEN_UP.clear()


@pytest.fixture
def celery_mode(settings, monkeypatch):
    """Jobs handed to Celery; what the broker received, or an outage."""
    settings.LEXFLOW = {**settings.LEXFLOW, "JOBS": "celery"}
    from server.jobs import tasks

    broker = {"down": False, "received": []}

    def apply_async(args, **kwargs):
        if broker["down"]:
            raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        broker["received"].append(args[0])

    monkeypatch.setattr(tasks.run_job, "apply_async", apply_async)
    return broker


@pytest.mark.django_db(transaction=True)
def test_a_job_exists_only_if_the_transaction_that_asked_for_it_commits():
    with pytest.raises(RuntimeError), transaction.atomic():
        job_enqueue("test.record", key="rolled-back", case=1)
        raise RuntimeError("the completion failed")
    assert not Job.objects.filter(key="rolled-back").exists()
    with transaction.atomic():
        job_enqueue("test.record", key="kept", case=2)
    assert Job.objects.get(key="kept").state == "queued"


def test_asking_twice_with_one_key_is_one_job(db):
    first = job_enqueue("test.record", key="once", case=1)
    second = job_enqueue("test.record", key="once", case=1)
    assert first.pk == second.pk and Job.objects.filter(key="once").count() == 1


def test_an_unknown_job_is_refused_when_asked_for(db):
    with pytest.raises(LookupError, match="no background job is registered as 'test.nothing'"):
        job_enqueue("test.nothing", key="x")


def test_one_claim_at_a_time_and_a_lapsed_claim_goes_to_another_runner(db, settings):
    job = job_enqueue("test.record", key="lease", case=3)
    mine = job_claim(runner="a")
    assert mine.pk == job.pk and job_claim(runner="b") is None  # taken
    # Runner a dies without a word; once its lease lapses, b runs the job.
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    theirs = job_claim(runner="b")
    assert theirs.pk == job.pk and theirs.attempts == 2
    assert job_execute(theirs) == "done" and CALLS == [{"case": 3}]
    # a comes back to life and finishes late: it cannot undo b's outcome.
    assert job_execute(mine) == "done"
    assert Job.objects.get(pk=job.pk).claimed_by == "b"


def test_a_failing_job_backs_off_then_gives_up_and_says_so(db, clock):
    job_enqueue("test.give_up", key="hopeless")
    assert job_run(Job.objects.get(key="hopeless").pk, runner="w") == "retry"
    job = Job.objects.get(key="hopeless")
    assert job.state == "queued" and "never works" in job.last_error and job.run_after > timezone.now()
    assert job_claim(runner="w") is None  # not before its back-off has passed
    clock.shift(seconds=2)
    assert job_run(job.pk, runner="w") == "failed"
    assert Job.objects.get(pk=job.pk).state == "failed"
    assert GIVEN_UP == [("hopeless", "ValueError: never works")]


@pytest.mark.django_db(transaction=True)
def test_celery_gets_a_job_only_after_its_commit_and_an_outage_loses_nothing(celery_mode):
    with transaction.atomic():
        job = job_enqueue("test.record", key="after-commit", case=4)
        assert celery_mode["received"] == []  # not while the transaction may still roll back
    assert celery_mode["received"] == [job.pk]
    assert Job.objects.get(pk=job.pk).published_at is not None

    celery_mode["down"] = True
    with transaction.atomic():
        lost = job_enqueue("test.record", key="broker-down", case=5)
    assert Job.objects.get(pk=lost.pk).published_at is None  # kept, not handed over
    assert jobs_relay() == 0  # still down: still kept
    celery_mode["down"] = False
    assert jobs_relay() == 1 and celery_mode["received"][-1] == lost.pk
    assert job_run(lost.pk, runner="celery") == "done" and CALLS == [{"case": 5}]
    assert job_run(lost.pk, runner="celery") == "skipped"  # a second delivery does nothing


def _redis_url() -> str:
    """Redis as CI runs it (127.0.0.1:6379), else one started for this test."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return "redis://127.0.0.1:6379/13"
    except OSError:
        pass
    if os.environ.get("CI"):
        pytest.fail("Redis is not running on 127.0.0.1:6379 (CI starts it in .ci/run)")
    pytest.skip("Redis is not running on 127.0.0.1:6379: start it with redis-server --daemonize yes")


@pytest.mark.usefixtures("complaint_process")
def test_a_real_celery_worker_renders_a_notice_from_the_outbox_and_reports_its_heartbeat(
    spawn_manage, client_for, settings
):
    from server.core.models import WorkerHeartbeat
    from server.documents.models import Document
    from tests.server.complaints.conftest import complain
    from tests.server.conftest import do_task
    from tests.server.documents.conftest import INELIGIBLE

    broker = _redis_url()
    settings.LEXFLOW = {**settings.LEXFLOW, "JOBS": "celery"}
    settings.CELERY_BROKER_URL = broker
    from server.config.celery import app

    app.conf.broker_url = broker
    app.control.purge()
    celery = spawn_manage.command(
        [sys.executable, "-m", "celery", "-A", "server.config", "worker", "--pool", "solo", "-l", "warning"],
        LEXFLOW_JOBS="celery",
        CELERY_BROKER_URL=broker,
    )
    try:
        case = complain(
            client_for("applicant"), target_type="other", target_name="某物业公司 A property company"
        )
        do_task(client_for("caseworker"), case["id"], "check_eligibility", INELIGIBLE)
        [document] = Document.objects.filter(instance_id=case["id"])
        deadline = time.monotonic() + 60
        while Document.objects.get(pk=document.pk).pdf is None:
            assert celery.poll() is None, celery.stdout.read()
            assert time.monotonic() < deadline, "no render in 60 s"
            time.sleep(0.2)
        assert Job.objects.get(key=f"documents.render:{document.pk}").state == "done"
        assert WorkerHeartbeat.objects.filter(kind="celery").exists()
    finally:
        celery.terminate()
        celery.wait(timeout=20)
    assert not WorkerHeartbeat.objects.filter(kind="celery").exists()  # stopped cleanly, forgotten
