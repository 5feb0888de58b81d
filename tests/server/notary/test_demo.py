"""The demo seeding: reference data once, and cases made through the real services."""

import random
from datetime import timedelta

from django.utils import timezone

from server.notary.demo import seed_cases, seed_reference_data
from server.notary.models import QuotaTarget
from server.processes.models import ProcessInstance


def test_demo_cases_reach_every_stage_and_the_figures_count_them(client_for, notary_process):
    seed_reference_data()
    seed_reference_data()
    assert QuotaTarget.objects.get(organisation__code="LN").cases_per_year == 3
    assert seed_cases(count=40, rng=random.Random(7)) == 40
    cases = ProcessInstance.objects.filter(definition__key="notary_intake")
    assert cases.count() == 40 and cases.filter(status="error").count() == 0
    assert cases.filter(status="completed").exists() and cases.filter(status="running").exists()
    since = (timezone.localdate() - timedelta(days=70)).isoformat()
    figures = (
        client_for("supervisor").get("/api/v1/notary/stats", {"organisation": "LN-SY", "from": since}).json()
    )
    assert figures["received"] == 40
    assert figures["certificates_issued"] >= 1 and figures["overdue"] and figures["refused"] >= 1
