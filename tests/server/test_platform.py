"""Health, OpenAPI, and the promise that no input produces a 500."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from server.core.models import WorkerHeartbeat


def test_health_reports_database_and_whether_a_worker_is_sweeping(db):
    client = APIClient()
    body = client.get("/api/v1/health").json()
    assert body["database"]["status"] == "ok" and body["worker"]["status"] == "not running"
    WorkerHeartbeat.objects.create(name="test-worker", last_seen=timezone.now())
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok" and body["worker"]["workers"][0]["alive"] is True


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
