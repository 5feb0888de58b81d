"""`GET /api/v1/complaints/stats`: a known mix of complaints gives known figures."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.server.complaints.conftest import (
    ACCEPT,
    APPROVE,
    ELIGIBLE,
    INVESTIGATE,
    REPLY,
    accept_on_time,
    complain,
    reply,
)
from tests.server.conftest import do_task

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = "from=2026-03-01&to=2026-03-31"


def stats(client, query: str = "", *, status: int = 200) -> dict:
    response = client.get(f"/api/v1/complaints/stats?{query}")
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def known_mix(client_for, complaint_process, shenhe_staff, demo, clock, steps):
    """Five complaints received on 9 March 2026 under the Shenyang city bureau, one in April.

    Heping (LN-SY-HP): A accepted and replied on time (rated satisfied); B accepted on time,
    replied late (rated not satisfied); E not accepted. Shenhe (LN-SY-SH): C accepted late, not
    replied; D eligible, never accepted. G received 20 April in Heping, not yet checked.
    Built through the API under `steps`, so each test runs warm and restored-between-steps.
    """
    applicant, applicant2 = client_for("applicant"), client_for("applicant2")
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")
    shenhe = client_for("sh_caseworker")
    a, b, e = complain(applicant), complain(applicant), complain(applicant2, target_type="other")
    c = complain(applicant2, organisation=demo["LN-SY-SH"])
    d = complain(applicant2, organisation=demo["LN-SY-SH"])

    accept_on_time(caseworker, a["id"])
    reply(caseworker, reviewer, a["id"])
    do_task(applicant, a["id"], "rate_reply", {"satisfaction": "satisfied"})
    accept_on_time(caseworker, b["id"])
    do_task(caseworker, b["id"], "investigate", INVESTIGATE)
    ineligible = {
        "eligible": False,
        "ineligible_ground": "not_legal_service",
        "ineligible_reason": "不属于法律服务投诉。",
    }
    do_task(caseworker, e["id"], "check_eligibility", ineligible)
    do_task(shenhe, c["id"], "check_eligibility", ELIGIBLE)
    do_task(shenhe, d["id"], "check_eligibility", ELIGIBLE)

    clock.move_to(datetime(2026, 3, 26, 10, 0, tzinfo=SHANGHAI))  # C's acceptance was due on the 24th
    c_accepted = do_task(shenhe, c["id"], "accept", ACCEPT)
    clock.move_to(datetime(2026, 4, 20, 10, 0, tzinfo=SHANGHAI))
    g = complain(applicant)
    clock.move_to(datetime(2026, 5, 12, 10, 0, tzinfo=SHANGHAI))  # B's reply was due on 8 May
    do_task(caseworker, b["id"], "write_reply", REPLY)
    do_task(reviewer, b["id"], "approve_reply", APPROVE)
    do_task(applicant, b["id"], "rate_reply", {"satisfaction": "not_satisfied", "feedback_comment": "太慢"})
    clock.move_to(datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI))
    return {"A": a, "B": b, "C": c_accepted, "D": d, "E": e, "G": g}


def test_a_known_mix_gives_known_rates_for_the_city_and_everything_below_it(client_for, steps, known_mix):
    figures = stats(client_for("supervisor"), MARCH)
    assert figures["scope"]["organisation"]["code"] == "LN-SY"
    assert (figures["scope"]["from"], figures["scope"]["to"]) == ("2026-03-01", "2026-03-31")
    assert figures["counts"] == {
        "received": 5,
        "eligible": 4,
        "ineligible": 1,
        "accepted": 3,
        "accepted_on_time": 2,
        "replied": 2,
        "replied_on_time": 1,
        "acceptance_escalated": 0,
        "reply_escalated": 0,
        "withdrawn": 0,
        "ended_before_acceptance": 0,
        "ended_before_reply": 0,
    }
    assert figures["rates"] == {
        "acceptance_rate": 75.0,
        "reply_rate": 66.7,
        "on_time_acceptance_rate": 66.7,
        "on_time_reply_rate": 50.0,
        "satisfaction_rate": 50.0,
    }
    assert figures["targets"] == {"acceptance_rate": 100.0, "reply_rate": 100.0}
    assert figures["meets_targets"] == {"acceptance_rate": False, "reply_rate": False}
    assert figures["ineligible"] == {
        "count": 1,
        "with_written_reason": 1,
        "by_ground": [
            {
                "ground": "not_legal_service",
                "title": "不属于法律服务投诉 / Not about a legal-service provider",
                "count": 1,
            }
        ],
    }
    assert figures["satisfaction"] == {"satisfied": 1, "not_satisfied": 1, "no_answer": 0, "rate": 50.0}

    # D: eligible, never accepted (due 24 March); C: accepted 26 March, reply due 25 May.
    overdue = [(row["instance"], row["kind"], row["step"], row["days_overdue"]) for row in figures["overdue"]]
    assert overdue == [
        (known_mix["D"]["id"], "acceptance", "acceptance", 69),
        (known_mix["C"]["id"], "reply", "reply", 7),
    ]
    first = figures["overdue"][0]
    assert first["organisation"] == "LN-SY-SH" and first["due"] == "2026-03-24T23:59:59+08:00"
    assert first["what"] == "逾期未作出受理决定 / Acceptance decision overdue" and first["escalated"] is False
    assert figures["overdue"][1]["due"] == known_mix["C"]["data"]["reply_due"]


def test_one_county_alone_counts_only_its_own_complaints(client_for, steps, known_mix):
    supervisor = client_for("supervisor")
    heping = stats(supervisor, f"organisation=LN-SY-HP&{MARCH}")
    assert heping["scope"]["organisation"]["code"] == "LN-SY-HP"
    counts = heping["counts"]
    assert (counts["received"], counts["eligible"], counts["ineligible"]) == (3, 2, 1)
    assert (counts["accepted"], counts["accepted_on_time"], counts["replied"], counts["replied_on_time"]) == (
        2,
        2,
        2,
        1,
    )
    assert heping["rates"]["acceptance_rate"] == 100.0 and heping["rates"]["reply_rate"] == 100.0
    assert (
        heping["rates"]["on_time_acceptance_rate"] == 100.0 and heping["rates"]["on_time_reply_rate"] == 50.0
    )
    assert heping["meets_targets"] == {"acceptance_rate": True, "reply_rate": True}
    assert heping["overdue"] == []

    shenhe_id = stats(supervisor, f"organisation={known_mix['C']['organisation']['id']}&{MARCH}")
    assert shenhe_id["scope"]["organisation"]["code"] == "LN-SY-SH"
    assert shenhe_id["counts"]["received"] == 2 and shenhe_id["counts"]["accepted"] == 1
    assert shenhe_id["rates"]["acceptance_rate"] == 50.0 and shenhe_id["rates"]["reply_rate"] == 0.0
    assert shenhe_id["rates"]["on_time_reply_rate"] is None  # nothing replied: nothing to divide

    # A caseworker sees their own county by default, the same figures.
    assert stats(client_for("caseworker"), MARCH)["counts"] == heping["counts"]


def test_the_period_counts_complaints_by_when_they_were_received(client_for, steps, known_mix):
    supervisor = client_for("supervisor")
    april = stats(supervisor, "from=2026-04-01&to=2026-04-30")
    assert april["counts"]["received"] == 1 and april["counts"]["eligible"] == 0
    assert april["rates"]["acceptance_rate"] is None
    assert [(row["instance"], row["step"]) for row in april["overdue"]] == [
        (known_mix["G"]["id"], "eligibility")
    ]
    assert april["overdue"][0]["due"] == known_mix["G"]["data"]["acceptance_due"]
    # B was replied in May, but it was received in March: it counts in March, not in May.
    assert stats(supervisor, "from=2026-05-01&to=2026-05-31")["counts"]["received"] == 0
    whole_year = stats(supervisor)  # default: 1 January to today
    assert (whole_year["scope"]["from"], whole_year["scope"]["to"]) == ("2026-01-01", "2026-06-01")
    assert whole_year["counts"]["received"] == 6


def test_figures_are_for_staff_within_their_own_scope(client_for, complaint_process, demo):
    assert stats(client_for("applicant"), status=403)["status"] == 403
    assert stats(client_for("caseworker"), "organisation=LN-SY-SH", status=404)["status"] == 404
    assert stats(client_for("caseworker"), "organisation=LN-SY", status=404)["status"] == 404
    assert stats(client_for("supervisor"), "organisation=LN", status=404)["status"] == 404
    assert stats(client_for("supervisor"), "organisation=NO-SUCH", status=404)["status"] == 404
    assert stats(client_for("supervisor"), "organisation=LN-SY-HP-NH")["counts"]["received"] == 0


def test_a_bad_period_is_a_400_naming_the_field(client_for, complaint_process):
    supervisor = client_for("supervisor")
    assert "from" in stats(supervisor, "from=2026-13-01", status=400)["errors"]
    assert "to" in stats(supervisor, "to=yesterday", status=400)["errors"]
    assert "from" in stats(supervisor, "from=2026-04-01&to=2026-03-01", status=400)["errors"]
