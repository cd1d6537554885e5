"""Phone numbers (phonenumbers, Google's libphonenumber): parsed in the company's region (CN
unless written with a + country code), checked, and stored in one form (E.164)."""

from __future__ import annotations

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
