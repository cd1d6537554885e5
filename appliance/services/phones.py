"""Phone numbers (phonenumbers, Google's libphonenumber): parsed in the company's region (CN
unless written with a + country code), checked, and stored in one form (E.164)."""

from __future__ import annotations

from collections.abc import Callable

import phonenumbers

from appliance.domain.errors import Invalid

DEFAULT_REGION = "CN"
PHONE_MAX = 40


def clean_phone(text: str, field: str = "phone", region: str = DEFAULT_REGION) -> str:
    """`+8613800001234` for "138 0000 1234", "+86 138-0000-1234" or "0086 13800001234"; ""
    for empty text; Invalid (naming `field`) for anything that is not a possible number."""
    raw = text.strip()
    if not raw:
        return ""
    if len(raw) > PHONE_MAX:
        raise Invalid(f"{field} must be at most {PHONE_MAX} characters", field=field)
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise Invalid(f"{field} is not a phone number", field=field) from exc
    if not phonenumbers.is_valid_number(number):
        raise Invalid(f"{field} is not a valid phone number", field=field)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def display_phone(e164: str) -> str:
    """How people read a stored number: national form for China, international otherwise."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    fmt = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 86
           else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return str(phonenumbers.format_number(number, fmt))


def same_number_as(text: str, region: str = DEFAULT_REGION) -> tuple[str, Callable[[str], bool]]:
    """For a phone number as someone wrote it: the digits of its national number (to find
    candidates however they were written) and a test of whether another writing is the same
    number, as customers store it (E.164). ("", …) when `text` is no phone number."""
    try:
        mine = clean_phone(text, region=region)
    except Invalid:
        mine = ""
    if not mine:
        return "", lambda other: False

    def same(other: str) -> bool:
        try:
            return clean_phone(other, region=region) == mine
        except Invalid:
            return False

    national = phonenumbers.national_significant_number(phonenumbers.parse(mine, None))
    return str(national), same
