"""Timer start events start one case per occurrence, from the latest version that is not retired."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from server.audit.models import Event
from server.processes.models import ProcessDefinition, ProcessInstance, ScheduledStart
from server.processes.services import scheduled_starts_fire_due, schedules_sync
from tests.conftest import fixture_files
from tests.server.conftest import do_task, upload

SHENYANG = ZoneInfo("Asia/Shanghai")


def report_files(
    cycle: str = "0 0 8 * * ?", *, name: str = "值班日报 / Daily duty report"
) -> dict[str, bytes]:
    files = fixture_files("scheduled")
    text = files["daily_report.bpmn"].decode()
    text = text.replace(">0 0 8 * * ?<", f">{cycle}<").replace("值班日报 / Daily duty report", name)
    return {"daily_report.bpmn": text.encode()}


def deploy(client_for, files: dict[str, bytes], status: int = 201) -> None:
    response = upload(client_for("designer"), files)
    assert response.status_code == status, response.content


def cases() -> list[ProcessInstance]:
    return list(ProcessInstance.objects.filter(definition__key="daily_report").order_by("id"))


def test_a_camunda_cron_start_opens_one_case_each_morning_for_the_designers_office(client_for, clock, steps):
    deploy(client_for, report_files())
    row = ScheduledStart.objects.get(key="daily_report")
    # Monday 9 March 09:00 in Shenyang: the next eight o'clock is Tuesday's.
    assert row.next_at == datetime(2026, 3, 10, 8, 0, tzinfo=SHENYANG)
    assert Event.objects.filter(action="schedule.set", detail__key="daily_report").count() == 1

    clock.move_to(datetime(2026, 3, 10, 7, 59, tzinfo=SHENYANG))
    assert scheduled_starts_fire_due() == [] and cases() == []
    clock.move_to(datetime(2026, 3, 10, 8, 0, 30, tzinfo=SHENYANG))
    [started] = scheduled_starts_fire_due()
    assert scheduled_starts_fire_due() == []  # a second sweep: the occurrence is done
    assert started.organisation.code == "LN-SY-HP" and started.started_by is None
    assert started.data["case"]["scheduled_for"] == "2026-03-10T00:00:00+00:00"
    event = Event.objects.get(instance=started, action="instance.started")
    assert event.detail["trigger"] == {
        "timer": "every_morning",
        "expression": "0 0 8 * * ?",
        "occurrence": "2026-03-10T00:00:00+00:00",
    }
    row.refresh_from_db()
    assert (row.started, row.next_at) == (1, datetime(2026, 3, 11, 8, 0, tzinfo=SHENYANG))

    after = do_task(client_for("caseworker"), started.pk, "write_report", {})
    assert after["status"] == "completed"


def test_missed_mornings_are_caught_up_one_case_each_in_order(client_for, clock):
    deploy(client_for, report_files())
    clock.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=SHENYANG))
    started = scheduled_starts_fire_due()
    assert [case.data["case"]["scheduled_for"][:10] for case in started] == [
        "2026-03-10",
        "2026-03-11",
        "2026-03-12",
    ]


def test_a_redeploy_keeps_the_schedule_and_a_changed_timer_counts_from_now(client_for, clock):
    deploy(client_for, report_files())
    first = ScheduledStart.objects.get(key="daily_report").next_at
    deploy(client_for, report_files(), status=200)  # the same files: nothing new
    deploy(client_for, report_files(name="值班日报（新版）/ Daily duty report, v2"))
    assert ScheduledStart.objects.get(key="daily_report").next_at == first
    deploy(client_for, report_files('"R/2026-03-09T12:00:00/PT12H"', name="v3 / v3"))
    row = ScheduledStart.objects.get(key="daily_report")
    assert (row.expression, row.next_at) == (
        '"R/2026-03-09T12:00:00/PT12H"',
        datetime(2026, 3, 9, 12, 0, tzinfo=SHENYANG),
    )


def test_cases_start_from_the_latest_version_not_retired_and_stop_when_all_are(client_for, clock):
    deploy(client_for, report_files())
    deploy(client_for, report_files(name="第二版 / v2"))
    ProcessDefinition.objects.filter(key="daily_report", version=2).update(retired=True)
    schedules_sync(key="daily_report")
    clock.move_to(datetime(2026, 3, 10, 8, 1, tzinfo=SHENYANG))
    [started] = scheduled_starts_fire_due()
    assert started.definition.version == 1

    ProcessDefinition.objects.filter(key="daily_report").update(retired=True)
    clock.move_to(datetime(2026, 3, 11, 8, 1, tzinfo=SHENYANG))
    assert scheduled_starts_fire_due() == []
    assert ScheduledStart.objects.get(key="daily_report").next_at is None
    assert Event.objects.filter(action="schedule.stopped", detail__key="daily_report").exists()


def test_a_date_in_the_past_starts_one_case_at_the_next_sweep_and_no_more(client_for, clock):
    deploy(
        client_for,
        {
            "daily_report.bpmn": report_files()["daily_report.bpmn"].replace(
                b'<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">0 0 8 * * ?</bpmn:timeCycle>',
                b"<bpmn:timeDate>2026-03-01T08:00:00</bpmn:timeDate>",
            )
        },
    )
    assert len(scheduled_starts_fire_due()) == 1
    clock.shift(days=30)
    assert scheduled_starts_fire_due() == [] and len(cases()) == 1


def test_a_start_that_fails_is_recorded_and_the_schedule_goes_on(client_for, clock):
    deploy(client_for, report_files())
    ProcessDefinition.objects.filter(key="daily_report").update(deployed_by=None)
    clock.move_to(datetime(2026, 3, 10, 8, 1, tzinfo=SHENYANG))
    assert scheduled_starts_fire_due() == []
    row = ScheduledStart.objects.get(key="daily_report")
    assert "no default organisation" in row.error
    assert row.next_at == datetime(2026, 3, 11, 8, 0, tzinfo=SHENYANG)
    assert Event.objects.filter(action="schedule.failed", detail__key="daily_report").exists()


@pytest.mark.parametrize(
    ("cycle", "message"),
    [("0 0 99 * * ?", "not a valid cron expression"), ("report_due", "cannot read case data")],
)
def test_a_timer_start_that_cannot_be_scheduled_is_refused_at_deploy(client_for, cycle, message):
    response = upload(client_for("designer"), report_files(cycle))
    assert response.status_code == 400
    assert any(message in error["message"] for error in response.json()["deploy_errors"])
    assert not ScheduledStart.objects.exists()


def test_an_unexpected_failure_leaves_the_occurrence_for_the_next_sweep(client_for, clock, monkeypatch):
    from server.processes.services import schedules

    deploy(client_for, report_files())
    due = ScheduledStart.objects.get(key="daily_report").next_at
    clock.move_to(datetime(2026, 3, 10, 8, 1, tzinfo=SHENYANG))
    calls = []

    def broken(row):
        calls.append(row.pk)
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(schedules, "_fire", broken)
    assert scheduled_starts_fire_due() == [] and len(calls) == 1  # tried once, not over and over
    assert ScheduledStart.objects.get(key="daily_report").next_at == due
    monkeypatch.undo()
    assert len(scheduled_starts_fire_due()) == 1
