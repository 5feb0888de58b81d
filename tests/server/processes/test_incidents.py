"""A failure where nobody is waiting opens an incident an operator can see, retry and resolve."""

from __future__ import annotations

import pytest

from server.audit.models import Event
from server.processes.models import Incident, Timer
from server.processes.services import timers_fire_due
from tests.conftest import fixture_files
from tests.server.conftest import add_staff, upload

SERVICE = "test.register_lookup"


@pytest.fixture
def register_service():
    """register_service(handler): the test's `test.register_lookup`; unregistered afterwards."""
    from server.processes import engine as server_engine

    def register(handler) -> None:
        server_engine.register_service(SERVICE, params=("number",))(handler)

    yield register
    server_engine._SERVICES.pop(SERVICE, None)
    server_engine.engine.cache_clear()


def _broken(params: dict) -> dict:
    raise RuntimeError("登记系统不可用 / The register is down")


@pytest.fixture
def failed_case(client_for, register_service, clock):
    """A case whose timer path called the register while it was down: an open incident."""
    register_service(_broken)
    assert upload(client_for("designer"), fixture_files("timer_service")).status_code == 201
    started = client_for("caseworker").post(
        "/api/v1/instances", {"process": "test_timer_service", "data": {"number": "HP-7"}}, format="json"
    )
    assert started.status_code == 201, started.content
    clock.shift(seconds=5)
    timers_fire_due()
    return started.json()["id"]


def test_a_timer_path_whose_service_fails_opens_an_incident_the_sweep_leaves_alone(
    client_for, failed_case, clock
):
    director = client_for("director")
    [incident] = director.get("/api/v1/incidents").json()["results"]
    assert incident["instance"] == failed_case and incident["bpmn_id"] == "look_up"
    assert (
        incident["status"] == "open" and incident["attempts"] == 1 and "register is down" in incident["error"]
    )
    clock.shift(minutes=5)
    assert timers_fire_due() == []  # no retry every second
    assert Incident.objects.get().attempts == 1

    staff_view = director.get(f"/api/v1/instances/{failed_case}").json()
    assert staff_view["status"] == "running" and staff_view["incident"]["id"] == incident["id"]
    listed = director.get("/api/v1/instances", {"status": "incident"}).json()["results"]
    assert [(row["id"], row["has_incident"]) for row in listed] == [(failed_case, True)]
    assert client_for("caseworker").get("/api/v1/incidents").json()["results"] == []  # operators only
    assert client_for("supervisor").get("/api/v1/incidents").json()["results"][0]["id"] == incident["id"]
    assert client_for("station").get("/api/v1/incidents").json()["results"] == []


def test_retry_after_the_service_is_fixed_moves_the_case_on_exactly_once(
    client_for, failed_case, register_service
):
    director = client_for("director")
    incident_id = Incident.objects.get().pk
    assert director.post(f"/api/v1/incidents/{incident_id}/retry").json()["attempts"] == 2  # still down
    assert Incident.objects.get().status == "open"
    assert client_for("caseworker").post(f"/api/v1/incidents/{incident_id}/retry").status_code == 404
    assert client_for("supervisor").post(f"/api/v1/incidents/{incident_id}/retry").status_code == 403

    calls = []

    def working(params: dict) -> dict:
        calls.append(params)
        return {"found": True, "number": params["number"]}

    register_service(working)  # a new version of the service
    retried = director.post(f"/api/v1/incidents/{incident_id}/retry")
    assert retried.status_code == 200, retried.content
    assert retried.json()["status"] == "resolved" and retried.json()["attempts"] == 3
    assert calls == [{"number": "HP-7"}]
    case = director.get(f"/api/v1/instances/{failed_case}").json()
    assert [task["bpmn_id"] for task in case["tasks"]] == ["follow_up"]
    assert case["data"]["register"] == {"found": True, "number": "HP-7"}
    assert case["incident"] is None
    assert Timer.objects.get(instance_id=failed_case).status == "fired"
    assert director.post(f"/api/v1/incidents/{incident_id}/retry").status_code == 409
    assert timers_fire_due() == [] and calls == [{"number": "HP-7"}]
    actions = [event["action"] for event in case["history"]]
    assert actions.count("incident.opened") == 1 and actions.count("incident.retry_failed") == 1
    assert actions.count("incident.retried") == 1


def test_an_incident_resolved_by_hand_leaves_its_timers_to_the_sweep(
    client_for, failed_case, register_service
):
    director = client_for("director")
    incident_id = Incident.objects.get().pk
    assert (
        director.post(f"/api/v1/incidents/{incident_id}/resolve", {"note": ""}, format="json").status_code
        == 400
    )
    register_service(lambda params: {"found": False})
    resolved = director.post(
        f"/api/v1/incidents/{incident_id}/resolve",
        {"note": "登记系统已恢复 / The register is back"},
        format="json",
    )
    assert (
        resolved.status_code == 200
        and resolved.json()["resolution"] == "登记系统已恢复 / The register is back"
    )
    assert [timer.instance_id for timer in timers_fire_due()] == [failed_case]
    assert Incident.objects.filter(status="open").count() == 0


