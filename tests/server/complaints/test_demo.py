"""The complaint demo: reference data and back-dated cases at every stage, through the services."""

from __future__ import annotations

import random
from collections import Counter

from django.utils import timezone

from server.complaints.demo import FOLLOW_UPS, seed_cases, seed_reference_data
from server.complaints.models import IneligibilityGround
from server.processes.models import HumanTask, ProcessInstance


def test_seeding_the_reference_data_twice_keeps_an_administrators_rewording(db):
    seed_reference_data()
    IneligibilityGround.objects.filter(code="other").update(explanation="见下文。")
    seed_reference_data()
    assert IneligibilityGround.objects.count() == 5
    assert IneligibilityGround.objects.get(code="other").explanation == "见下文。"


def test_demo_complaints_reach_every_stage_with_some_overdue_and_escalated(
    complaint_process, client_for, clock
):
    seed_reference_data()
    assert seed_cases(count=40, rng=random.Random(2026)) == 40
    cases = ProcessInstance.objects.filter(definition__key="complaint")
    assert cases.count() == 40 and not cases.filter(status="error").exists()
    stages = Counter(cases.values_list("stage", flat=True))
    assert len(stages) >= 5, stages
    assert cases.filter(status="completed").exists() and cases.filter(status="running").exists()
    assert HumanTask.objects.filter(status="open", due_at__lt=timezone.now()).exists()
    assert HumanTask.objects.filter(bpmn_id__in=FOLLOW_UPS).exists()

    since = (timezone.localdate() - timezone.timedelta(days=70)).isoformat()
    figures = client_for("supervisor").get(f"/api/v1/complaints/stats?from={since}").json()
    assert figures["counts"]["received"] == 40
    assert 0 < figures["counts"]["accepted"] <= figures["counts"]["eligible"]
    assert figures["overdue"]
