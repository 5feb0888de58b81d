"""The notary service-task handlers, called as the engine calls them: a dict of parameters in,
a JSON-able dict out, and a clear ValueError (a located 422 in the API) for bad input."""

import json

import pytest
from django.contrib.auth import get_user_model

from server.accounts.models import Membership, Organisation, Role
from server.notary.handlers import acceptance_number, assign_notary, count_quota
from server.notary.models import LegalAidQuotaEntry, QuotaTarget
from server.notary.services import notary_least_loaded, quota_target_for
from server.processes.deadlines import deadline_for, statutory_deadlines
from server.processes.engine import engine
from tests.server.conftest import do_task, open_task, start_case
from tests.server.notary.conftest import ACCEPT, PROCESS, application


def test_acceptance_numbers_run_per_office_and_restart_each_year(demo):
    first = acceptance_number({"organisation": "LN-SY-HP", "accepted_at": "2026-03-09T09:00:00+08:00"})
    second = acceptance_number({"organisation": "LN-SY-HP", "accepted_at": "2026-05-01T09:00:00+08:00"})
    other = acceptance_number({"organisation": "LN-SY-SH", "accepted_at": "2026-05-01T09:00:00+08:00"})
    # 31 December 17:00 UTC is already 1 January in Shenyang.
    next_year = acceptance_number({"organisation": "LN-SY-HP", "accepted_at": "2026-12-31T17:00:00+00:00"})
    assert [first["number"], second["number"], other["number"], next_year["number"]] == [
        "(2026)LN-SY-HP公受字第00001号",
        "(2026)LN-SY-HP公受字第00002号",
        "(2026)LN-SY-SH公受字第00001号",
        "(2027)LN-SY-HP公受字第00001号",
    ]
    json.dumps(first)  # what the engine needs


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "organisation is required"),
        ({"organisation": "NOWHERE"}, "no organisation with code 'NOWHERE'"),
        ({"organisation": "LN-SY-HP", "accepted_at": "yesterday"}, "not an ISO date/time"),
    ],
)
def test_acceptance_number_refuses_bad_parameters_clearly(demo, params, message):
    with pytest.raises(ValueError, match=message):
        acceptance_number(params)


def test_the_least_loaded_notary_is_assigned_ties_by_username(demo):
    assert assign_notary({"organisation": "LN-SY-HP"}) == {"notary": "notary", "open_tasks": 0}
    # A township station's cases go to the county office's notaries above it.
    assert assign_notary({"organisation": "LN-SY-HP-NH"})["notary"] == "notary"


def test_a_busier_notary_is_passed_over(demo, client_for, notary_process):
    case = start_case(client_for("applicant"), PROCESS, application())
    do_task(client_for("caseworker"), case["id"], "accept", ACCEPT)
    chosen = notary_least_loaded(demo["LN-SY-HP"])
    assert (chosen.username, chosen.open_tasks) == ("notary2", 0)


def test_an_office_without_notaries_is_a_clear_error(demo):
    with pytest.raises(ValueError, match="no notary serves LN-SY-SH"):
        assign_notary({"organisation": "LN-SY-SH"})


def test_an_inactive_notary_gets_no_new_cases(demo):
    get_user_model().objects.filter(username="notary").update(is_active=False)
    assert assign_notary({"organisation": "LN-SY-HP"})["notary"] == "notary2"


