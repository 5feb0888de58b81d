"""On the demo's seeded cases, the supervisor (沈阳市司法局, LN-SY) can use the whole dashboard
API, every figure of every line adds up to its cases, and applicants are kept out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.server.figures.conftest import every_figure_adds_up

SERVICE_LINES = ("legal_aid_application", "notary_intake", "mediation", "complaint")


@pytest.fixture
def seeded(client_for, deploy_shipped):
    for process in SERVICE_LINES:
        deploy_shipped(process)
    call_command("seed_demo_cases", per_line=12, seed=7, verbosity=0)


def test_the_supervisor_drills_into_every_figure_of_the_demo(seeded, client_for):
    supervisor = client_for("supervisor")
    since = {"from": (timezone.localdate() - timedelta(days=120)).isoformat()}
    for line in ("complaints", "legal-aid", "mediation", "notary"):
        counts = every_figure_adds_up(supervisor, line, since)
        assert max(counts.values()) >= 10, (line, counts)

    volume = supervisor.get("/api/v1/figures/volume", {**since, "interval": "week"})
    assert volume.status_code == 200
    started = {row["process"]: 0 for row in volume.json()}
    for row in volume.json():
        started[row["process"]] += row["started"]
    assert all(started.get(process, 0) >= 10 for process in SERVICE_LINES), started

    overdue = supervisor.get("/api/v1/figures/overdue")
    assert overdue.status_code == 200 and overdue.json()["count"] > 0
    days = [row["working_days_overdue"] for row in overdue.json()["results"]]
    assert days == sorted(days, reverse=True)


def test_applicants_get_403_from_every_dashboard_endpoint(seeded, client_for):
    applicant = client_for("applicant")
    for url in (
        "/api/v1/figures/cases?line=complaints&figure=counts.received",
        "/api/v1/figures/volume",
        "/api/v1/figures/overdue",
        "/api/v1/complaints/stats?format=csv",
        "/api/v1/legal-aid/stats",
    ):
        assert applicant.get(url).status_code == 403, url
