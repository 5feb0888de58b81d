"""Resident ID numbers: GB 11643 check digit, birth date, sex."""

from datetime import date

import pytest

from server.core.identity import check_digit, id_number_check


def test_a_valid_number_gives_birth_date_age_and_sex():
    result = id_number_check("11010519491231002X")
    assert result.valid
    assert result.birth_date == date(1949, 12, 31) and result.sex == "female" and result.region == "110105"
    assert result.as_dict(date(2026, 3, 9))["age"] == 76


def test_a_lower_case_x_is_accepted():
    assert id_number_check("11010519491231002x").valid


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("110105194912310021", "校验位"),
        ("11010519491231002", "18 位"),
        ("1101051949123100XX", "18 位"),
        ("110105194913310028", "出生日期"),
        ("", "18 位"),
        (None, "18 位"),
        (12345, "18 位"),
    ],
)
def test_a_bad_number_is_refused_with_a_reason_to_fix(number, message):
    result = id_number_check(number)
    assert not result.valid and message in result.message


def test_a_birth_date_in_the_future_is_refused():
    first17 = "11010520991231001"
    assert not id_number_check(first17 + check_digit(first17), today=date(2026, 3, 9)).valid


def test_check_digit_follows_iso_7064_mod_11_2():
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44052418800101001") == "4"
