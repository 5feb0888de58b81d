"""GET /api/v1/mediation/stats: a known mix of cases gives known figures, from milestones alone."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.server.conftest import do_task, fire_timers_until
from tests.server.mediation.conftest import (
    ADMIN_FAILED,
    ADMIN_SUCCESS,
    FAILED,
    REFERRAL,
    SUCCESS,
    confirm,
    dispute,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = {"organisation": "LN-SY-HP", "from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def known_mix(mediation, bring, accept, client_for, clock):
    """Six disputes received in March 2026 at the Nanhu township office:

    settled       agreement in people's mediation, the court confirms the parties applied
    referred      failed, failed again at the judicial office, referred to the court
    risky         high risk: straight to the judicial office, agreement there, window lapses
    unaccepted    received, acceptance not yet done
    overrun       accepted 9 March, nobody mediated: the 30-day timer escalated it
    late          accepted 20 March, no outcome, its 30 days passed (timer not yet swept)
    """
    mediator, station = client_for("mediator"), client_for("station")
    cases = {}
    cases["settled"] = accept(bring())
    do_task(mediator, cases["settled"]["id"], "session", SUCCESS)
    confirm(client_for("caseworker"), cases["settled"], confirmation_applied_on="2026-03-12")
    cases["referred"] = accept(bring())
    do_task(mediator, cases["referred"]["id"], "session", FAILED)
    do_task(station, cases["referred"]["id"], "administrative_mediation", ADMIN_FAILED)
    do_task(station, cases["referred"]["id"], "refer", REFERRAL)
    cases["risky"] = accept(bring(dispute(risk={"weapons_mentioned": True})))
    do_task(station, cases["risky"]["id"], "administrative_mediation", ADMIN_SUCCESS)
    cases["unaccepted"] = bring()
    cases["overrun"] = accept(bring())

    clock.move_to(datetime(2026, 3, 20, 10, 0, tzinfo=SHANGHAI))
    cases["late"] = accept(bring())
    overrun_due = datetime.fromisoformat(cases["overrun"]["data"]["mediation_due"])
    fired = fire_timers_until(clock, overrun_due + timedelta(seconds=5))
    assert sorted(timer.bpmn_id for timer in fired) == ["confirmation_window_passed", "session_overdue"]
    clock.move_to(datetime(2026, 4, 25, 10, 0, tzinfo=SHANGHAI))
    return cases


def test_a_known_mix_of_disputes_gives_known_figures(known_mix, client_for, steps):
    response = client_for("supervisor").get("/api/v1/mediation/stats", MARCH)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"]["organisation"]["code"] == "LN-SY-HP"
    assert (body["scope"]["from"], body["scope"]["to"]) == ("2026-03-01", "2026-03-31")
    assert body["counts"] == {
        "received": 6,
        "accepted": 5,
        "risk_escalations": 1,
        "escalations": {"administrative": 3, "judicial": 1},
        "agreements": 2,
        "agreements_by_level": {"people": 1, "administrative": 1},
        "concluded": 3,
        "overruns": 1,
        "confirmations_applied": 1,
        "withdrawn": 0,
        "overdue": 2,
    }
    assert body["rates"] == {"acceptance_rate": 83.3, "agreement_rate": 66.7, "confirmation_rate": 50.0}
    # Every dispute should be accepted: 83.3% misses the plan's 100%.
    assert body["targets"] == {"acceptance_rate": 100.0}
    assert body["meets_targets"] == {"acceptance_rate": False}
    overdue = body["overdue"]
    assert [row["instance"] for row in overdue] == [known_mix["overrun"]["id"], known_mix["late"]["id"]]
    assert overdue[1]["organisation"] == "LN-SY-HP-NH"
    # 30 days from 20 March end on Sunday 19 April; the period runs on to Monday.
    assert datetime.fromisoformat(overdue[1]["mediation_due"]).date().isoformat() == "2026-04-20"


def test_the_period_and_the_organisation_choose_the_cohort(known_mix, client_for, steps):
    supervisor = client_for("supervisor")
    later = supervisor.get("/api/v1/mediation/stats", {**MARCH, "from": "2026-03-10"}).json()
    assert later["counts"]["received"] == 1 and later["counts"]["overdue"] == 1
    assert later["rates"] == {"acceptance_rate": 100.0, "agreement_rate": None, "confirmation_rate": None}
    assert later["meets_targets"] == {"acceptance_rate": True}
    elsewhere = supervisor.get("/api/v1/mediation/stats", {**MARCH, "organisation": "LN-SY-SH"}).json()
    assert elsewhere["counts"]["received"] == 0 and elsewhere["overdue"] == []
    assert elsewhere["rates"]["acceptance_rate"] is None
    assert elsewhere["meets_targets"] == {"acceptance_rate": False}  # nothing received: not met
    station = client_for("station").get("/api/v1/mediation/stats", {"from": "2026-03-01", "to": "2026-03-31"})
    assert station.status_code == 200 and station.json()["counts"]["received"] == 6  # its own office


def test_the_figures_are_for_staff_within_their_scope(mediation, client_for):
    assert client_for("applicant").get("/api/v1/mediation/stats").status_code == 403
    assert (
        client_for("station").get("/api/v1/mediation/stats", {"organisation": "LN-SY-HP"}).status_code == 404
    )
    bad = client_for("supervisor").get("/api/v1/mediation/stats", {"from": "2026-04-01", "to": "2026-03-01"})
    assert bad.status_code == 400 and "from" in bad.json()["errors"]
    assert client_for("supervisor").get("/api/v1/mediation/stats", {"from": "soon"}).status_code == 400
