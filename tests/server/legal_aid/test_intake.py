"""Intake: the application form, the ID number check, and the four channels."""

from __future__ import annotations

from tests.server.conftest import do_task, start_case
from tests.server.legal_aid.conftest import (
    PROCESS,
    application,
    grant,
    id_number,
    issue_letter,
    materials_complete,
    milestone,
    milestones,
    open_task_ids,
    refused_form,
    wrong_check_digit,
)


def test_an_invalid_id_number_stops_intake_until_a_caseworker_corrects_it(
    client_for, legal_aid, clock, steps
):
    wrong = wrong_check_digit(id_number())
    case = start_case(
        client_for("applicant"),
        PROCESS,
        application(applicant={"name": "张三 Zhang San", "id_number": wrong}),
    )
    assert case["status"] == "running"
    assert case["stage"] == "身份证号码有误，待更正 / The ID number is wrong and must be corrected"
    assert open_task_ids(case) == ["correct_identity"]
    assert case["data"]["id_check"]["valid"] is False
    assert (
        "校验位" in case["data"]["id_check"]["message"]
        and "check digit" in case["data"]["id_check"]["message"]
    )
    assert milestones(case["id"]) == []  # not received until the applicant is identified

    # A number with an impossible birth date fails again and comes back for correction.
    case = do_task(
        client_for("caseworker"),
        case["id"],
        "correct_identity",
        {"corrected_id_number": "210102198013451234"},
    )
    assert open_task_ids(case) == ["correct_identity"]
    assert "出生日期" in case["data"]["id_check"]["message"]

    right = id_number().lower()  # a lower-case x is accepted and stored upper-case
    case = do_task(
        client_for("caseworker"),
        case["id"],
        "correct_identity",
        {"corrected_id_number": right, "correction_note": "电话核实 / Confirmed by phone"},
    )
    assert case["stage"] == "材料审查中 / Checking your materials"
    assert case["data"]["applicant"]["id_number"] == right.upper()
    assert case["data"]["id_check"]["valid"] is True
    assert milestones(case["id"]) == ["legal_aid.received"]


def test_a_bad_application_form_is_refused_naming_each_field(client_for, legal_aid):
    data = application(
        applicant={"name": "张", "id_number": "12345"},
        region_code="21010",
        channel="fax",
        exemption_category="none",
        monthly_income_per_capita=None,  # required when not exempt
        limitation_period_ends="next week",
        opposing_parties=[{"id_number": "210102198005121234"}],
        assigned_lawyer="lawyer2",  # not a field of the form: nobody picks their own lawyer
    )
    body = start_case(client_for("applicant"), PROCESS, data, status=400)
    assert {
        "data.applicant.name",
        "data.applicant.id_number",
        "data.region_code",
        "data.channel",
        "data.monthly_income_per_capita",
        "data.limitation_period_ends",
        "data.opposing_parties.0.name",
        "data.assigned_lawyer",
    } <= set(body["errors"]), body["errors"]
    missing = start_case(client_for("applicant"), PROCESS, {"channel": "online"}, status=400)
    assert {"data.applicant", "data.region_code", "data.case_type", "data.matter"} <= set(missing["errors"])


def test_a_caseworker_records_a_hotline_application_and_the_centre_answers_for_the_applicant(
    client_for, legal_aid, clock, steps
):
    case = start_case(client_for("caseworker"), PROCESS, application(channel="hotline_12348"))
    assert case["applicant"] is None  # no account: the centre works the applicant's steps
    assert milestone(case["id"], "legal_aid.received")["channel"] == "hotline_12348"
    do_task(
        client_for("caseworker"),
        case["id"],
        "check_completeness",
        {"materials_complete": False, "missing_materials": [{"material": "case_documents"}]},
    )
    # The applicant brings the documents to the window; the caseworker records the supplement.
    case = do_task(
        client_for("caseworker2"), case["id"], "supplement", {"supplied_materials": ["case_documents"]}
    )
    assert open_task_ids(case) == ["check_supplement"]


def test_a_township_workstation_application_is_handled_by_the_county_centre_and_its_lawyers(
    client_for, legal_aid, clock, steps
):
    case = start_case(client_for("station"), PROCESS, application(channel="workstation"))
    assert case["organisation"]["code"] == "LN-SY-HP-NH"
    materials_complete(client_for, case["id"])  # the county caseworker sees the station's cases
    case = grant(client_for, case["id"])
    assert case["data"]["lawyer_pick"]["lawyer"] == "lawyer"  # the station has none: the county's
    issue_letter(client_for, case["id"])
    assert milestone(case["id"], "legal_aid.assigned")["assigned_lawyer"] == "lawyer"


def test_an_applicant_cannot_work_the_centre_s_steps(client_for, legal_aid, clock):
    case = start_case(client_for("applicant"), PROCESS, application())
    task = case["tasks"][0]
    assert client_for("applicant").post(f"/api/v1/tasks/{task['id']}/claim").status_code == 403
    other = start_case(client_for("applicant2"), PROCESS, application())
    assert client_for("applicant").get(f"/api/v1/instances/{other['id']}").status_code == 404


def test_an_applicant_cannot_write_case_data_beyond_the_form(client_for, legal_aid, clock):
    case = start_case(client_for("applicant"), PROCESS, application())
    do_task(
        client_for("caseworker"),
        case["id"],
        "check_completeness",
        {"materials_complete": False, "missing_materials": [{"material": "case_documents"}]},
    )
    errors = refused_form(
        client_for("applicant"),
        case["id"],
        "supplement",
        {
            "supplied_materials": ["case_documents"],
            "decision_due": "2099-01-01",
            "assigned_lawyer": "lawyer2",
        },
    )
    assert {"data.decision_due", "data.assigned_lawyer"} <= set(errors), errors
