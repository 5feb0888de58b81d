"""Health, OpenAPI, and the promise that no input produces a 500."""

import io

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from server.core.models import WorkerHeartbeat


def test_health_reports_the_database_and_wants_a_live_worker_of_each_kind(db):
    client = APIClient()
    body = client.get("/api/v1/health").json()
    assert body["database"]["status"] == "ok" and body["status"] == "degraded"
    assert body["workers"]["kinds"]["timers"]["status"] == "not running"
    WorkerHeartbeat.objects.create(name="host:1:timers", kind="timers", last_seen=timezone.now())
    body = client.get("/api/v1/health").json()
    assert body["workers"]["kinds"]["timers"]["status"] == "ok" and body["status"] == "degraded"
    WorkerHeartbeat.objects.create(name="host:2:jobs", kind="jobs", last_seen=timezone.now())
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok" and all(worker["alive"] for worker in body["workers"]["workers"])


def test_check_and_health_warn_when_pdfs_would_be_slow_for_want_of_harfbuzz_subsetting(db, monkeypatch):
    from django.core.management import call_command

    from server.documents import toolchain

    monkeypatch.setattr(toolchain, "fast_font_subsetting", lambda: False)
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "documents.W001" in out.getvalue() and "libharfbuzz-subset0" in out.getvalue()
    WorkerHeartbeat.objects.create(name="host:1:timers", kind="timers", last_seen=timezone.now())
    WorkerHeartbeat.objects.create(name="host:2:jobs", kind="jobs", last_seen=timezone.now())
    body = APIClient().get("/api/v1/health").json()
    assert body["status"] == "degraded" and body["documents"]["status"] == "degraded"
    assert "7-14 s" in body["documents"]["warnings"][0]


def test_this_machine_renders_notices_with_fast_subsetting_and_a_chinese_font():
    """What `make run` and `make test` install (system-deps): a newcomer's machine has it too."""
    from server.documents import toolchain

    assert toolchain.pdf_toolchain_problems() == {}


def test_openapi_schema_and_swagger_ui_are_served(db):
    client = APIClient()
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in [
        "/api/v1/tasks/{id}/complete",
        "/api/v1/instances",
        "/api/v1/processes",
        "/api/v1/auth/login",
    ]:
        assert path in paths
    assert client.get("/api/docs/").status_code == 200


def test_unknown_api_path_is_a_json_404(db):
    response = APIClient().get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json()["status"] == 404


GARBAGE = [
    None,
    1,
    "x",
    [],
    [1, 2],
    {"data": "text"},
    {"data": [1]},
    {"data": {"a": "\x00" * 5}},
    {"process": 5},
]


@pytest.mark.parametrize("body", GARBAGE)
def test_garbage_bodies_never_produce_a_500(client_for, approval, body):
    from tests.server.conftest import start_approval

    caseworker = client_for("caseworker")
    task_id = start_approval(client_for("applicant"))["tasks"][0]["id"]
    for method, url in [
        ("post", "/api/v1/instances"),
        ("post", f"/api/v1/tasks/{task_id}/complete"),
        ("post", "/api/v1/auth/login"),
    ]:
        response = getattr(caseworker, method)(url, body, format="json")
        assert response.status_code < 500, (url, body, response.content)
    for query in ["?due_before=yesterday", "?priority=high", "?status=bogus", "?cursor=%%%", "?page_size=-1"]:
        response = caseworker.get(f"/api/v1/tasks{query}")
        assert response.status_code in (200, 400, 404), (query, response.content)
    assert caseworker.get("/api/v1/instances?organisation=abc").status_code in (200, 400)


def test_openapi_schema_validates_without_warnings(db, tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/tasks/{id}/claim" in (tmp_path / "schema.yaml").read_text()
