"""A client that lost the answer to a start or a completion sends it again with the same
Idempotency-Key and gets the first answer, instead of a second case or a 409."""

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from server.audit.models import Event
from server.core.models import IdempotencyKey
from server.processes.models import HumanTask, ProcessInstance
from tests.server.conftest import VALID_REVIEW, start_approval
from tests.server.racing import Racers, status_of, token_client

START = {"process": "test_approval", "data": {"urgent": False, "review_timeout": "P30D"}}


def _start(client, key: str | None = None, body: dict = START):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post("/api/v1/instances", body, format="json", **headers)


def _complete(client, task_id: int, key: str | None = None, data: dict = VALID_REVIEW):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(f"/api/v1/tasks/{task_id}/complete", {"data": data}, format="json", **headers)


def test_a_start_retried_with_its_key_gets_the_first_answer_and_opens_one_case(client_for, approval):
    applicant = client_for("applicant")
    first = _start(applicant, "start-7f3c")
    assert first.status_code == 201, first.content
    retry = _start(applicant, "start-7f3c")
    assert retry.status_code == 201
    assert retry.content == first.content  # the same body, byte for byte
    assert retry["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert ProcessInstance.objects.count() == 1
    # Without a key, or with another one, the same body is a new application.
    assert _start(applicant).status_code == 201
    assert _start(applicant, "start-second").status_code == 201
    assert ProcessInstance.objects.count() == 3


def test_a_completion_retried_with_its_key_gets_the_first_answer_not_a_409(client_for, approval):
    task_id = start_approval(client_for("applicant"))["tasks"][0]["id"]
    caseworker = client_for("caseworker")
    first = _complete(caseworker, task_id, "done-1")
    assert first.status_code == 200, first.content
    retry = _complete(caseworker, task_id, "done-1")
    assert retry.status_code == 200, retry.content
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert Event.objects.filter(action="task.completed", task_id=task_id).count() == 1
    # Without the key the retry is the 409 a client cannot tell from someone else's completion.
    assert _complete(caseworker, task_id).status_code == 409


def test_the_same_key_with_a_different_request_is_refused_with_422(client_for, approval):
    applicant = client_for("applicant")
    assert _start(applicant, "k-1").status_code == 201
    other = {**START, "data": {**START["data"], "urgent": True}}
    refused = _start(applicant, "k-1", other)
    assert refused.status_code == 422
    body = refused.json()
    assert body["type"] == "urn:lexflow:problem:idempotency_key_reused"
    assert "Idempotency-Key" in body["errors"] and " / " in body["detail"]
    assert ProcessInstance.objects.count() == 1
    # A key names one request, whatever the endpoint: not another task's completion either.
    task_id = ProcessInstance.objects.get().tasks.get().pk
    assert _complete(client_for("caseworker"), task_id, "c-1").status_code == 200
    second = start_approval(applicant)["tasks"][0]["id"]
    assert _complete(client_for("caseworker"), second, "c-1").status_code == 422
    assert HumanTask.objects.get(pk=second).status == "open"


def test_keys_are_per_user(client_for, approval):
    assert _start(client_for("applicant"), "shared").status_code == 201
    theirs = _start(client_for("applicant2"), "shared")
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert ProcessInstance.objects.count() == 2


def test_a_refused_request_keeps_nothing_so_the_corrected_one_may_use_its_key(client_for, approval):
    task_id = start_approval(client_for("applicant"))["tasks"][0]["id"]
    caseworker = client_for("caseworker")
    invalid = {**VALID_REVIEW, "applicant": {"id_number": "not a number"}}
    assert _complete(caseworker, task_id, "fix-1", data=invalid).status_code == 400
    assert not IdempotencyKey.objects.exists()
    corrected = _complete(caseworker, task_id, "fix-1")
    assert corrected.status_code == 200 and "Idempotent-Replayed" not in corrected


def test_a_malformed_key_is_refused_with_400_naming_the_header(client_for, approval):
    applicant = client_for("applicant")
    for key in ["", "x" * 256, "with space", "ключ"]:
        response = _start(applicant, key)
        assert response.status_code == 400, (key, response.content)
        assert "Idempotency-Key" in response.json()["errors"]
    assert ProcessInstance.objects.count() == 0


def test_keys_are_kept_for_the_retention_then_purged(client_for, approval, settings):
    assert settings.LEXFLOW["IDEMPOTENCY_KEY_HOURS"] == 24
    applicant = client_for("applicant")
    assert _start(applicant, "old").status_code == 201
    with time_machine.travel(timezone.now() + timedelta(hours=23), tick=False):
        assert _start(applicant, "old")["Idempotent-Replayed"] == "true"
        call_command("purge_idempotency_keys")
        assert IdempotencyKey.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        call_command("purge_idempotency_keys")
        assert not IdempotencyKey.objects.exists()
        # After the retention the key is free again: a new request, a new case.
        again = _start(applicant, "old")
        assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert ProcessInstance.objects.count() == 2


def test_an_expired_key_not_yet_purged_names_a_new_request(client_for, approval):
    applicant = client_for("applicant")
    assert _start(applicant, "stale").status_code == 201
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        other = {**START, "data": {**START["data"], "urgent": True}}
        assert _start(applicant, "stale", other).status_code == 201
    assert ProcessInstance.objects.count() == 2


ROUNDS = 30


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_start_open_one_case_and_all_get_its_answer(client_for, approval):
    """Four copies of one start, sent at the same moment with one key: one case, four equal answers."""
    clients = [token_client(client_for("applicant")) for _ in range(4)]
    outcomes: Counter = Counter()
    with Racers(len(clients)) as racers:
        for round_ in range(ROUNDS):
            before = ProcessInstance.objects.count()
            responses = racers.race(
                *[lambda client=client, key=f"race-{round_}": _start(client, key) for client in clients],
                stagger=0.005,
            )
            codes = [status_of(response) for response in responses]
            assert codes == [201] * len(clients), codes
            assert len({response.content for response in responses}) == 1
            assert ProcessInstance.objects.count() == before + 1
            outcomes[sum(response.has_header("Idempotent-Replayed") for response in responses)] += 1
    assert outcomes == {len(clients) - 1: ROUNDS}  # in every round one acted and three replayed


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_completion_complete_it_once_and_all_get_its_answer(client_for, approval):
    clients = [token_client(client_for("caseworker")) for _ in range(4)]
    applicant = client_for("applicant")
    with Racers(len(clients)) as racers:
        for round_ in range(ROUNDS):
            task_id = start_approval(applicant)["tasks"][0]["id"]
            key = f"done-{round_}"
            calls = [lambda client=client, t=task_id, k=key: _complete(client, t, k) for client in clients]
            responses = racers.race(*calls, stagger=0.005)
            assert [status_of(response) for response in responses] == [200] * len(clients)
            assert len({response.content for response in responses}) == 1
            assert Event.objects.filter(action="task.completed", task_id=task_id).count() == 1
            assert HumanTask.objects.filter(instance__tasks__id=task_id, bpmn_id="approve").count() == 1


def test_keyed_requests_purge_expired_keys_on_their_own(client_for, approval, monkeypatch):
    from server.core import idempotency

    assert _start(client_for("applicant"), "first").status_code == 201
    monkeypatch.setattr(idempotency, "_next_purge", 0.0)  # this process has not purged yet
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        assert _start(client_for("applicant2"), "later").status_code == 201
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["later"]


def test_the_openapi_schema_documents_the_header_on_starts_and_completions(db, client_for):
    schema = client_for("designer").get("/api/schema/", {"format": "json"}).json()
    for path, code in [("/api/v1/instances", "201"), ("/api/v1/tasks/{id}/complete", "200")]:
        operation = schema["paths"][path]["post"]
        header = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
        assert header["in"] == "header" and header["schema"]["maxLength"] == 255
        assert "422" in operation["responses"]
        assert "Idempotent-Replayed" in operation["responses"][code]["headers"]
