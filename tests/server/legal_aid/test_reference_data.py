"""Reference data the process consults: hardship thresholds and dated subsidy rates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from server.legal_aid.handlers import hardship_threshold, subsidy
from server.legal_aid.models import LawyerConflict, SubsidyRate
from tests.server.legal_aid.conftest import (
    apply_online,
    check_quality,
    close_case,
    grant,
    id_number,
    issue_letter,
    materials_complete,
    milestone,
    wrong_check_digit,
)


def test_the_subsidy_is_the_rate_in_force_on_the_closing_date(legal_aid):
    before = subsidy({"case_type": "civil", "region_code": "210102", "closing_date": "2026-03-31"})
    after = subsidy(
        {"case_type": "civil", "region_code": "210102", "closing_date": "2026-04-01T10:00:00+08:00"}
    )
    assert (before["amount"], before["effective_to"]) == (2000.0, "2026-03-31")
    assert (after["amount"], after["effective_from"], after["effective_to"]) == (2400.0, "2026-04-01", None)
    assert after["region_code"] == "210100"  # Heping has no rate of its own: Shenyang's
    labour = subsidy({"case_type": "labour", "region_code": "210102", "closing_date": "2026-03-31"})
    assert (labour["amount"], labour["region_code"]) == (1500.0, "210000")  # the province's


def test_a_county_rate_takes_precedence_over_its_city_s(legal_aid):
    SubsidyRate.objects.create(
        case_type="civil", region_code="210102", amount=Decimal("2600"), effective_from=date(2026, 1, 1)
    )
    rate = subsidy({"case_type": "civil", "region_code": "210102", "closing_date": "2026-03-20"})
    assert (rate["amount"], rate["region_code"]) == (2600.0, "210102")


def test_a_case_closed_after_the_rate_changes_is_paid_the_new_rate(client_for, legal_aid, clock, steps):
    case = apply_online(client_for)
    materials_complete(client_for, case["id"])
    grant(client_for, case["id"])
    issue_letter(client_for, case["id"])
    clock.move_to(datetime(2026, 4, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    close_case(client_for, case["id"], "lawyer")
    check_quality(client_for, case["id"])
    paid = milestone(case["id"], "legal_aid.subsidy")["subsidy"]
    assert (paid["amount"], paid["closing_date"]) == (2400.0, "2026-04-02")


def test_a_missing_rate_stops_the_quality_check_with_a_message_for_the_administrator(
    client_for, legal_aid, clock, steps
):
    SubsidyRate.objects.filter(case_type="civil").delete()
    case = apply_online(client_for)
    materials_complete(client_for, case["id"])
    grant(client_for, case["id"])
    issue_letter(client_for, case["id"])
    close_case(client_for, case["id"], "lawyer")
    reviewer = client_for("reviewer")
    task = next(t for t in reviewer.get(f"/api/v1/instances/{case['id']}").json()["tasks"])
    reviewer.post(f"/api/v1/tasks/{task['id']}/claim")
    response = reviewer.post(
        f"/api/v1/tasks/{task['id']}/complete", {"data": {"quality": "good"}}, format="json"
    )
    assert response.status_code == 422
    assert "No subsidy rate for civil cases in 210102" in response.json()["detail"]
    assert reviewer.get(f"/api/v1/instances/{case['id']}").json()["tasks"][0]["bpmn_id"] == "check_quality"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"case_type": "maritime", "region_code": "210102", "closing_date": "2026-03-01"},
            "unknown case_type",
        ),
        ({"case_type": "civil", "region_code": "2101", "closing_date": "2026-03-01"}, "6 digits"),
        ({"case_type": "civil", "region_code": "210102", "closing_date": "soon"}, "must be a date"),
        ({"case_type": "civil", "region_code": "210102", "closing_date": None}, "must be a date"),
        ({"case_type": "civil", "region_code": "210102", "closing_date": "2024-12-31"}, "No subsidy rate"),
        ({"case_type": "civil", "region_code": "330100", "closing_date": "2026-03-01"}, "No subsidy rate"),
    ],
)
def test_bad_subsidy_input_is_a_clear_error(legal_aid, params, message):
    with pytest.raises(ValueError, match=message):
        subsidy(params)


def test_overlapping_subsidy_periods_are_refused(legal_aid):
    clash = SubsidyRate(
        case_type="civil", region_code="210100", amount=Decimal("2100"), effective_from=date(2026, 3, 1)
    )
    with pytest.raises(ValidationError, match="must not overlap"):
        clash.full_clean()
    backwards = SubsidyRate(
        case_type="criminal",
        region_code="210102",
        amount=Decimal("1"),
        effective_from=date(2026, 3, 1),
        effective_to=date(2026, 2, 1),
    )
    with pytest.raises(ValidationError, match="effective_to"):
        backwards.full_clean()
    later = SubsidyRate(
        case_type="criminal", region_code="210100", amount=Decimal("1800"), effective_from=date(2026, 1, 1)
    )
    later.full_clean()  # another region: no clash


def test_a_conflict_needs_a_valid_id_number_when_it_has_one(legal_aid):
    entry = LawyerConflict(
        lawyer=legal_aid["lawyer"], party_name="  王   五 ", party_id_number=wrong_check_digit(id_number())
    )
    with pytest.raises(ValidationError, match="party_id_number"):
        entry.full_clean()
    entry.party_id_number = ""
    entry.full_clean()
    assert entry.party_name == "王 五"


def test_the_hardship_threshold_falls_back_from_county_to_city_to_province(legal_aid):
    assert hardship_threshold({"region_code": "210102"})["monthly_income"] == 1500.0  # Shenyang
    dalian = hardship_threshold({"region_code": "210202"})
    assert (dalian["region_code"], dalian["monthly_income"]) == ("210000", 1200.0)  # Liaoning
    nowhere = hardship_threshold({"region_code": "330102"})
    assert nowhere["found"] is False and nowhere["monthly_income"] is None
    with pytest.raises(ValueError, match="6 digits"):
        hardship_threshold({"region_code": None})


def test_without_a_local_threshold_the_hardship_check_asks_for_a_manual_check(
    client_for, legal_aid, clock, steps
):
    case = apply_online(client_for, region_code="330102")
    case = materials_complete(client_for, case["id"])
    assert case["data"]["hardship"] == "unknown"
    assert "check by hand" in case["data"]["hardship_note"]
