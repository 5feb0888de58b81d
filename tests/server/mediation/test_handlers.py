"""mediation.assign_mediator and the statutory deadlines this service line registers."""

import pytest
from django.contrib.auth import get_user_model

from server.accounts.models import Organisation
from server.mediation.handlers import AssignmentError, assign_mediator
from server.mediation.models import Mediator
from server.processes.deadlines import deadline_for, statutory_deadlines


@pytest.fixture
def graded(demo):
    from server.mediation.demo import seed_reference_data

    seed_reference_data()
    seed_reference_data()  # idempotent
    return demo


def make_mediator(username: str, org: Organisation, grade: int, *, active: bool = True) -> Mediator:
    user = get_user_model().objects.create_user(username=username, password="x")
    return Mediator.objects.create(user=user, organisation=org, grade=grade, active=active)


def test_the_demo_mediators_are_graded_one_and_three(graded):
    grades = dict(Mediator.objects.values_list("user__username", "grade"))
    assert grades == {"mediator": 1, "mediator2": 3}


def test_a_simple_dispute_goes_to_the_lowest_grade_when_loads_are_equal(graded):
    result = assign_mediator({"organisation": "LN-SY-HP-NH", "min_grade": 1})
    assert (result["username"], result["grade"], result["load"]) == ("mediator", 1, 0)
    assert " / " in result["message"]


def test_only_mediators_holding_the_grade_qualify(graded):
    assert assign_mediator({"organisation": "LN-SY-HP-NH", "min_grade": "3"})["username"] == "mediator2"


def test_nobody_qualifies_leaves_the_session_to_the_mediator_queue(graded):
    result = assign_mediator({"organisation": "LN-SY-HP-NH", "min_grade": 4})
    assert result["username"] is None and result["min_grade"] == 4
    assert "queue" in result["message"]


def test_mediators_of_a_sibling_county_or_below_the_case_are_not_chosen(graded):
    make_mediator("shenhe_chief", graded["LN-SY-SH"], 4)
    make_mediator("nanhu_chief", graded["LN-SY-HP-NH"], 4)
    assert assign_mediator({"organisation": "LN-SY-HP", "min_grade": 4})["username"] is None
    assert assign_mediator({"organisation": "LN-SY-HP-NH", "min_grade": 4})["username"] == "nanhu_chief"


def test_a_mediator_above_the_case_serves_it_and_inactive_ones_do_not(graded):
    make_mediator("city_chief", graded["LN-SY"], 4)
    make_mediator("retired_chief", graded["LN-SY-HP"], 4, active=False)
    assert assign_mediator({"organisation": "LN-SY-HP-NH", "min_grade": 4})["username"] == "city_chief"
    Mediator.objects.filter(user__username="city_chief").update(active=False)
    assert assign_mediator({"organisation": "LN-SY-HP-NH", "min_grade": 4})["username"] is None


@pytest.mark.parametrize("grade", [0, 5, "two", None, True, 2.5, [3]])
def test_a_grade_outside_one_to_four_is_a_clear_modelling_error(graded, grade):
    with pytest.raises(AssignmentError, match="min_grade"):
        assign_mediator({"organisation": "LN-SY-HP-NH", "min_grade": grade})


@pytest.mark.parametrize("organisation", ["", None, "NOWHERE"])
def test_an_unknown_organisation_is_a_clear_modelling_error(graded, organisation):
    with pytest.raises(AssignmentError, match="organisation"):
        assign_mediator({"organisation": organisation, "min_grade": 1})


def test_the_statutory_defaults_name_their_legal_basis():
    defaults = statutory_deadlines()
    confirmation = defaults["mediation.confirmation"]
    assert (confirmation.amount, confirmation.unit) == (30, "days")
    assert "第三十三条" in confirmation.basis and "art. 33" in confirmation.basis
    assert (defaults["mediation.duration"].amount, defaults["mediation.duration"].unit) == (30, "days")
    assert defaults["mediation.risk_report"].unit == "hours"
    for key in (
        "mediation.confirmation",
        "mediation.duration",
        "mediation.administrative",
        "mediation.risk_report",
    ):
        assert " / " in defaults[key].label and defaults[key].basis


def test_an_organisation_may_shorten_the_mediation_period(graded):
    from server.processes.models import DeadlineSetting

    DeadlineSetting.objects.create(
        organisation=graded["LN-SY-HP"], key="mediation.duration", amount=20, unit="days"
    )
    from server.processes import deadlines

    deadlines.settings_changed()
    assert deadline_for("mediation.duration", "LN-SY-HP-NH").amount == 20
    assert deadline_for("mediation.duration", "LN-SY-SH").amount == 30