def test_a_legal_aid_case_counts_once_toward_the_quota(demo):
    params = {
        "notary": "notary",
        "case_number": "(2026)LN-SY-HP公受字第00007号",
        "organisation": "LN-SY-HP",
        "issued_at": "2026-03-20T10:00:00+08:00",
    }
    first = count_quota(params)
    again = count_quota(params)
    assert first == {
        "notary": "notary",
        "year": 2026,
        "case_number": "(2026)LN-SY-HP公受字第00007号",
        "count": 1,
        "target": 3,
        "met": False,
        "recorded": True,
    }
    assert again == {**first, "recorded": False}
    assert LegalAidQuotaEntry.objects.count() == 1
    for n in (8, 9):
        last = count_quota({**params, "case_number": f"(2026)LN-SY-HP公受字第0000{n}号"})
    assert (last["count"], last["met"]) == (3, True)
    other_year = count_quota({**params, "case_number": "X-2027-1", "issued_at": "2027-01-04T10:00:00+08:00"})
    assert (other_year["year"], other_year["count"]) == (2027, 1)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"case_number": "N1", "organisation": "LN-SY-HP"}, "notary is required"),
        ({"notary": "nobody", "case_number": "N1", "organisation": "LN-SY-HP"}, "no user 'nobody'"),
        ({"notary": "lawyer", "case_number": "N1", "organisation": "LN-SY-HP"}, "'lawyer' is not a notary"),
        ({"notary": "notary", "organisation": "LN-SY-HP"}, "case_number is required"),
        ({"notary": "notary", "case_number": "N1"}, "organisation is required"),
        (
            {"notary": "notary", "case_number": "N1", "organisation": "LN-SY-HP", "issued_at": "2026-13-01"},
            "not an ISO date/time",
        ),
    ],
)
def test_count_quota_refuses_bad_parameters_clearly(demo, params, message):
    with pytest.raises(ValueError, match=message):
        count_quota(params)
    assert not LegalAidQuotaEntry.objects.exists()


def test_the_quota_target_is_the_nearest_setting_up_the_tree(demo):
    assert quota_target_for(demo["LN-SY-HP"]) == 3  # the plan's figure when nothing is set
    QuotaTarget.objects.create(organisation=demo["LN"], cases_per_year=4)
    assert quota_target_for(demo["LN-SY-HP-NH"]) == 4
    QuotaTarget.objects.create(organisation=demo["LN-SY-HP"], cases_per_year=5)
    assert quota_target_for(demo["LN-SY-HP-NH"]) == 5
    assert quota_target_for(demo["LN-SY-SH"]) == 4
    assert quota_target_for(None) == 3


def test_a_notary_s_target_follows_their_office(demo):
    township = Organisation.objects.get(code="LN-SY-HP-NH")
    QuotaTarget.objects.create(organisation=township, cases_per_year=6)
    station_notary = get_user_model().objects.create(username="station_notary")
    Membership.objects.create(user=station_notary, organisation=township, role=Role.NOTARY)
    result = count_quota(
        {
            "notary": "station_notary",
            "case_number": "N9",
            "organisation": "LN-SY-HP-NH",
            "issued_at": "2026-06-01",
        }
    )
    assert (result["notary"], result["target"], result["year"]) == ("station_notary", 6, 2026)


def test_accepting_a_case_where_no_notary_serves_is_a_422_that_names_the_step(
    demo, client_for, notary_process
):
    Membership.objects.create(
        user=get_user_model().objects.get(username="caseworker2"),
        organisation=demo["LN-SY-SH"],
        role=Role.CASEWORKER,
    )
    case = start_case(client_for("applicant"), PROCESS, application(), organisation=demo["LN-SY-SH"].pk)
    task = open_task(client_for("caseworker2"), case["id"], "accept")
    client_for("caseworker2").post(f"/api/v1/tasks/{task['id']}/claim")
    response = client_for("caseworker2").post(
        f"/api/v1/tasks/{task['id']}/complete", {"data": ACCEPT}, format="json"
    )
    assert response.status_code == 422, response.content
    assert "no notary serves LN-SY-SH" in response.json()["detail"]
    assert open_task(client_for("caseworker2"), case["id"], "accept")["id"] == task["id"]  # nothing changed


def test_the_certificate_deadline_is_15_working_days_by_default(demo):
    rule = deadline_for("notary.certificate", "LN-SY-HP")
    assert (rule.amount, rule.unit, rule.source) == (15, "working_days", "default")
    assert "公证程序规则" in statutory_deadlines()["notary.certificate"].basis


def test_the_services_are_registered_with_the_engine():
    services = engine().script_engine.services
    assert {
        "notary.acceptance_number",
        "notary.assign_notary",
        "notary.count_quota",
        "identity.check",
    } <= set(services)
