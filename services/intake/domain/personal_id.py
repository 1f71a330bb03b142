"""Personal identification number (số định danh cá nhân, CCCD): validation against the declared person.

12 digits: 3-digit birth-registration province code (the 63 pre-2025 provinces; they do not
change with the 2025 merger), 1 century/sex digit, 2 digits of the birth year, 6 random digits.
Legacy 9-digit identity-card numbers (CMND) are accepted and marked legacy.
"""

from dataclasses import dataclass
from datetime import date

# Codes of the 63 provinces of birth registration (the first three digits of the number).
_PROVINCE_CODES = (
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 "
    "035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 "
    "070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096"
)
BIRTH_REGISTRATION_PROVINCES = frozenset(_PROVINCE_CODES.split())


class InvalidPersonalId(ValueError):
    """The number is not a valid personal ID for the declared person."""


@dataclass(frozen=True)
class PersonalId:
    number: str
    legacy: bool


def parse_personal_id(number: str, *, date_of_birth: date, sex: str | None) -> PersonalId:
    """The number, checked against the declared date of birth and sex (`sex` None: not declared,
    as for a dependant, so not checked)."""
    if not number.isascii() or not number.isdigit():
        raise InvalidPersonalId("personal ID must contain digits only")
    if len(number) == 9:
        return PersonalId(number, legacy=True)
    if len(number) != 12:
        raise InvalidPersonalId(
            f"personal ID must have 12 digits (or 9 for a legacy CMND), got {len(number)}"
        )
    province = number[:3]
    if province not in BIRTH_REGISTRATION_PROVINCES:
        raise InvalidPersonalId(f"{province} is not a birth-registration province code")
    code = int(number[3])
    century = 1900 + 100 * (code // 2)
    encoded_sex = "male" if code % 2 == 0 else "female"
    birth_year = century + int(number[4:6])
    if birth_year != date_of_birth.year:
        raise InvalidPersonalId(
            f"personal ID encodes birth year {birth_year}, but the date of birth is "
            f"{date_of_birth.isoformat()}"
        )
    if sex is not None and encoded_sex != sex:
        raise InvalidPersonalId(f"personal ID encodes sex {encoded_sex}, but {sex} was declared")
    return PersonalId(number, legacy=False)
