"""Two people and the timer worker acting on one case at once: one winner and clear 409s, never a
deadlock. Hundreds of rounds each on PostgreSQL, whose row locks are where deadlocks happen
(SQLite lets one writer in at a time). Run with `-s` to see the counts."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from server.processes.models import HumanTask, TaskStatus, Timer, TimerStatus
from server.processes.services import instance_start, task_claim, timers_fire_due
from tests.server.conftest import VALID_REVIEW
from tests.server.racing import ErrorLog, Racers, status_of, token_client

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

ROUNDS = 300


def _users(*names: str) -> dict:
    return get_user_model().objects.in_bulk(list(names), field_name="username")


def _open_review(applicant, **data) -> HumanTask:
    """A new approval case, started through the service (quicker than the API for set-up)."""
    instance = instance_start(
        process="test_approval", user=applicant, data={"urgent": False, "review_timeout": "P30D", **data}
    )
    return instance.open_tasks[0]


def _report(title: str, outcomes: Counter) -> None:
    print(f"\n{title}: {sum(outcomes.values())} rounds")  # shown with -s: the figures to quote
    for outcome, count in outcomes.most_common():
        print(f"  {count:4d}  {outcome}")


def test_claim_racing_a_completion_gives_one_winner_and_a_409_never_a_deadlock(client_for, approval):
    users = _users("applicant")
    claimer, completer = token_client(client_for("caseworker")), token_client(client_for("caseworker2"))
    outcomes: Counter = Counter()
    with Racers(2) as racers:
        for _ in range(ROUNDS):
            task = _open_review(users["applicant"])
            claim, complete = racers.race(
                lambda task=task: claimer.post(f"/api/v1/tasks/{task.pk}/claim"),
                lambda task=task: completer.post(
                    f"/api/v1/tasks/{task.pk}/complete", {"data": VALID_REVIEW}, format="json"
                ),
            )
            codes = (status_of(claim), status_of(complete))
            task.refresh_from_db()
            if codes == (200, 409):
                outcome = "claim won, completion 409"
                consistent = task.status == TaskStatus.OPEN and task.assignee.username == "caseworker"
            elif codes == (409, 200):
                outcome = "completion won, claim 409"
                consistent = task.status == TaskStatus.COMPLETED
                consistent = consistent and task.completed_by.username == "caseworker2"
            else:
                outcome, consistent = f"claim {codes[0]}, completion {codes[1]}", True
            outcomes[outcome if consistent else f"{outcome} BUT task {task.status}"] += 1
    _report("claim vs complete", outcomes)
    assert set(outcomes) <= {"claim won, completion 409", "completion won, claim 409"}, outcomes


def test_claim_racing_a_firing_timer_gives_one_winner_never_a_deadlock(client_for, approval):
    """The review's boundary timer is due (the case was opened two hours ago with a one-hour
    timer) as a caseworker claims the review: either the timer fires first and withdraws the
    review (the claim gets 409), or the claim goes first and the timer fires after it, in the
    same sweep or, when it found the case locked, in the next one."""
    users = _users("applicant")
    claimer = token_client(client_for("caseworker"))
    outcomes: Counter = Counter()
    with Racers(2) as racers, ErrorLog("lexflow.processes") as errors:

        def sweep():
            fired = timers_fire_due()
            return fired, errors.take(threading.get_ident())

        for _ in range(ROUNDS):
            with time_machine.travel(timezone.now() - timedelta(hours=2), tick=True):
                task = _open_review(users["applicant"], review_timeout="PT1H")
            claim, swept = racers.race(
                lambda task=task: claimer.post(f"/api/v1/tasks/{task.pk}/claim"), sweep, stagger=0.01
            )
            fired, logged = swept if isinstance(swept, tuple) else ([], [f"sweep raised {swept!r}"])
            code = status_of(claim)
            if logged:
                failure = "deadlock" if "deadlock" in logged[0] else logged[0][:200]
                outcome = f"timer sweep failed: {failure}"
            elif code == 409 and len(fired) == 1:
                outcome = "timer won, claim 409"
            elif code == 200 and len(fired) == 1:
                outcome = "claim won, then the timer fired"
            elif code == 200 and not fired:
                outcome = "claim won, the sweep left the locked case for the next one"
            else:
                outcome = f"claim {code}, {len(fired)} timer(s) fired"
            outcomes[outcome] += 1
            timers_fire_due()  # the next sweep: nothing of this round is left waiting
            assert not Timer.objects.filter(instance_id=task.instance_id, status=TimerStatus.WAITING).exists()
            task.refresh_from_db()
            assert task.status == TaskStatus.CANCELLED  # the timer withdrew the review, always
    _report("claim vs firing timer", outcomes)
    allowed = {
        "timer won, claim 409",
        "claim won, then the timer fired",
        "claim won, the sweep left the locked case for the next one",
    }
    assert set(outcomes) <= allowed, outcomes


def test_release_racing_a_completion_never_deadlocks_and_the_case_moves_on_once(client_for, approval):
    """A supervisor gives the review back to the queue as its assignee completes it: either the
    completion goes first (the release gets 409), or the release does and the assignee, still a
    caseworker of the queue, completes it from there. Either way the review is completed once."""
    users = _users("applicant", "caseworker")
    supervisor, assignee = token_client(client_for("supervisor")), token_client(client_for("caseworker"))
    outcomes: Counter = Counter()
    with Racers(2) as racers:
        for _ in range(ROUNDS):
            task = _open_review(users["applicant"])
            task_claim(task_id=task.pk, user=users["caseworker"])
            release, complete = racers.race(
                lambda task=task: supervisor.post(f"/api/v1/tasks/{task.pk}/unclaim"),
                lambda task=task: assignee.post(
                    f"/api/v1/tasks/{task.pk}/complete", {"data": VALID_REVIEW}, format="json"
                ),
            )
            codes = (status_of(release), status_of(complete))
            task.refresh_from_db()
            completed_once = (
                task.status == TaskStatus.COMPLETED
                and HumanTask.objects.filter(instance_id=task.instance_id, bpmn_id="approve").count() == 1
            )
            if codes == (409, 200):
                outcome = "completion won, release 409"
            elif codes == (200, 200):
                outcome = "release first, then completed from the queue"
            else:
                outcome = f"release {codes[0]}, completion {codes[1]}"
            outcomes[outcome if completed_once else f"{outcome} BUT task {task.status}"] += 1
    _report("unclaim vs complete", outcomes)
    assert set(outcomes) <= {"completion won, release 409", "release first, then completed from the queue"}, (
        outcomes
    )
