"""The cases behind the notary figures, on the notary stats test's known mix."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.server.conftest import do_task, fire_timers_until, start_case
from tests.server.figures.conftest import csv_rows, drill, every_figure_adds_up
from tests.server.notary.conftest import (
    ELDERLY_ID,
    HANDLED,
    PASS,
    PROCESS,
    application,
    issue,
    send_back,
    through_checks,
)
from tests.server.notary.test_stats import accepted, notary_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = {"organisation": "LN-SY", "from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def notary_mix(client_for, notary_process, clock, demo) -> dict[str, int]:
    """The mix of the notary stats test (that test builds it inline): in March 2026 at Heping,
    A issued the same day; B sent back twice by the reviewer, then issued; C (legal aid) sent
    back once by the notary's own check, issued; D refused; E accepted, overdue; F not yet
    accepted; G accepted and issued late. One legal-aid case in February."""
    clock.move_to(datetime(2026, 2, 10, 9, 0, tzinfo=SHANGHAI))
    february = accepted(client_for, application(legal_aid_recipient=True))
    through_checks(client_for, february, notary=notary_of(client_for, february))
    issue(client_for, february, notary=notary_of(client_for, february), fee=0)

    clock.move_to(datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI))
    cases = {"A": accepted(client_for, application())}
    through_checks(client_for, cases["A"], notary=notary_of(client_for, cases["A"]))
    issue(client_for, cases["A"], notary=notary_of(client_for, cases["A"]))
    cases["B"] = b = accepted(client_for, application(id_number=ELDERLY_ID))
    notary_b = notary_of(client_for, b)
    for _ in range(2):
        do_task(client_for(notary_b), b, "handle", HANDLED)
        do_task(client_for(notary_b), b, "self_check", PASS["self_check"])
        do_task(client_for("reviewer"), b, "review", send_back("review"))
    through_checks(client_for, b, notary=notary_b)
    issue(client_for, b, notary=notary_b, fee=100)
    cases["C"] = c = accepted(client_for, application(legal_aid_matter=True))
    notary_c = notary_of(client_for, c)
    do_task(client_for(notary_c), c, "handle", HANDLED)
    do_task(client_for(notary_c), c, "self_check", send_back("self_check"))
    through_checks(client_for, c, notary=notary_c)
    issue(client_for, c, notary=notary_c, fee=0)
    cases["D"] = start_case(client_for("applicant"), PROCESS, application())["id"]
    refusal = {"acceptance_decision": "refuse", "refusal_reasons": "非本处受理范围"}
    do_task(client_for("caseworker"), cases["D"], "accept", refusal)
    cases["E"] = accepted(client_for, application())
    cases["G"] = accepted(client_for, application())
    cases["F"] = start_case(client_for("applicant"), PROCESS, application(low_income=True))["id"]

    fire_timers_until(clock, datetime(2026, 3, 30, 23, 59, 59, tzinfo=SHANGHAI) + timedelta(hours=10))
    through_checks(client_for, cases["G"], notary=notary_of(client_for, cases["G"]))
    issue(client_for, cases["G"], notary=notary_of(client_for, cases["G"]))  # late
    return cases


def test_every_notary_figure_lists_as_many_cases_as_it_counts(client_for, notary_mix):
    supervisor = client_for("supervisor")
    counts = every_figure_adds_up(supervisor, "notary", MARCH)
    assert (counts["received"], counts["accepted"], counts["certificates_issued"]) == (7, 5, 4)
    assert counts["issued_within_deadline.count"] == 3 and counts["fee_waivers.waived"] == 2

    issued = {
        row["instance"]: row["on_time"] for row in drill(supervisor, "notary", "certificates_issued", MARCH)
    }
    assert issued == {
        notary_mix["A"]: True,
        notary_mix["B"]: True,
        notary_mix["C"]: True,
        notary_mix["G"]: False,
    }
    reviewed = drill(supervisor, "notary", "returned_by_quality_check.review.cases", MARCH)
    assert [row["instance"] for row in reviewed] == [notary_mix["B"]]  # one case, sent back twice
    assert [row["instance"] for row in drill(supervisor, "notary", "overdue", MARCH)] == [notary_mix["E"]]

    rows = {
        row[0]: row for row in csv_rows(supervisor.get("/api/v1/notary/stats", {**MARCH, "format": "csv"}))
    }
    assert rows["returned_by_quality_check.review.returns"][2] == "2"
    assert rows["legal_aid_quota.notaries.notary.target"][1].startswith(
        "notary：年度配额 / notary: yearly target"
    )
    assert rows["legal_aid_quota.notaries.notary.met"][2] == "否 / No"
    sends = drill(supervisor, "notary", "returned_by_quality_check.review.returns", MARCH, status=400)
    assert "Not a count of cases" in sends["errors"]["figure"][0]
    assert "figure" in drill(supervisor, "notary", "legal_aid_quota.met", MARCH, status=400)["errors"]
