"""GET /api/v1/notary/stats: a known mix of cases gives known figures, all from milestone events."""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.server.conftest import do_task, fire_timers_until, start_case
from tests.server.notary.conftest import (
    ACCEPT,
    ELDERLY_ID,
    HANDLED,
    PASS,
    PROCESS,
    application,
    issue,
    send_back,
    through_checks,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def stats(client, **params) -> dict:
    response = client.get("/api/v1/notary/stats", params)
    assert response.status_code == 200, response.content
    return response.json()


def accepted(client_for, data: dict) -> int:
    case_id = start_case(client_for("applicant"), PROCESS, data)["id"]
    do_task(client_for("caseworker"), case_id, "accept", ACCEPT)
    return case_id


def notary_of(client_for, case_id: int) -> str:
    return client_for("director").get(f"/api/v1/instances/{case_id}").json()["data"]["assignment"]["notary"]


def test_a_known_mix_of_cases_gives_known_figures(client_for, notary_process, clock, steps, demo):
    # February: a legal-aid case, outside the March period but inside the quota year.
    clock.move_to(datetime(2026, 2, 10, 9, 0, tzinfo=SHANGHAI))
    february = accepted(client_for, application(legal_aid_recipient=True))
    through_checks(client_for, february, notary=notary_of(client_for, february))
    issue(client_for, february, notary=notary_of(client_for, february), fee=0)

    clock.move_to(datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI))
    # A: ordinary, issued the same day.
    a = accepted(client_for, application())
    through_checks(client_for, a, notary=notary_of(client_for, a))
    issue(client_for, a, notary=notary_of(client_for, a))
    # B: elderly (fee reduced), sent back twice by the reviewer, then issued.
    b = accepted(client_for, application(id_number=ELDERLY_ID))
    notary_b = notary_of(client_for, b)
    for _ in range(2):
        do_task(client_for(notary_b), b, "handle", HANDLED)
        do_task(client_for(notary_b), b, "self_check", PASS["self_check"])
        do_task(client_for("reviewer"), b, "review", send_back("review"))
    through_checks(client_for, b, notary=notary_b)
    issue(client_for, b, notary=notary_b, fee=100)
    # C: legal-aid matter (fee waived), sent back once by the notary's own check.
    c = accepted(client_for, application(legal_aid_matter=True))
    notary_c = notary_of(client_for, c)
    do_task(client_for(notary_c), c, "handle", HANDLED)
    do_task(client_for(notary_c), c, "self_check", send_back("self_check"))
    through_checks(client_for, c, notary=notary_c)
    issue(client_for, c, notary=notary_c, fee=0)
    # D: refused.
    d = start_case(client_for("applicant"), PROCESS, application())["id"]
    do_task(
        client_for("caseworker"),
        d,
        "accept",
        {"acceptance_decision": "refuse", "refusal_reasons": "非本处受理范围"},
    )
    # E and G: accepted today, still in hand when the deadline passes.
    e = accepted(client_for, application())
    g = accepted(client_for, application())
    # F: low-income (fee waived), not yet accepted.
    start_case(client_for("applicant"), PROCESS, application(low_income=True))

    due = datetime(2026, 3, 30, 23, 59, 59, tzinfo=SHANGHAI)
    fire_timers_until(clock, due + timedelta(hours=10))
    through_checks(client_for, g, notary=notary_of(client_for, g))
    issue(client_for, g, notary=notary_of(client_for, g))  # late

    figures = stats(client_for("director"), **MARCH)
    assert figures["scope"]["organisation"]["code"] == "LN-SY-HP"
    assert (figures["scope"]["from"], figures["scope"]["to"]) == ("2026-03-01", "2026-03-31")
    assert {
        key: figures[key] for key in ("received", "accepted", "refused", "certificates_issued", "visits")
    } == {
        "received": 7,
        "accepted": 5,
        "refused": 1,
        "certificates_issued": 4,
        "visits": 0,
    }
    assert figures["issued_within_deadline"] == {"count": 3, "rate": 75.0}
    assert figures["targets"] == {"issued_within_deadline": 100.0}  # every certificate in 15 working days
    assert figures["meets_targets"] == {"issued_within_deadline": False}
    assert figures["green_channel"] == {"count": 3, "rate": 42.9}
    assert figures["fee_waivers"] == {"waived": 2, "reduced": 1}
    assert figures["returned_by_quality_check"] == {
        "self_check": {"cases": 1, "returns": 1},
        "review": {"cases": 1, "returns": 2},
        "spot_check": {"cases": 0, "returns": 0},
    }
    assert [(row["instance"], row["escalated"]) for row in figures["overdue"]] == [(e, True)]
    overdue = figures["overdue"][0]
    assert datetime.fromisoformat(overdue["certificate_due"]) == due
    assert overdue["notary"] == notary_of(client_for, e) and overdue["case_number"].startswith(
        "(2026)LN-SY-HP"
    )

    # The quota covers the whole year of `to`, the February case included.
    expected = Counter([notary_of(client_for, february), notary_c])
    quota = figures["legal_aid_quota"]
    assert quota["year"] == 2026
    assert {row["notary"]: (row["count"], row["target"], row["met"]) for row in quota["notaries"]} == {
        "notary": (expected["notary"], 3, False),
        "notary2": (expected["notary2"], 3, False),
    }
    assert (quota["met"], quota["behind"]) == (0, 2)

    # February alone: one case received, accepted and issued in time.
    february_only = stats(client_for("director"), **{"from": "2026-02-01", "to": "2026-02-28"})
    assert (february_only["received"], february_only["certificates_issued"]) == (1, 1)
    assert february_only["issued_within_deadline"] == {"count": 1, "rate": 100.0}
    assert february_only["meets_targets"] == {"issued_within_deadline": True}
    # A supervisor above sees the same; a county with no cases shows zeros and null rates.
    assert stats(client_for("supervisor"), organisation="LN-SY", **MARCH)["received"] == 7
    empty = stats(client_for("supervisor"), organisation="LN-SY-SH", **MARCH)
    assert empty["received"] == 0 and empty["issued_within_deadline"] == {"count": 0, "rate": None}
    assert empty["legal_aid_quota"]["notaries"] == []


def test_figures_are_for_staff_in_scope_with_valid_dates(client_for, demo):
    assert client_for("applicant").get("/api/v1/notary/stats").status_code == 403
    assert client_for("notary").get("/api/v1/notary/stats", {"organisation": "LN-SY"}).status_code == 404
    bad = client_for("director").get("/api/v1/notary/stats", {"from": "2026-04-01", "to": "2026-03-01"})
    assert bad.status_code == 400 and "from" in bad.json()["errors"]
    assert client_for("director").get("/api/v1/notary/stats", {"to": "soon"}).status_code == 400
