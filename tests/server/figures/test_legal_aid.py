"""The cases behind the legal-aid figures, on the legal-aid stats' known mix."""

from __future__ import annotations

from tests.server.conftest import fire_timers_until
from tests.server.figures.conftest import csv_rows, drill, every_figure_adds_up
from tests.server.legal_aid.test_stats import on

MARCH = {"organisation": "LN-SY-HP", "from": "2026-03-01", "to": "2026-03-31"}


def test_every_legal_aid_figure_lists_as_many_cases_as_it_counts(client_for, clock, legal_aid_mix):
    fire_timers_until(clock, on(25))  # E's supplement period ends: treated as withdrawn
    supervisor = client_for("supervisor")
    counts = every_figure_adds_up(supervisor, "legal-aid", MARCH)
    assert (counts["received"], counts["decided"], counts["withdrawn"]) == (7, 5, 1)
    assert counts["by_channel.online"] == 7 and counts["assigned_within_deadline.count"] == 2
    assert counts["satisfaction.by_rating.excellent"] == 1

    decided = {row["instance"]: row["on_time"] for row in drill(supervisor, "legal-aid", "decided", MARCH)}
    cases = legal_aid_mix
    assert decided == {cases[name]: name != "G" for name in "ABCDG"}  # G was decided late
    undecided = drill(supervisor, "legal-aid", "overdue.undecided", MARCH)
    assert [(row["instance"], row["on_time"]) for row in undecided] == [(cases["F"], False)]
    unassigned = drill(supervisor, "legal-aid", "overdue.unassigned", MARCH)
    assert [row["instance"] for row in unassigned] == [cases["C"]]
    assert unassigned[0]["milestone_at"].startswith("2026-03-10T10:00")  # granted on objection
    assert [row["instance"] for row in drill(supervisor, "legal-aid", "objections.upheld", MARCH)] == [
        cases["C"]
    ]
    assert drill(supervisor, "legal-aid", "by_channel.window", MARCH) == []

    rows = {
        row[0]: row for row in csv_rows(supervisor.get("/api/v1/legal-aid/stats", {**MARCH, "format": "csv"}))
    }
    assert rows["subsidy.total"][1:3] == ["办案补贴合计（元） / Subsidies in all (CNY)", "2000.0"]
    assert rows["decided_within_deadline.rate"][2] == "80.0"
    assert rows["by_channel.online"][1] == "按申请渠道 / By channel: 网上申请 / Online"
    not_a_count = drill(supervisor, "legal-aid", "subsidy.total", MARCH, status=400)
    assert "Not a count of cases" in not_a_count["errors"]["figure"][0]


def test_legal_aid_cases_are_for_staff_in_scope(client_for, legal_aid):
    assert drill(client_for("applicant"), "legal-aid", "received", {}, status=403)["status"] == 403
    assert drill(client_for("caseworker"), "legal-aid", "received", {"organisation": "LN-SY"}, status=404)
    assert drill(client_for("supervisor"), "legal-aid", "received", {}) == []
