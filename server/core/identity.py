"""Resident identity numbers (居民身份证号码), GB 11643-1999.

18 characters: a 6-digit region code, the 8-digit birth date, a 3-digit sequence (odd for
men, even for women) and a check character computed with ISO 7064 MOD 11-2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class IdentityCheck:
    valid: bool
    message: str
    birth_date: date | None = None
    sex: str | None = None  # "male" / "female"
    region: str | None = None

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday

    def as_dict(self, today: date) -> dict:
        return {
            "valid": self.valid,
            "message": self.message,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "age": self.age_on(today),
            "sex": self.sex,
            "region": self.region,
        }


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number_check(value: object, *, today: date | None = None) -> IdentityCheck:
    """Check an 18-character resident ID number: shape, birth date, and the GB 11643 check digit."""
    number = str(value or "").strip().upper()
    if not _SHAPE.match(number):
        return IdentityCheck(
            False, "身份证号码应为 18 位 / An ID number has 18 characters: 17 digits and a digit or X"
        )
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return IdentityCheck(
            False, "身份证号码中的出生日期无效 / The birth date in the ID number is not a date"
        )
    if born > (today or date.today()) or born.year < 1900:
        return IdentityCheck(
            False, "身份证号码中的出生日期无效 / The birth date in the ID number is impossible"
        )
    if check_digit(number[:17]) != number[17]:
        return IdentityCheck(False, "身份证号码校验位不符 / The check digit of the ID number is wrong")
    sex = "male" if int(number[16]) % 2 else "female"
    return IdentityCheck(True, "有效 / Valid", birth_date=born, sex=sex, region=number[:6])
