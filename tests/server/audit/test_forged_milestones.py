"""A milestone forged into the log afterwards, back-dated to look on time, is exposed by the chain
and does not count in the official figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from server.audit.models import Event
from server.audit.selectors import chain_walk
from tests.server.audit.tamper import insert_event
from tests.server.complaints.conftest import ELIGIBLE, complain
from tests.server.conftest import do_task

SHANGHAI = ZoneInfo("Asia/Shanghai")


def a_case(demo):
    """Any case row to hang events on (no process needed)."""
    from server.processes.models import ProcessDefinition, ProcessInstance

    definition = ProcessDefinition.objects.create(
        key="test_case", version=1, name="test", digest="x", files={}
    )
    organisation = demo["LN-SY-HP"]
    return ProcessInstance.objects.create(
        definition=definition, organisation=organisation, org_path=organisation.path, state="{}"
    )


def accepted_figures(client) -> dict:
    response = client.get("/api/v1/complaints/stats", {"from": "2026-03-01", "to": "2026-03-31"})
    assert response.status_code == 200, response.content
    return response.json()["counts"]


def head() -> Event:
    return Event.objects.order_by("-seq").first()


def test_a_back_dated_acceptance_added_afterwards_is_named_by_the_chain_and_not_counted(
    client_for, complaint_process, clock
):
    case = complain(client_for("applicant"))
    do_task(client_for("caseworker"), case["id"], "check_eligibility", ELIGIBLE)
    clock.move_to(datetime(2026, 4, 20, 10, 0, tzinfo=SHANGHAI))  # never accepted: long overdue
    supervisor = client_for("supervisor")
    assert accepted_figures(supervisor)["accepted"] == 0

    # Someone with the database password adds the acceptance, dated within the deadline and
    # correctly chained at the head (the only place the database lets a row in).
    last = head()
    forged_at = datetime(2026, 3, 10, 9, 30, tzinfo=SHANGHAI)
    insert_event(
        action="complaint.accepted",
        instance_id=case["id"],
        created_at=forged_at,
        detail={"bpmn_id": "accepted", "reply_due": "2026-05-09T23:59:59+08:00"},
        seq=last.seq + 1,
        prev_hash=last.hash,
    )
    forged = head()
    report = chain_walk()
    assert not report.ok
    assert (report.first_bad.id, report.first_bad.problem) == (forged.pk, "unaccompanied")
    assert report.first_bad.at == forged_at
    assert accepted_figures(supervisor)["accepted"] == 0


def test_a_back_dated_step_and_acceptance_forged_together_are_back_dated_and_not_counted(
    client_for, complaint_process, clock
):
    case = complain(client_for("applicant"))
    do_task(client_for("caseworker"), case["id"], "check_eligibility", ELIGIBLE)
    clock.move_to(datetime(2026, 4, 20, 10, 0, tzinfo=SHANGHAI))
    supervisor = client_for("supervisor")
    # The forger writes the step's event and the milestone as one batch would be, but must date
    # them before the case's own later events to look on time... here, before its eligibility.
    eligible = Event.objects.filter(instance_id=case["id"], action="complaint.eligible").get()
    forged_at = eligible.created_at - timedelta(minutes=10)
    last = head()
    step = {"action": "task.completed", "instance_id": case["id"], "created_at": forged_at}
    insert_event(**step, seq=last.seq + 1, prev_hash=last.hash)
    step_event = head()
    insert_event(
        action="complaint.accepted",
        instance_id=case["id"],
        created_at=forged_at,
        detail={"bpmn_id": "accepted"},
        seq=step_event.seq + 1,
        prev_hash=step_event.hash,
    )
    report = chain_walk()
    assert (report.first_bad.id, report.first_bad.problem) == (step_event.pk, "back_dated")
    assert accepted_figures(supervisor)["accepted"] == 0