def test_the_applicant_of_a_case_with_an_incident_sees_a_neutral_stage(
    client_for, register_service, clock, demo
):
    register_service(_broken)
    assert upload(client_for("designer"), fixture_files("timer_service"), public="true").status_code == 201
    applicant = client_for("applicant")
    started = applicant.post(
        "/api/v1/instances", {"process": "test_timer_service", "data": {"number": "HP-8"}}, format="json"
    ).json()
    clock.shift(seconds=5)
    timers_fire_due()
    seen = applicant.get(f"/api/v1/instances/{started['id']}").json()
    assert seen["status"] == "running" and seen["incident"] is None and seen["has_incident"] is False
    assert "incident.opened" not in [event["action"] for event in seen["history"]] or all(
        "message" not in event["detail"] for event in seen["history"] if event["action"] == "incident.opened"
    )
    assert "error" not in seen["stage"].lower() and "故障" not in seen["stage"]


def test_the_incident_list_filters_within_the_operators_scope(client_for, failed_case, clock, demo):
    add_staff("shenhe_director", "director", "LN-SY-SH", "林峰 Lin Feng")
    add_staff("shenhe_caseworker", "caseworker", "LN-SY-SH", "王明 Wang Ming")
    started = client_for("supervisor").post(
        "/api/v1/instances",
        {"process": "test_timer_service", "data": {"number": "SH-3"}, "organisation": demo["LN-SY-SH"].pk},
        format="json",
    )
    assert started.status_code == 201, started.content
    shenhe_case = started.json()["id"]
    clock.shift(seconds=5)
    timers_fire_due()
    heping = Incident.objects.get(instance_id=failed_case).pk
    shenhe = Incident.objects.get(instance_id=shenhe_case).pk
    supervisor = client_for("supervisor")

    def ids(client, **params) -> list[int]:
        response = client.get("/api/v1/incidents", params)
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])

    assert ids(supervisor) == sorted([heping, shenhe])  # the city sees both counties
    assert ids(supervisor, organisation="LN-SY-SH") == [shenhe]
    assert ids(supervisor, organisation="LN-SY-HP") == [heping]
    assert ids(supervisor, instance=failed_case) == [heping]
    assert ids(supervisor, process="test_timer_service") == sorted([heping, shenhe])
    assert ids(supervisor, process="test_approval") == []
    assert ids(supervisor, kind="timer") == sorted([heping, shenhe])
    assert ids(supervisor, kind="service") == []
    assert ids(client_for("director")) == [heping]
    assert ids(client_for("director"), organisation="LN-SY-SH") == []  # a filter does not widen the scope
    assert ids(client_for("shenhe_director")) == [shenhe]
    assert ids(client_for("shenhe_caseworker")) == []
    assert ids(client_for("caseworker")) == []
    assert client_for("applicant").get("/api/v1/incidents").json()["results"] == []

    resolved = client_for("director").post(
        f"/api/v1/incidents/{heping}/resolve", {"note": "已人工处理 / Dealt with by hand"}, format="json"
    )
    assert resolved.status_code == 200, resolved.content
    assert ids(supervisor, status="open") == [shenhe]
    assert ids(supervisor, status="resolved") == [heping]
    assert supervisor.get("/api/v1/incidents", {"status": "nonsense"}).status_code == 400


def test_resolving_an_incident_needs_a_note_and_is_recorded_with_it(client_for, failed_case):
    add_staff("shenhe_director", "director", "LN-SY-SH", "林峰 Lin Feng")
    director = client_for("director")
    incident_id = Incident.objects.get().pk
    url = f"/api/v1/incidents/{incident_id}/resolve"
    for body in ({}, {"note": "   "}):
        refused = director.post(url, body, format="json")
        assert refused.status_code == 400 and "note" in refused.json()["errors"], body
    assert client_for("shenhe_director").post(url, {"note": "x"}, format="json").status_code == 404
    assert client_for("caseworker").post(url, {"note": "x"}, format="json").status_code == 404
    assert client_for("supervisor").post(url, {"note": "x"}, format="json").status_code == 403
    assert not Event.objects.filter(action="incident.resolved").exists()
    assert Incident.objects.get().status == "open"

    resolved = director.post(url, {"note": "数据已更正 / The data was corrected"}, format="json")
    assert resolved.status_code == 200, resolved.content
    body = resolved.json()
    assert body["status"] == "resolved" and body["resolved_by"]["username"] == "director"
    assert body["resolution"] == "数据已更正 / The data was corrected"
    event = Event.objects.get(action="incident.resolved")
    assert event.instance_id == failed_case and event.actor.username == "director"
    assert (
        event.detail["incident"] == incident_id
        and event.detail["note"] == "数据已更正 / The data was corrected"
    )
    case = director.get(f"/api/v1/instances/{failed_case}").json()
    assert case["incident"] is None and "incident.resolved" in [e["action"] for e in case["history"]]
    assert director.get("/api/v1/instances", {"status": "incident"}).json()["results"] == []
    assert director.post(url, {"note": "again"}, format="json").status_code == 409
