"""Messages, signals and event-based gateways in the engine, each step after a save/restore."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.workflows.support import FIXTURES, load_package
from workflows import DeployFailed, Engine, NotWaiting

NOW = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)


@pytest.fixture
def package(engine):
    return engine.compile(load_package("events"))


def saved(engine: Engine, package, instance):
    """The instance as the next request finds it: snapshot, then restore from the state alone."""
    snapshot = instance.snapshot()
    return engine.restore(package, snapshot.state), snapshot


def waiting(snapshot) -> dict[str, object]:
    return {subscription.bpmn_id: subscription for subscription in snapshot.subscriptions}


def court_case(engine, package, *, window: timedelta = timedelta(days=30)):
    data = {"case": {"business_key": "TJ-1"}, "window_closes": (NOW + window).isoformat()}
    return saved(engine, package, engine.start(package, "court_wait", data))


def test_a_gateway_waits_for_a_message_a_signal_a_receive_task_and_its_timer_at_once(engine, package):
    with time_machine.travel(NOW, tick=False):
        _, snapshot = court_case(engine, package)
    subscriptions = waiting(snapshot)
    assert {(s.bpmn_id, s.kind, s.name) for s in subscriptions.values()} == {
        ("confirmed", "message", "court.confirmation"),
        ("court_closed", "signal", "court.closed"),
        ("ruling_received", "message", "court.ruling"),
    }
    # The case number is read from the case data, for both messages of the gateway.
    assert subscriptions["confirmed"].correlation == {"case_number": "TJ-1"}
    assert subscriptions["ruling_received"].correlation == {"case_number": "TJ-1"}
    [timer] = snapshot.timers  # the gateway's timer is a timer like any other, under its branch's id
    assert (timer.bpmn_id, timer.due_at) == ("window_closed", NOW + timedelta(days=30))
    assert snapshot.ready_tasks == () and not snapshot.completed


def test_the_message_takes_its_branch_and_withdraws_the_timer_and_the_other_events(engine, package):
    with time_machine.travel(NOW, tick=False):
        restored, snapshot = court_case(engine, package)
        confirmed = waiting(snapshot)["confirmed"]
        restored.deliver(
            confirmed.task_id,
            "message",
            "court.confirmation",
            {"court": "和平区人民法院"},
            {"case_number": "TJ-1"},
        )
        _, after = saved(engine, package, restored)
    assert after.completed
    assert after.steps == ("wait", "confirmed", "end_confirmed")
    assert after.data["court"] == "和平区人民法院"
    assert after.timers == () and after.subscriptions == ()


def test_the_timer_takes_its_branch_when_due_and_withdraws_every_event(engine, package):
    with time_machine.travel(NOW, tick=False):
        restored, _ = court_case(engine, package, window=timedelta(hours=1))
    with time_machine.travel(NOW + timedelta(hours=1, seconds=1), tick=False):
        restored.fire_due_timers()
        _, after = saved(engine, package, restored)
    assert after.completed and after.steps == ("wait", "window_closed", "end_lapsed")
    assert after.subscriptions == () and after.timers == ()


def test_a_message_arriving_after_the_timer_fell_due_runs_one_branch_only(engine, package):
    """The worker has not swept yet when the court's message comes in: the message is first
    to reach the case, so it wins, and the overdue timer does not run a second branch."""
    with time_machine.travel(NOW, tick=False):
        restored, snapshot = court_case(engine, package, window=timedelta(hours=1))
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        confirmed = waiting(snapshot)["confirmed"]
        restored.deliver(confirmed.task_id, "message", "court.confirmation", {}, {"case_number": "TJ-1"})
        restored, after = saved(engine, package, restored)
        restored.fire_due_timers()
        _, later = saved(engine, package, restored)
    assert after.steps == ("wait", "confirmed", "end_confirmed")
    assert "window_closed" not in later.steps + after.steps and later.completed


def test_the_signal_and_the_receive_task_branches_of_the_gateway(engine, package):
    with time_machine.travel(NOW, tick=False):
        restored, snapshot = court_case(engine, package)
        closed = waiting(snapshot)["court_closed"]
        restored.deliver(closed.task_id, "signal", "court.closed", None)
        _, after = saved(engine, package, restored)
        assert after.steps == ("wait", "court_closed", "end_closed")

        restored, snapshot = court_case(engine, package)
        ruling = waiting(snapshot)["ruling_received"]
        restored.deliver(
            ruling.task_id, "message", "court.ruling", {"result": "confirmed"}, {"case_number": "TJ-1"}
        )
        _, after = saved(engine, package, restored)
    assert after.steps == ("wait", "ruling_received", "end_ruled")
    assert after.data["ruling"] == {"result": "confirmed"}  # the message names its variable


def test_a_message_for_an_event_no_longer_waiting_is_refused_and_changes_nothing(engine, package):
    with time_machine.travel(NOW, tick=False):
        restored, snapshot = court_case(engine, package)
        confirmed = waiting(snapshot)["confirmed"]
        restored.deliver(confirmed.task_id, "message", "court.confirmation", {}, {"case_number": "TJ-1"})
        restored, after = saved(engine, package, restored)
        with pytest.raises(NotWaiting):
            restored.deliver(confirmed.task_id, "message", "court.confirmation", {}, {"case_number": "TJ-1"})
        with pytest.raises(NotWaiting):
            restored.deliver(confirmed.task_id, "signal", "court.confirmation", {})
    assert restored.snapshot().state == after.state


def intake(engine, package, number: str = "I-7"):
    data = {"case": {"business_key": "K"}, "intake_number": number}
    return saved(engine, package, engine.start(package, "catching", data))


def test_an_interrupting_boundary_message_withdraws_the_task_it_is_attached_to(engine, package):
    restored, snapshot = intake(engine, package)
    assert [task.bpmn_id for task in snapshot.ready_tasks] == ["prepare"]
    withdrawn = waiting(snapshot)["withdrawn"]
    assert withdrawn.correlation == {"intake_number": "I-7"}  # the retrieval expression, on the case data
    restored.deliver(withdrawn.task_id, "message", "intake.withdrawn", {}, withdrawn.correlation)
    _, after = saved(engine, package, restored)
    assert after.completed and after.ready_tasks == ()
    assert after.steps == ("withdrawn", "end_withdrawn")


def test_a_non_interrupting_boundary_message_leaves_the_task_open_and_listens_again(engine, package):
    restored, snapshot = intake(engine, package)
    for note in ("first", "second"):
        arrived = waiting(snapshot)["note_arrived"]
        restored.deliver(arrived.task_id, "message", "intake.note", {"note": note}, arrived.correlation)
        restored, snapshot = saved(engine, package, restored)
        assert [task.bpmn_id for task in snapshot.ready_tasks] == ["prepare"]
        assert snapshot.data["note"] == note and "note_arrived" in snapshot.steps
    restored.complete(snapshot.ready_tasks[0].task_id, {})
    _, after = saved(engine, package, restored)
    # Once the task is done its boundary events stop listening; the case waits for documents.
    assert set(waiting(after)) == {"documents_arrived", "cancel_received"}


def test_a_message_catch_event_after_a_task(engine, package):
    restored, snapshot = intake(engine, package)
    restored.complete(snapshot.ready_tasks[0].task_id, {"prepared": True})
    restored, snapshot = saved(engine, package, restored)
    documents = waiting(snapshot)["documents_arrived"]
    restored.deliver(documents.task_id, "message", "intake.documents", {"pages": 3}, documents.correlation)
    _, after = saved(engine, package, restored)
    assert after.completed and after.data["pages"] == 3 and after.data["prepared"] is True


def test_a_message_start_of_an_event_subprocess_interrupts_the_case(engine, package):
    restored, snapshot = intake(engine, package)
    cancel = waiting(snapshot)["cancel_received"]
    assert cancel.task_id.startswith("trigger:") and cancel.correlation == {"intake_number": "I-7"}
    restored.deliver(
        cancel.task_id, "message", "intake.cancelled", {"reason": "duplicate"}, cancel.correlation
    )
    _, after = saved(engine, package, restored)
    assert after.completed and after.ready_tasks == () and after.subscriptions == ()
    assert "cancel_received" in after.steps and after.data["reason"] == "duplicate"


def test_a_send_task_and_a_signal_throw_leave_the_case_as_outgoing_events(engine, package):
    data = {"case": {"business_key": "S-1"}, "question": "何时开庭？"}
    snapshot = engine.start(package, "sender", data).snapshot()
    assert snapshot.completed and snapshot.subscriptions == ()
    message, signal = snapshot.sent
    assert (message.kind, message.name, message.bpmn_id) == ("message", "court.request", "ask_court")
    assert message.payload == {"request_number": "S-1", "question": "何时开庭？"}
    assert message.correlation == {"request_number": "S-1"}  # read from the payload
    assert (signal.kind, signal.name, signal.bpmn_id) == ("signal", "court.requests_sent", "announce")


def test_a_message_start_event_begins_a_case_with_the_message_data(engine, package):
    info = package.processes["court_inbox"]
    assert info.starts_by("message", "court.request").bpmn_id == "request_received"
    instance = engine.start(
        package,
        "court_inbox",
        {"case": {"business_key": "C-1"}},
        start_event="request_received",
        payload={"question": "何时开庭？"},
        correlation={"request_number": "S-1"},
    )
    restored, snapshot = saved(engine, package, instance)
    assert [task.bpmn_id for task in snapshot.ready_tasks] == ["answer"]
    assert snapshot.data["question"] == "何时开庭？" and snapshot.subscriptions == ()


def test_a_case_begins_at_the_one_start_event_it_is_started_by(engine, package):
    info = package.processes["report"]
    assert [(s.bpmn_id, s.kind) for s in info.start_events] == [
        ("by_hand", "none"),
        ("by_request", "message"),
        ("every_morning", "timer"),
        ("on_audit", "signal"),
    ]
    assert (info.starts_by("timer").timer, info.starts_by("timer").expression) == ("timeCycle", "0 0 8 * * ?")
    for start_event, first_step in (
        (None, "by_hand"),
        ("by_request", "by_request"),
        ("every_morning", "every_morning"),  # a cron line: the engine never evaluates it
        ("on_audit", "on_audit"),
    ):
        restored, snapshot = saved(
            engine, package, engine.start(package, "report", {}, start_event=start_event)
        )
        assert snapshot.steps == (first_step,)
        assert [task.bpmn_id for task in snapshot.ready_tasks] == ["write"]
        # The other start events are gone: a case never waits for its own start message.
        assert snapshot.subscriptions == () and snapshot.timers == ()
        restored.complete(snapshot.ready_tasks[0].task_id, {})
        assert restored.snapshot().completed


def test_a_process_that_starts_only_by_message_cannot_be_started_by_hand(engine, package):
    from workflows import EngineError

    with pytest.raises(EngineError, match="no plain start event"):
        engine.start(package, "court_inbox", {})


# ---------------------------------------------------------------------- deploy checks


# A gateway with two timer branches and a third branch, a message start timer and message
# extensions to fill in: {message_extensions}, {start_timer}, {third} (c: a message catch, u: a task).
GATEWAY = (FIXTURES / "templates" / "event_gateway.bpmn").read_text()


def deploy_errors(engine, **parts) -> list[str]:
    values = {"message_extensions": "", "start_timer": "", "third": "c", **parts}
    with pytest.raises(DeployFailed) as failed:
        engine.compile({"p.bpmn": GATEWAY.format(**values).encode()})
    return [f"{error.element_id}: {error.message}" for error in failed.value.errors]


def test_a_deploy_refuses_an_event_gateway_leading_to_a_task_or_with_two_timers(engine):
    errors = deploy_errors(engine, third="u")
    assert any(e.startswith("g: ") and "leads only to message, timer or signal" in e for e in errors), errors
    assert any(e.startswith("g: ") and "one timer branch" in e for e in errors), errors


def test_a_deploy_refuses_a_message_schema_that_is_not_in_the_package(engine):
    extensions = (
        "<bpmn:extensionElements><spiffworkflow:properties>"
        '<spiffworkflow:property name="formJsonSchemaFilename" value="m.schema.json"/>'
        "</spiffworkflow:properties></bpmn:extensionElements>"
    )
    errors = deploy_errors(engine, message_extensions=extensions)
    assert any(e.startswith("m: ") and "m.schema.json" in e for e in errors), errors


@pytest.mark.parametrize(
    ("timer", "message"),
    [
        ('<bpmn:timeDuration>"P1D"</bpmn:timeDuration>', "needs a date (timeDate) or a cycle"),
        ("<bpmn:timeCycle>0 0 99 * * ?</bpmn:timeCycle>", "not a valid cron expression"),
        ("<bpmn:timeDate>report_due</bpmn:timeDate>", "cannot read case data"),
        ('<bpmn:timeCycle>"R/P1X"</bpmn:timeCycle>', "not an ISO 8601 duration"),
    ],
)
def test_a_deploy_refuses_a_timer_start_it_cannot_schedule(engine, timer, message):
    start_timer = f'<bpmn:timerEventDefinition id="st">{timer}</bpmn:timerEventDefinition>'
    errors = deploy_errors(engine, start_timer=start_timer)
    assert any(e.startswith("s: ") and message in e for e in errors), errors
