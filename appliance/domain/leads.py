"""Leads (有效咨询): what an agent captures in a conversation, the company's rule for an
effective one, and duplicates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from appliance.domain import validation as v
from appliance.domain.customers import HANDLE_MAX, PhoneCleaner, clean_due_date, clean_qq
from appliance.domain.errors import Invalid

INTENTS = ("high", "medium", "low")
REQUIRABLE = ("name", "contact", "need", "category", "intent", "follow_up_date", "phone")
LEAD_FIELDS = ("name", "phone", "email", "wechat", "qq", "need", "category", "intent",
               "follow_up_date")
NEED_MAX, CATEGORY_MAX = 2000, 40


@dataclass(frozen=True, slots=True)
class Lead:
    id: int
    company_id: int
    site_id: int
    conversation_id: int | None
    visitor_id: int | None
    customer_id: int | None
    agent_id: int | None
    agent_name: str
    name: str
    phone: str
    email: str
    wechat: str
    qq: str
    need: str
    category: str
    intent: str
    follow_up_date: date | None
    source: str
    keyword: str
    landing_page: str
    effective: bool
    duplicate_of: int | None  # an earlier lead of the same company with the same phone
    created_at: datetime
    updated_at: datetime
    # When the lead's chat started: the day it counts on in every report (the chats and
    # conversion reports count the chat, and the lead captured in it, on that day too).
    chat_started_at: datetime


def clean_lead(data: Any, clean_phone: PhoneCleaner) -> dict[str, Any]:
    """The lead card's fields from untrusted input; every field may be empty (the rule of the
    company decides what makes it effective, and which are required to save)."""
    body = v.only_fields(data, LEAD_FIELDS)
    fields: dict[str, Any] = {
        "name": v.clean_name(body.get("name", ""), "name", allow_empty=True),
        "phone": clean_phone(v.require_str(body.get("phone", ""), "phone"), "phone"),
        "email": v.clean_email(body.get("email", ""), "email", allow_empty=True),
        "wechat": v.clean_name(body.get("wechat", ""), "wechat", max_len=HANDLE_MAX,
                               allow_empty=True),
        "qq": clean_qq(body.get("qq", "")),
        "need": v.clean_text(body.get("need", ""), "need", max_len=NEED_MAX),
        "category": v.clean_name(body.get("category", ""), "category", max_len=CATEGORY_MAX,
                                 allow_empty=True),
        "intent": "",
        "follow_up_date": None,
    }
    if body.get("intent") not in (None, ""):
        fields["intent"] = v.clean_choice(body["intent"], "intent", INTENTS)
    if body.get("follow_up_date") not in (None, ""):
        fields["follow_up_date"] = clean_due_date(body["follow_up_date"], "follow_up_date")
    return fields


def clean_required(value: Any) -> tuple[str, ...]:
    """A company's rule: which lead fields must be captured for an effective lead."""
    where = "lead_required"
    if not isinstance(value, list):
        raise Invalid(f"{where} must be a list", field=where)
    return tuple(dict.fromkeys(v.clean_choice(item, where, REQUIRABLE) for item in value))


def has_contact(fields: dict[str, Any]) -> bool:
    return any(fields.get(k) for k in ("phone", "email", "wechat", "qq"))


def missing(fields: dict[str, Any], required: tuple[str, ...]) -> list[str]:
    """The required fields not captured (in the rule's order)."""
    gaps = []
    for name in required:
        present = has_contact(fields) if name == "contact" else bool(fields.get(name))
        if not present:
            gaps.append(name)
    return gaps


def is_effective(fields: dict[str, Any], required: tuple[str, ...]) -> bool:
    return not missing(fields, required)
