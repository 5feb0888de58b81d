"""Auditors read, search, export and verify the audit log of their part of the organisation tree."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from server.audit.models import Event, Verification
from tests.server.audit.tamper import drop_triggers, execute
from tests.server.complaints.conftest import complain


@pytest.fixture
def two_counties(client_for, complaint_process, demo):
    """A complaint handled in Heping (the auditor's county) and one in Shenhe (not theirs)."""
    heping = complain(client_for("applicant"))
    shenhe = complain(client_for("applicant2"), organisation=demo["LN-SY-SH"])
    return heping, shenhe


def events(client, **params) -> dict:
    response = client.get("/api/v1/audit/events", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_auditors_search_their_scope_by_case_person_action_and_period(client_for, two_counties):
    heping, shenhe = two_counties
    auditor = client_for("auditor")
    everything = events(auditor, page_size=500)["results"]
    cases = {row["instance"] for row in everything}
    assert heping["id"] in cases and shenhe["id"] not in cases
    assert everything == sorted(everything, key=lambda row: -row["seq"])  # newest first
    started = next(row for row in everything if row["action"] == "instance.started")
    assert started["actor"]["username"] == "applicant" and started["case_number"] == heping["business_key"]
    assert len(started["hash"]) == 64 and len(started["prev_hash"]) == 64

    by_case = events(auditor, case=heping["id"], page_size=500)["results"]
    assert by_case and {row["instance"] for row in by_case} == {heping["id"]}
    assert events(auditor, case=heping["business_key"])["count"] == len(by_case)
    assert events(auditor, case=shenhe["id"])["count"] == 0  # out of scope: as if it did not exist
    assert {row["actor"]["username"] for row in events(auditor, person="applicant")["results"]} == {
        "applicant"
    }
    family = events(auditor, action="complaint.")["results"]
    assert family and all(row["action"].startswith("complaint.") for row in family)
    assert {row["action"] for row in events(auditor, action="instance.started")["results"]} == {
        "instance.started"
    }
    today = timezone.localdate()
    assert events(auditor, **{"from": today.isoformat(), "to": today.isoformat()})["count"] == len(everything)
    assert events(auditor, to=(today - timedelta(days=1)).isoformat())["count"] == 0

    page = events(auditor, page_size=2)
    assert page["count"] == len(everything) and len(page["results"]) == 2 and page["next"]
    bad = auditor.get("/api/v1/audit/events", {"from": "2026-05-02", "to": "2026-05-01"})
    assert bad.status_code == 400 and "from" in bad.json()["errors"]


def test_administrators_read_the_whole_log(client_for, two_counties):
    heping, shenhe = two_counties
    cases = {row["instance"] for row in events(client_for("admin"), page_size=500)["results"]}
    assert {heping["id"], shenhe["id"]} <= cases


@pytest.mark.parametrize("username", ["caseworker", "supervisor", "director", "designer", "applicant"])
def test_nobody_else_reads_exports_or_verifies_the_log(client_for, demo, username):
    client = client_for(username)
    for path in ("/api/v1/audit/events", "/api/v1/audit/events?format=csv", "/api/v1/audit/verify"):
        response = client.get(path)
        assert response.status_code == 403, (path, response.content)
        assert response["Content-Type"].startswith("application/json")


def test_the_csv_export_is_utf8_with_a_bom_in_scope_and_is_itself_audited(client_for, two_counties):
    heping, shenhe = two_counties
    auditor = client_for("auditor")
    response = auditor.get("/api/v1/audit/events", {"format": "csv", "case": heping["business_key"]})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[0] == "序号 seq" and header[-1] == "哈希 hash"
    assert body and {row[6] for row in body} == {heping["business_key"]}
    assert [int(row[0]) for row in body] == sorted(int(row[0]) for row in body)  # chain order
    everything = list(
        csv.reader(io.StringIO(auditor.get("/api/v1/audit/events?format=csv").content.decode()))
    )
    assert str(shenhe["id"]) not in {row[7] for row in everything[1:]}

    exported = Event.objects.filter(action="audit.exported").order_by("seq")
    assert exported.count() == 2
    first = exported.first()
    assert first.actor.username == "auditor"
    assert first.detail == {"rows": len(body), "filters": {"case": heping["business_key"]}}
    # The auditor sees their own export in the log.
    assert events(auditor, action="audit.exported")["count"] == 2


def test_the_verify_endpoint_walks_the_chain_records_it_and_names_a_broken_event(client_for, two_counties):
    auditor = client_for("auditor")
    whole = auditor.get("/api/v1/audit/verify").json()
    assert whole["ok"] is True and whole["first_bad"] is None
    assert whole["checked"] == Event.objects.count() and whole["head"]["seq"] == whole["checked"]
    assert client_for("admin").get("/api/v1/audit/verify").json()["ok"] is True
    recorded = Verification.objects.order_by("id").first()
    assert (recorded.by, recorded.requested_by.username, recorded.ok) == ("api", "auditor", True)

    victim = Event.objects.filter(action="instance.started").order_by("seq").first()
    drop_triggers()
    execute("UPDATE audit_event SET actor_id = NULL WHERE id = %s", [victim.pk])
    broken = auditor.get("/api/v1/audit/verify").json()
    assert broken["ok"] is False and broken["head"] is None
    assert broken["first_bad"]["id"] == victim.pk and broken["first_bad"]["problem"] == "changed"
    assert broken["first_bad"]["at"].startswith(timezone.localtime(victim.created_at).date().isoformat()[:4])
    assert broken["checked"] == victim.seq - 1


def test_manage_py_audit_verify_reports_the_head_or_fails_naming_the_event(db):
    from server.audit.services import event_record

    events_written = [event_record(action="test.happened", number=number) for number in range(3)]
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert f"3 events, head seq 3 {events_written[-1].hash}" in out.getvalue()
    drop_triggers()
    execute("DELETE FROM audit_event WHERE id = %s", [events_written[1].pk])
    with pytest.raises(CommandError, match=f"event {events_written[2].pk} .*missing"):
        call_command("audit_verify", stdout=io.StringIO())
    assert list(Verification.objects.order_by("id").values_list("by", "ok")) == [
        ("command", True),
        ("command", False),
    ]


def test_the_document_worker_verifies_the_chain_daily_and_health_says_when(db, run_worker_once, client):
    from server.audit.services import event_record

    assert client.get("/api/v1/health").json()["audit"] == {
        "last_verified_at": None,
        "ok": None,
        "checked": 0,
    }
    event_record(action="test.happened")
    output = run_worker_once("jobs")
    assert "audit chain whole: 1 events, head seq 1" in output
    run_worker_once("jobs")  # a day has not passed: not walked again
    runs = Verification.objects.filter(by="worker")
    assert runs.count() == 1
    health = client.get("/api/v1/health").json()["audit"]
    assert health["ok"] is True and health["checked"] == 1
    assert health["last_verified_at"].startswith(timezone.now().date().isoformat()[:4])


def test_a_change_made_in_the_django_admin_leaves_an_audit_event_on_the_case(client_for, two_counties, rf):
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    from server.processes.models import HumanTask

    heping, _ = two_counties
    task = HumanTask.objects.filter(instance_id=heping["id"]).first()
    request = rf.post("/admin/")
    request.user = get_user_model().objects.get(username="admin")
    model_admin = admin.site._registry[HumanTask]
    model_admin.log_change(request, task, [{"changed": {"fields": ["Priority"]}}])
    event = Event.objects.order_by("-seq").first()
    assert (event.action, event.actor.username, event.instance_id) == ("admin.changed", "admin", heping["id"])
    assert event.detail["model"] == "processes.humantask" and event.detail["object_id"] == str(task.pk)
    assert "Priority" in event.detail["change"]
