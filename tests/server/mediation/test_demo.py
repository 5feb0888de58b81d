"""The demo seeding: believable cases at every stage, made through the real services."""

import random
from collections import Counter

from server.audit.models import Event
from server.mediation.demo import seed_cases, seed_reference_data
from server.mediation.models import Mediator
from server.processes.models import ProcessInstance


def test_demo_cases_cover_every_stage_and_give_figures(mediation, client_for, clock):
    seed_reference_data()
    assert Mediator.objects.count() == 2
    made = seed_cases(count=60, rng=random.Random("lexflow"))
    cases = ProcessInstance.objects.filter(definition__key="mediation")
    assert made == cases.count() == 60
    assert not cases.filter(status="error").exists()
    stages = Counter(cases.values_list("stage", flat=True))
    for stage in (
        "受理中 / Being accepted",
        "调解中 / Under mediation",
        "司法所调解中 / Mediation at the township judicial office",
        "调解成功，已申请司法确认 / Settled, judicial confirmation applied for",
    ):
        assert stages[stage], (stage, stages)
    actions = Counter(Event.objects.filter(action__startswith="mediation.").values_list("action", flat=True))
    for action in (
        "mediation.risk_escalated",
        "mediation.overrun",
        "mediation.referred",
        "mediation.agreement",
    ):
        assert actions[action], (action, actions)
    # Seeding freezes the clock at each step; the milestone still carries what the step computed.
    # The parties' applications for confirmation came in as the court system's messages.
    confirmed = Event.objects.filter(
        action="message.delivered", detail__name="mediation.judicial_confirmation"
    )
    assert confirmed.exists() and {event.detail["client"] for event in confirmed} == {
        "和平区人民法院 / Heping District People's Court"
    }
    accepted = Event.objects.filter(action="mediation.accepted")
    assert accepted.exists() and all(event.detail["mediation_due"] for event in accepted)
    started = cases.values_list("created_at", flat=True)
    assert (max(started) - min(started)).days >= 30  # spread over the last two months

    body = client_for("supervisor").get("/api/v1/mediation/stats", {"from": "2026-01-01"}).json()
    assert body["counts"]["received"] == 60
    assert body["counts"]["overdue"] > 0 and body["rates"]["agreement_rate"] is not None
