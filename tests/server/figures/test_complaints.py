"""The cases behind the complaint figures, and the figures as CSV, on the complaint stats' known mix."""

from __future__ import annotations

from urllib.parse import unquote

from tests.server.figures.conftest import csv_rows, drill, every_figure_adds_up

MARCH = {"organisation": "LN-SY", "from": "2026-03-01", "to": "2026-03-31"}


def test_every_complaint_figure_lists_as_many_cases_as_it_counts(client_for, complaint_mix):
    counts = every_figure_adds_up(client_for("supervisor"), "complaints", MARCH)
    assert counts["counts.received"] == 5 and counts["counts.accepted"] == 3
    assert counts["counts.replied_on_time"] == 1 and counts["overdue"] == 2
    assert counts["ineligible.by_ground.not_legal_service"] == 1
    heping = every_figure_adds_up(
        client_for("supervisor"), "complaints", {**MARCH, "organisation": "LN-SY-HP"}
    )
    assert heping["counts.received"] == 3


def test_a_figure_s_cases_say_where_and_when_and_whether_on_time(client_for, demo, complaint_mix):
    supervisor = client_for("supervisor")
    accepted = drill(supervisor, "complaints", "counts.accepted", MARCH)
    by_case = {row["instance"]: row for row in accepted}
    ids = {name: complaint_mix[name]["id"] for name in "ABC"}
    assert sorted(by_case) == sorted(ids.values())
    assert [by_case[ids[name]]["on_time"] for name in "ABC"] == [True, True, False]
    late = by_case[ids["C"]]
    assert late["business_key"] == complaint_mix["C"]["business_key"] and late["process"] == "complaint"
    shenhe = demo["LN-SY-SH"]
    assert late["organisation"] == {"id": shenhe.pk, "code": "LN-SY-SH", "name": shenhe.name}
    assert late["started_at"].startswith("2026-03-09T")
    assert late["milestone_at"].startswith("2026-03-26T10:00")  # accepted two days late

    overdue = drill(supervisor, "complaints", "overdue", MARCH)
    assert sorted(row["instance"] for row in overdue) == sorted(
        [complaint_mix["C"]["id"], complaint_mix["D"]["id"]]
    )
    assert {row["on_time"] for row in overdue} == {False}
    received = drill(supervisor, "complaints", "counts.received", MARCH)
    assert {row["on_time"] for row in received} == {None}  # receiving has no deadline
    ineligible = drill(supervisor, "complaints", "ineligible.by_ground.not_legal_service", MARCH)
    assert [row["instance"] for row in ineligible] == [complaint_mix["E"]["id"]]
    assert drill(supervisor, "complaints", "ineligible.by_ground.other", MARCH) == []

    # The default scope is the caller's own organisation, as for the stats.
    heping = drill(client_for("caseworker"), "complaints", "counts.accepted", {"from": "2026-03-01"})
    assert sorted(row["instance"] for row in heping) == sorted([ids["A"], ids["B"]])


def test_unknown_lines_and_figures_are_400s_naming_the_field(client_for, complaint_process):
    supervisor = client_for("supervisor")
    assert "line" in drill(supervisor, "parking", "counts.received", {}, status=400)["errors"]
    unknown = drill(supervisor, "complaints", "counts.nope", {}, status=400)
    assert "counts.nope" in unknown["errors"]["figure"][0]
    rate = drill(supervisor, "complaints", "rates.acceptance_rate", {}, status=400)
    assert "Not a count of cases" in rate["errors"]["figure"][0]
    missing = supervisor.get("/api/v1/figures/cases", {"line": "complaints"})
    assert missing.status_code == 400 and "figure" in missing.json()["errors"]
    bad_period = drill(
        supervisor, "complaints", "counts.received", {"from": "2026-04-01", "to": "2026-03-01"}, status=400
    )
    assert "from" in bad_period["errors"]
    assert (
        "format"
        in drill(supervisor, "complaints", "counts.received", {"format": "csv"}, status=400)["errors"]
    )


def test_the_cases_behind_figures_follow_the_scope_of_the_stats(client_for, complaint_process):
    assert drill(client_for("applicant"), "complaints", "counts.received", {}, status=403)["status"] == 403
    caseworker = client_for("caseworker")
    assert drill(caseworker, "complaints", "counts.received", {"organisation": "LN-SY"}, status=404)
    assert drill(caseworker, "complaints", "counts.received", {"organisation": "LN-SY-SH"}, status=404)
    assert drill(
        client_for("supervisor"), "complaints", "counts.received", {"organisation": "LN"}, status=404
    )
    assert drill(
        client_for("supervisor"), "complaints", "counts.received", {"organisation": "NOPE"}, status=404
    )


def test_the_figures_download_as_a_bilingual_csv_excel_can_open(client_for, complaint_mix):
    supervisor = client_for("supervisor")
    response = supervisor.get("/api/v1/complaints/stats", {**MARCH, "format": "csv"})
    rows = csv_rows(response)
    assert rows[0] == [
        "指标 / Figure",
        "说明 / Description",
        "数值 / Value",
        "机构 / Organisation",
        "起 / From",
        "止 / To",
    ]
    by_key = {row[0]: row for row in rows[1:]}
    assert by_key["counts.received"][1:] == [
        "收到投诉 / Received",
        "5",
        "沈阳市司法局 (LN-SY)",
        "2026-03-01",
        "2026-03-31",
    ]
    assert by_key["rates.acceptance_rate"][2] == "75.0"
    assert by_key["rates.on_time_reply_rate"][2] == "50.0"
    assert by_key["meets_targets.acceptance_rate"][2] == "否 / No"
    assert by_key["overdue"][2] == "2"
    ground = by_key["ineligible.by_ground.not_legal_service"]
    assert ground[2] == "1" and "Not about a legal-service provider" in ground[1]
    assert len({row[0] for row in rows[1:]}) == len(rows) - 1  # one row per figure

    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="complaints_LN-SY_20260301-20260331.csv"')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "投诉处理_沈阳市司法局_20260301-20260331.csv"

    # Asking by Accept header gives the same file; ?format=json (or nothing) the JSON answer.
    assert (
        supervisor.get("/api/v1/complaints/stats", MARCH, HTTP_ACCEPT="text/csv").content == response.content
    )
    as_json = supervisor.get("/api/v1/complaints/stats", {**MARCH, "format": "json"})
    assert as_json["Content-Type"] == "application/json" and as_json.json()["counts"]["received"] == 5


def test_a_csv_request_that_fails_gets_a_json_problem(client_for, complaint_process):
    bad = client_for("supervisor").get("/api/v1/complaints/stats", {"from": "soon", "format": "csv"})
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/json")
    assert "from" in bad.json()["errors"]
    forbidden = client_for("applicant").get("/api/v1/complaints/stats", {"format": "csv"})
    assert forbidden.status_code == 403 and forbidden.json()["status"] == 403
    unknown = client_for("supervisor").get("/api/v1/complaints/stats", {"format": "xlsx"})
    assert unknown.status_code == 400 and "format" in unknown.json()["errors"]


def test_names_that_a_spreadsheet_would_run_as_formulas_are_quoted():
    from server.processes.figures_api import FiguresCsvRenderer

    text = FiguresCsvRenderer().render([["指标 / Figure", "数值 / Value"], ["=HYPERLINK(1)", 3], ["-5", -5]])
    assert text.decode("utf-8-sig").splitlines() == [
        "指标 / Figure,数值 / Value",
        "'=HYPERLINK(1),3",
        "'-5,-5",
    ]
