"""Demo data: reference tables seeded idempotently, back-dated cases at every stage."""

from __future__ import annotations

import random
from collections import Counter

from server.audit.models import Event
from server.legal_aid import demo as legal_aid_demo
from server.legal_aid.models import HardshipThreshold, Lawyer, LawyerConflict, SubsidyRate
from server.processes.models import ProcessInstance


def test_reference_data_can_be_seeded_twice(demo):
    legal_aid_demo.seed_reference_data()
    counts = [m.objects.count() for m in (HardshipThreshold, SubsidyRate, Lawyer, LawyerConflict)]
    legal_aid_demo.seed_reference_data()
    assert [m.objects.count() for m in (HardshipThreshold, SubsidyRate, Lawyer, LawyerConflict)] == counts
    assert sorted(Lawyer.objects.values_list("user__username", flat=True)) == ["lawyer", "lawyer2"]


def test_demo_cases_reach_every_stage_with_believable_figures(deploy_shipped, clock):
    legal_aid_demo.seed_reference_data()
    deploy_shipped("legal_aid_application")
    assert legal_aid_demo.seed_cases(count=40, rng=random.Random(7)) == 40
    cases = ProcessInstance.objects.filter(definition__key="legal_aid_application")
    assert cases.count() == 40
    assert cases.filter(status="error").count() == 0
    actions = Counter(Event.objects.filter(action__startswith="legal_aid.").values_list("action", flat=True))
    for milestone in ("legal_aid.received", "legal_aid.decided", "legal_aid.granted", "legal_aid.assigned"):
        assert actions[milestone] > 0, milestone
    assert actions["legal_aid.received"] == 40
    assert cases.filter(status="completed").exists() and cases.filter(status="running").exists()
