"""Messages and signals through the API: one waiting case by its correlation values, or a new one."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from server.audit.models import Event
from server.processes.models import ProcessInstance, Subscription, Timer
from tests.conftest import fixture_files
from tests.server.conftest import do_task, upload

CONFIRMED = {"court": "和平区人民法院", "ruling": "confirmed", "ruled_on": "2026-03-20"}


@pytest.fixture
def court(client_for):
    response = upload(client_for("designer"), fixture_files("court"))
    assert response.status_code == 201, response.content
    return {definition["key"]: definition for definition in response.json()}


def wait_for_court(
    client, *, business_key: str = "", organisation: int | None = None, days: int = 30
) -> dict:
    closes = (timezone.now() + timedelta(days=days)).isoformat()
    body = {"process": "court_wait", "data": {"window_closes": closes}, "business_key": business_key}
    if organisation is not None:
        body["organisation"] = organisation
    response = client.post("/api/v1/instances", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def send(client, name: str, correlation: dict | None = None, data: dict | None = None, *, status: int = 200):
    body = {"name": name, "correlation": correlation or {}, "data": data or {}}
    response = client.post("/api/v1/messages", body, format="json")
    assert response.status_code == status, response.content
    return response.json()


def case(client, instance_id: int) -> dict:
    return client.get(f"/api/v1/instances/{instance_id}").json()


def test_a_message_reaches_the_one_case_waiting_for_it_by_its_case_number(client_for, court, steps):
    caseworker = client_for("caseworker")
    first, second = wait_for_court(caseworker), wait_for_court(caseworker)
    assert [(w["bpmn_id"], w["name"], w["correlation"]) for w in second["waiting_for"]] == [
        ("confirmed", "court.confirmation", {"case_number": second["business_key"]}),
        ("court_closed", "court.closed", {}),
    ]
    assert [timer["bpmn_id"] for timer in second["timers"]] == ["window_closed"]
    assert second["stage"] == "等待法院确认 / Waiting for the court"

    # A field the message's schema does not declare is refused by name and nothing moves.
    events = Event.objects.count()
    refused = send(
        caseworker,
        "court.confirmation",
        {"case_number": second["business_key"]},
        {**CONFIRMED, "judge_phone": "13800000000"},
        status=400,
    )
    assert list(refused["errors"]) == ["data.judge_phone"]
    assert "not on the form" in refused["errors"]["data.judge_phone"][0]
    assert Event.objects.count() == events
    unmoved = case(caseworker, second["id"])
    assert unmoved["tasks"] == [] and "court" not in unmoved["data"]
    assert [w["bpmn_id"] for w in unmoved["waiting_for"]] == ["confirmed", "court_closed"]

    answer = send(caseworker, "court.confirmation", {"case_number": second["business_key"]}, CONFIRMED)
    assert answer["outcome"] == "delivered" and answer["bpmn_id"] == "confirmed"
    assert (answer["instance"]["id"], answer["instance"]["business_key"]) == (
        second["id"],
        second["business_key"],
    )

    after = case(caseworker, second["id"])
    assert [task["bpmn_id"] for task in after["tasks"]] == ["record"]
    assert after["waiting_for"] == [] and after["timers"] == []
    assert after["data"]["court"] == "和平区人民法院" and after["data"]["ruling"] == "confirmed"
    assert "judge_phone" not in after["data"]
    assert Timer.objects.get(instance_id=second["id"]).status == "cancelled"
    assert set(Subscription.objects.filter(instance_id=second["id"]).values_list("bpmn_id", "status")) == {
        ("confirmed", "delivered"),
        ("court_closed", "withdrawn"),
    }
    delivered = Event.objects.get(instance_id=second["id"], action="message.delivered")
    assert delivered.actor.username == "caseworker"
    assert delivered.detail["correlation"] == {"case_number": second["business_key"]}
    assert delivered.detail["fields"] == ["court", "ruled_on", "ruling"]
    # The other case still waits.
    untouched = case(caseworker, first["id"])
    assert [w["bpmn_id"] for w in untouched["waiting_for"]] == ["confirmed", "court_closed"]
    do_task(caseworker, second["id"], "record", {})
    assert case(caseworker, second["id"])["status"] == "completed"


def test_a_message_no_case_waits_for_is_a_404_and_stores_nothing(client_for, court):
    caseworker = client_for("caseworker")
    waiting = wait_for_court(caseworker)
    events = Event.objects.count()
    refused = send(caseworker, "court.confirmation", {"case_number": "NO-SUCH-CASE"}, CONFIRMED, status=404)
    assert "no case waits for the message 'court.confirmation'" in refused["detail"]
    assert send(caseworker, "court.nonsense", {}, status=404)["detail"].endswith(
        "uses the message 'court.nonsense'."
    )
    assert Event.objects.count() == events
    assert [w["bpmn_id"] for w in case(caseworker, waiting["id"])["waiting_for"]] == [
        "confirmed",
        "court_closed",
    ]


def test_two_cases_waiting_with_the_same_values_get_a_409_and_neither_moves(client_for, court):
    caseworker = client_for("caseworker")
    first = wait_for_court(caseworker, business_key="TJ-DUP")
    second = wait_for_court(caseworker, business_key="TJ-DUP")
    events = Event.objects.count()
    refused = send(caseworker, "court.confirmation", {"case_number": "TJ-DUP"}, CONFIRMED, status=409)
    assert "reaches exactly one" in refused["detail"]
    assert Event.objects.count() == events
    for waiting in (first, second):
        assert case(caseworker, waiting["id"])["tasks"] == []


def test_message_data_and_correlation_keys_are_checked_as_the_diagram_declares_them(client_for, court):
    caseworker = client_for("caseworker")
    waiting = wait_for_court(caseworker)
    bad = send(
        caseworker, "court.confirmation", {"case_number": waiting["business_key"]}, {"court": "X"}, status=400
    )
    assert set(bad["errors"]) >= {"data.court", "data.ruling"}
    wrong_key = send(
        caseworker, "court.confirmation", {"case_no": waiting["business_key"]}, CONFIRMED, status=400
    )
    assert "correlated by case_number" in wrong_key["detail"] and "correlation" in wrong_key["errors"]
    # A signal that declares no data takes none.
    assert (
        "declares no data"
        in client_for("caseworker")
        .post("/api/v1/signals", {"name": "court.closed", "data": {"x": 1}}, format="json")
        .json()["detail"]
    )
    assert case(caseworker, waiting["id"])["tasks"] == []


def test_only_staff_in_scope_send_messages(client_for, court, demo):
    shenhe = wait_for_court(client_for("supervisor"), organisation=demo["LN-SY-SH"].pk)
    # A caseworker of Heping district cannot reach a Shenhe case: for them nobody waits.
    send(
        client_for("caseworker"),
        "court.confirmation",
        {"case_number": shenhe["business_key"]},
        CONFIRMED,
        status=404,
    )
    assert send(client_for("applicant"), "court.confirmation", {}, status=403)["status"] == 403
    send(client_for("supervisor"), "court.confirmation", {"case_number": shenhe["business_key"]}, CONFIRMED)


# ---------------------------------------------------------------------------------------------
# Integration clients


def create_client(admin, demo, **changes) -> dict:
    body = {
        "name": "和平区人民法院系统 / Heping court system",
        "organisation": demo["LN-SY-HP"].pk,
        "messages": ["court.confirmation"],
        "signals": ["court.closed"],
        **changes,
    }
    response = admin.post("/api/v1/integration-clients", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_an_integration_client_sends_the_messages_it_was_granted_and_nothing_else(client_for, court, demo):
    admin = client_for("admin")
    created = create_client(admin, demo)
    assert created["token"].startswith("lfc_") and created["token_prefix"] == created["token"][:12]
    listed = admin.get("/api/v1/integration-clients").json()
    assert [c["name"] for c in listed] == [created["name"]] and "token" not in listed[0]
    court_system = bearer(created["token"])

    waiting = wait_for_court(client_for("caseworker"))
    answer = send(court_system, "court.confirmation", {"case_number": waiting["business_key"]}, CONFIRMED)
    assert answer["instance"]["id"] == waiting["id"] and "data" not in answer["instance"]
    delivered = Event.objects.get(instance_id=waiting["id"], action="message.delivered")
    assert delivered.actor.username == created["username"]
    assert delivered.detail["client"] == created["name"]
    assert Event.objects.filter(action="client.created", actor__username="admin").exists()

    assert send(court_system, "court.request", {}, status=403)["status"] == 403  # not granted
    # Its token opens the message and signal endpoints only.
    assert court_system.get("/api/v1/instances").status_code in (401, 403)
    assert court_system.get(f"/api/v1/instances/{waiting['id']}").status_code in (401, 403)


def test_an_integration_client_reaches_only_its_own_organisation(client_for, court, demo):
    station_client = create_client(
        client_for("admin"), demo, name="南湖街道系统 / Nanhu system", organisation=demo["LN-SY-HP-NH"].pk
    )
    county_case = wait_for_court(client_for("caseworker"))
    send(
        bearer(station_client["token"]),
        "court.confirmation",
        {"case_number": county_case["business_key"]},
        CONFIRMED,
        status=404,
    )


def test_a_revoked_or_rotated_token_stops_working_and_only_admins_manage_clients(client_for, court, demo):
    admin = client_for("admin")
    created = create_client(admin, demo)
    rotated = admin.post(f"/api/v1/integration-clients/{created['id']}/token").json()
    assert rotated["token"] != created["token"]
    assert (
        bearer(created["token"]).post("/api/v1/signals", {"name": "court.closed"}, format="json").status_code
        == 401
    )
    assert (
        bearer(rotated["token"]).post("/api/v1/signals", {"name": "court.closed"}, format="json").status_code
        == 200
    )
    assert admin.delete(f"/api/v1/integration-clients/{created['id']}").status_code == 204
    assert (
        bearer(rotated["token"]).post("/api/v1/signals", {"name": "court.closed"}, format="json").status_code
        == 401
    )
    assert client_for("designer").get("/api/v1/integration-clients").status_code == 403
    assert {"client.token_rotated", "client.revoked"} <= set(Event.objects.values_list("action", flat=True))


# ---------------------------------------------------------------------------------------------
# Starting processes; messages between cases


def test_a_message_starts_the_process_whose_start_event_it_is(client_for, court):
    caseworker = client_for("caseworker")
    answer = send(
        caseworker,
        "court.request",
        {"request_number": "Q-7"},
        {"request_number": "Q-7", "question": "何时开庭？"},
        status=201,
    )
    assert answer["outcome"] == "started" and answer["instance"]["process"] == "court_inbox"
    started = case(caseworker, answer["instance"]["id"])
    assert [task["bpmn_id"] for task in started["tasks"]] == ["answer"]
    assert started["data"]["question"] == "何时开庭？"
    event = Event.objects.get(instance_id=started["id"], action="instance.started")
    assert event.detail["trigger"]["message"] == "court.request"
    # Cases of a process that starts by message are not started by hand.
    refused = caseworker.post("/api/v1/instances", {"process": "court_inbox", "data": {}}, format="json")
    assert refused.status_code == 400 and "starts by a message" in refused.json()["detail"]


def test_a_send_task_starts_the_court_case_and_its_reply_comes_back_to_the_asking_case(
    client_for, court, steps
):
    caseworker = client_for("caseworker")
    asking = caseworker.post("/api/v1/instances", {"process": "asker", "data": {}}, format="json").json()
    after = do_task(caseworker, asking["id"], "write_question", {"question": "何时开庭？"})
    assert after["tasks"] == [] and [w["bpmn_id"] for w in after["waiting_for"]] == ["reply_received"]
    # The reply is expected with the request number this case sent.
    assert after["waiting_for"][0]["correlation"] == {"request_number": asking["business_key"]}
    sent = Event.objects.get(instance_id=asking["id"], action="message.sent")
    [inbox_id] = sent.detail["started"]
    inbox = case(caseworker, inbox_id)
    assert inbox["data"]["question"] == "何时开庭？"
    assert inbox["data"]["request_number"] == asking["business_key"]

    do_task(caseworker, inbox_id, "answer", {"answer": "三月二十日 / 20 March"})
    assert case(caseworker, inbox_id)["status"] == "completed"
    answered = case(caseworker, asking["id"])
    assert answered["status"] == "completed"
    # Under the event's variable: the reply's fields, its request number (correlated from the payload) too.
    assert answered["data"]["reply"] == {
        "request_number": asking["business_key"],
        "answer": "三月二十日 / 20 March",
    }


def test_a_send_task_whose_payload_has_a_field_the_message_does_not_declare_fails_the_step_by_name(
    client_for,
):
    files = fixture_files("court")
    files["requests.bpmn"] = files["requests.bpmn"].replace(
        b'"question": question}', b'"question": question, "internal_note": "not for the court"}'
    )
    assert b"internal_note" in files["requests.bpmn"]
    assert upload(client_for("designer"), files).status_code == 201
    caseworker = client_for("caseworker")
    asking = caseworker.post("/api/v1/instances", {"process": "asker", "data": {}}, format="json").json()
    task = case(caseworker, asking["id"])["tasks"][0]
    caseworker.post(f"/api/v1/tasks/{task['id']}/claim")
    response = caseworker.post(
        f"/api/v1/tasks/{task['id']}/complete", {"data": {"question": "何时开庭？"}}, format="json"
    )
    # The field never reaches the court's case: the step fails naming it, and nothing moved.
    assert response.status_code == 422, response.content
    [reason] = response.json()["errors"]["ask_court"]
    assert "data.internal_note" in reason and "not on the form" in reason
    after = case(caseworker, asking["id"])
    assert [t["bpmn_id"] for t in after["tasks"]] == ["write_question"] and "question" not in after["data"]
    assert not ProcessInstance.objects.filter(definition__key="court_inbox").exists()
    assert not Event.objects.filter(action="message.sent").exists()


def test_a_thrown_message_no_case_waits_for_fails_the_step_and_changes_nothing(client_for, court):
    caseworker = client_for("caseworker")
    inbox = send(
        caseworker,
        "court.request",
        {"request_number": "Q-9"},
        {"request_number": "Q-9", "question": "问题"},
        status=201,
    )["instance"]
    task = case(caseworker, inbox["id"])["tasks"][0]
    caseworker.post(f"/api/v1/tasks/{task['id']}/claim")
    response = caseworker.post(
        f"/api/v1/tasks/{task['id']}/complete", {"data": {"answer": "答复"}}, format="json"
    )
    assert response.status_code == 422, response.content
    assert "court.reply" in response.json()["detail"]
    assert [t["bpmn_id"] for t in case(caseworker, inbox["id"])["tasks"]] == ["answer"]


# ---------------------------------------------------------------------------------------------
# Signals and the gateway's timer


def test_a_signal_reaches_every_waiting_case_in_scope_and_starts_its_process(client_for, court, demo, steps):
    caseworker = client_for("caseworker")
    ours = [wait_for_court(caseworker), wait_for_court(caseworker)]
    theirs = wait_for_court(client_for("supervisor"), organisation=demo["LN-SY-SH"].pk)
    response = caseworker.post("/api/v1/signals", {"name": "court.closed"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(item["instance"]["id"] for item in body["delivered"]) == sorted(c["id"] for c in ours)
    assert {item["bpmn_id"] for item in body["delivered"]} == {"court_closed"}
    assert [started["process"] for started in body["started"]] == ["court_closure_log"]
    for closed in ours:
        after = case(caseworker, closed["id"])
        assert after["status"] == "completed" and after["timers"] == [] and after["waiting_for"] == []
    assert case(client_for("supervisor"), theirs["id"])["status"] == "running"
    assert Event.objects.filter(action="signal.delivered").count() == 2
    assert caseworker.post("/api/v1/signals", {"name": "no.such"}, format="json").status_code == 404


def test_when_the_gateway_timer_fires_the_message_no_longer_reaches_the_case(client_for, court, clock):
    from server.processes.services import timers_fire_due

    caseworker = client_for("caseworker")
    waiting = wait_for_court(caseworker, days=2)
    clock.shift(days=3)
    [fired] = timers_fire_due()
    assert fired.bpmn_id == "window_closed" and fired.status == "fired"
    after = case(caseworker, waiting["id"])
    assert after["status"] == "completed" and after["waiting_for"] == []
    assert set(Subscription.objects.filter(instance_id=waiting["id"]).values_list("status", flat=True)) == {
        "withdrawn"
    }
    send(caseworker, "court.confirmation", {"case_number": waiting["business_key"]}, CONFIRMED, status=404)
    assert ProcessInstance.objects.get(pk=waiting["id"]).tasks.count() == 0


# ---------------------------------------------------------------------------------------------
# Boundary events and event subprocesses: the task rows follow


@pytest.fixture
def catching(client_for):
    from tests.workflows.support import FIXTURES

    files = {
        name: (FIXTURES / "events" / name).read_bytes()
        for name in ("catching.bpmn", "intake.schema.json", "prepare.schema.json")
    }
    response = upload(client_for("designer"), files)
    assert response.status_code == 201, response.content


def intake(client, number: str) -> dict:
    body = {"process": "catching", "data": {"intake_number": number}}
    response = client.post("/api/v1/instances", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_boundary_messages_withdraw_the_task_or_leave_it_open_and_an_event_subprocess_interrupts(
    client_for, catching, steps
):
    caseworker = client_for("caseworker")
    withdrawn, noted, cancelled = (
        intake(caseworker, "I-1"),
        intake(caseworker, "I-2"),
        intake(caseworker, "I-3"),
    )
    assert {w["bpmn_id"] for w in withdrawn["waiting_for"]} == {
        "withdrawn",
        "note_arrived",
        "cancel_received",
    }

    send(caseworker, "intake.withdrawn", {"intake_number": "I-1"})
    after = case(caseworker, withdrawn["id"])
    assert after["status"] == "completed" and after["tasks"] == []
    assert ProcessInstance.objects.get(pk=withdrawn["id"]).tasks.get().status == "cancelled"

    for text in ("第一份 / first", "第二份 / second"):
        send(caseworker, "intake.note", {"intake_number": "I-2"})
        after = case(caseworker, noted["id"])
        assert [task["bpmn_id"] for task in after["tasks"]] == ["prepare"], text
    assert Event.objects.filter(instance_id=noted["id"], action="message.delivered").count() == 2

    send(caseworker, "intake.cancelled", {"intake_number": "I-3"})
    after = case(caseworker, cancelled["id"])
    assert after["status"] == "completed" and after["tasks"] == [] and after["waiting_for"] == []


def test_cases_waiting_from_before_subscriptions_existed_get_their_rows_back(client_for, court):
    from django.core.management import call_command

    caseworker = client_for("caseworker")
    waiting = wait_for_court(caseworker)
    # As a case that reached the gateway before Lexflow kept these rows: none of them.
    Subscription.objects.filter(instance_id=waiting["id"]).delete()
    Timer.objects.filter(instance_id=waiting["id"]).delete()
    ProcessInstance.objects.filter(pk=waiting["id"]).update(has_subscriptions=False, next_timer_at=None)
    send(caseworker, "court.confirmation", {"case_number": waiting["business_key"]}, CONFIRMED, status=404)

    out = io.StringIO()
    call_command("resync_instances", stdout=out)
    assert out.getvalue().startswith("1 running case(s)")
    restored = case(caseworker, waiting["id"])
    assert [w["bpmn_id"] for w in restored["waiting_for"]] == ["confirmed", "court_closed"]
    assert [timer["bpmn_id"] for timer in restored["timers"]] == ["window_closed"]
    send(caseworker, "court.confirmation", {"case_number": waiting["business_key"]}, CONFIRMED)
