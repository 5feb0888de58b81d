"""Messages, the event-based gateway and scheduled starts under real concurrency (PostgreSQL row locks)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from server.audit.models import Event
from server.processes.models import HumanTask, ProcessInstance, ScheduledStart, Subscription, Timer
from tests.conftest import fixture_files
from tests.server.conftest import upload
from tests.server.processes.test_concurrency import _race, _token_client
from tests.server.processes.test_messages import CONFIRMED, wait_for_court

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def court(client_for):
    response = upload(client_for("designer"), fixture_files("court"))
    assert response.status_code == 201, response.content


def test_two_deliveries_of_one_message_at_once_reach_the_case_exactly_once(client_for, court):
    first, second = _token_client(client_for("caseworker")), _token_client(client_for("caseworker2"))
    for _ in range(3):
        waiting = wait_for_court(client_for("caseworker"))
        body = {
            "name": "court.confirmation",
            "correlation": {"case_number": waiting["business_key"]},
            "data": CONFIRMED,
        }
        responses = _race(
            [
                lambda body=body: first.post("/api/v1/messages", body, format="json"),
                lambda body=body: second.post("/api/v1/messages", body, format="json"),
            ]
        )
        assert sorted(r.status_code for r in responses) == [200, 404], [
            getattr(r, "content", r) for r in responses
        ]
        loser = next(r for r in responses if r.status_code == 404)
        assert "no longer waits" in loser.json()["detail"] or "no case waits" in loser.json()["detail"]
        assert Event.objects.filter(instance_id=waiting["id"], action="message.delivered").count() == 1
        assert list(
            HumanTask.objects.filter(instance_id=waiting["id"]).values_list("bpmn_id", flat=True)
        ) == ["record"]


def test_a_message_and_the_gateway_timer_at_the_same_moment_take_exactly_one_branch(client_for, court):
    """The court's message arrives just as the worker sweeps the overdue window timer: the
    instance lock lets one go first and the gateway withdraws the other."""
    from server.processes.services import timers_fire_due

    court_system = _token_client(client_for("caseworker"))
    outcomes = []
    for _ in range(4):
        closes = (timezone.now() + timedelta(seconds=1)).isoformat()
        response = client_for("caseworker").post(
            "/api/v1/instances", {"process": "court_wait", "data": {"window_closes": closes}}, format="json"
        )
        waiting = response.json()
        time.sleep(1.2)
        body = {
            "name": "court.confirmation",
            "correlation": {"case_number": waiting["business_key"]},
            "data": CONFIRMED,
        }
        fired, answer = _race(
            [timers_fire_due, lambda body=body: court_system.post("/api/v1/messages", body, format="json")]
        )
        instance = ProcessInstance.objects.get(pk=waiting["id"])
        timer = Timer.objects.get(instance=instance)
        tasks = list(HumanTask.objects.filter(instance=instance).values_list("bpmn_id", flat=True))
        subscriptions = set(Subscription.objects.filter(instance=instance).values_list("bpmn_id", "status"))
        if answer.status_code == 200:  # the message won: the timer was withdrawn
            assert timer.status == "cancelled" and fired == []
            assert tasks == ["record"] and instance.status == "running"
            assert ("confirmed", "delivered") in subscriptions
        else:  # the timer won: the message found nobody waiting
            assert answer.status_code == 404, answer.content
            assert timer.status == "fired" and [t.pk for t in fired] == [timer.pk]
            assert tasks == [] and instance.status == "completed"
            assert {status for _, status in subscriptions} == {"withdrawn"}
        steps = [
            step
            for event in Event.objects.filter(
                instance=instance, action__in=["instance.timer", "message.delivered"]
            )
            for step in event.detail.get("steps", [])
        ]
        assert ("confirmed" in steps) != ("window_closed" in steps), steps  # exactly one branch ran
        outcomes.append(answer.status_code)
    assert set(outcomes) <= {200, 404}


def test_two_workers_start_one_case_per_occurrence_of_a_scheduled_start(client_for, demo, clock):
    from server.processes.services import scheduled_starts_fire_due

    response = upload(client_for("designer"), fixture_files("scheduled"))
    assert response.status_code == 201, response.content
    row = ScheduledStart.objects.get(key="daily_report")
    first = row.next_at
    clock.move_to(first + timedelta(days=2, minutes=1))  # three occurrences are due
    started = _race([scheduled_starts_fire_due, scheduled_starts_fire_due])
    cases = ProcessInstance.objects.filter(definition__key="daily_report")
    assert sum(len(batch) for batch in started) == 3 == cases.count()
    occurrences = sorted(case.data["case"]["scheduled_for"] for case in cases)
    assert occurrences == [(first + timedelta(days=n)).isoformat() for n in range(3)]
    row.refresh_from_db()
    assert row.started == 3 and row.next_at == first + timedelta(days=3)
    assert (
        Event.objects.filter(action="instance.started", detail__trigger__timer="every_morning").count() == 3
    )
