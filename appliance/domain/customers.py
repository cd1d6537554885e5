"""Customers (客户画像): the company's record of a person, its fields, notes, follow-ups and
merges, the rules that check them, and the search terms that find them."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from appliance.domain import validation as v
from appliance.domain.dates import iso_date
from appliance.domain.errors import Invalid
from appliance.domain.model import CompanySettings, CustomField, Role, User
from appliance.domain.search import index_terms, match_expression

FIELD_TYPES = ("text", "number", "date", "choice")
CUSTOM_FIELDS_MAX = 30
TAGS_MAX, TAG_MAX = 20, 30
NOTE_MAX = 2000
ADDRESS_MAX, COMPANY_MAX, HANDLE_MAX = 200, 100, 60
CUSTOM_TEXT_MAX = 200
CUSTOMER_FIELDS = ("name", "phone", "email", "wechat", "qq", "company", "address", "tags",
                   "owner_id", "custom")
_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,29}")
_QQ_RE = re.compile(r"[1-9][0-9]{4,11}")
_DIGITS = re.compile(r"[0-9]+")

# The phone rule lives with the phone library (services/phones.py); the domain takes it in:
# raw text in, the normalised number out (E.164), or Invalid.
PhoneCleaner = Callable[[str, str], str]


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    company_id: int
    name: str
    phone: str  # E.164, e.g. +8613800001234 ("" when unknown)
    email: str
    wechat: str
    qq: str
    company: str  # where the person works
    address: str
    tags: tuple[str, ...]
    owner_id: int | None
    custom: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CustomerNote:
    id: int
    customer_id: int
    author_id: int | None
    author_name: str
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A reminder to get back to a customer on a date (shown in the owner's console)."""

    id: int
    customer_id: int
    customer_name: str
    owner_id: int | None
    due_date: date
    note: str
    done_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MergeRecord:
    """Customer `merged_id` was folded into `kept_id`; `snapshot` is what undo restores."""

    id: int
    company_id: int
    kept_id: int
    merged_id: int
    actor_id: int | None
    snapshot: dict[str, Any]
    created_at: datetime
    undone_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    company_id: int
    actor_id: int | None
    actor_name: str
    action: str  # customer_exported | customer_erased | customers_exported | ...
    subject: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ImportReport:
    imported: int  # stored now: 0 in a dry run
    duplicates: list[dict[str, Any]] = field(default_factory=list)  # {row, customer_id, why}
    errors: list[dict[str, Any]] = field(default_factory=list)  # {row, message, code, field}
    importable: int = 0  # the rows that are (a dry run: would be) imported


# -- checks ---------------------------------------------------------------------------------

def clean_qq(value: Any, field_name: str = "qq") -> str:
    text = v.clean_name(value, field_name, max_len=12, allow_empty=True)
    if text and not _QQ_RE.fullmatch(text):
        raise Invalid(f"{field_name}: a QQ number is 5-12 digits", field=field_name)
    return text


def clean_tags(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > TAGS_MAX:
        raise Invalid(f"tags: a list of at most {TAGS_MAX} tags", field="tags")
    found: dict[str, None] = {}
    for item in value:
        tag = v.clean_name(item, "tags", max_len=TAG_MAX, allow_empty=True)
        if tag:
            found.setdefault(tag)
    return tuple(found)


def clean_custom(value: Any, fields: tuple[CustomField, ...],
                 from_cells: bool = False) -> dict[str, Any]:
    """Values of the company's own fields: unknown keys and wrong types are refused (numbers
    given as text only `from_cells`, an import's)."""
    if not isinstance(value, dict):
        raise Invalid("custom must be an object of the company's fields", field="custom")
    known = {f.key: f for f in fields}
    result: dict[str, Any] = {}
    for key, raw in value.items():
        spec = known.get(key)
        if spec is None:
            raise Invalid(f"custom: no field {str(key)[:30]!r} in this company",
                          field=f"custom.{str(key)[:30]}")
        if raw is None or raw == "":
            continue
        result[key] = clean_custom_value(spec, raw, from_cells)
    return result


def clean_custom_value(spec: CustomField, raw: Any, from_cells: bool = False) -> Any:
    where = f"custom.{spec.key}"
    if spec.type == "number":
        if isinstance(raw, str) and from_cells:
            try:
                raw = float(raw) if "." in raw else int(raw)
            except ValueError as exc:
                raise Invalid(f"custom: {spec.label} must be a number", field=where) from exc
        if isinstance(raw, bool) or not isinstance(raw, int | float) or abs(raw) > 1e15 or (
                raw != raw):
            raise Invalid(f"custom: {spec.label} must be a number", field=where)
        return raw
    if not isinstance(raw, str):
        raise Invalid(f"custom: {spec.label} must be text", field=where)
    text = v.clean_name(raw, where, max_len=CUSTOM_TEXT_MAX)
    if spec.type == "date":
        day = iso_date(text)
        if day is None:
            raise Invalid(f"custom: {spec.label} must be a date like 2026-12-31", field=where)
        return day.isoformat()
    if spec.type == "choice" and text not in spec.choices:
        raise Invalid(f"custom: {spec.label} must be one of its choices", field=where)
    return text


def clean_customer(data: Any, settings: CompanySettings, clean_phone: PhoneCleaner, *,
                   creating: bool, from_cells: bool = False) -> dict[str, Any]:
    """The fields of a customer from untrusted input (owner_id is checked by the caller).
    `from_cells`: an imported row, whose numbers come as the text of their cells."""
    body = v.only_fields(data, CUSTOMER_FIELDS)
    fields: dict[str, Any] = {}
    if creating or "name" in body:
        fields["name"] = v.clean_name(body.get("name", ""), "name", allow_empty=True)
    if "phone" in body:
        fields["phone"] = clean_phone(v.require_str(body["phone"], "phone"), "phone")
    if "email" in body:
        fields["email"] = v.clean_email(body["email"], "email", allow_empty=True)
    if "wechat" in body:
        fields["wechat"] = v.clean_name(body["wechat"], "wechat", max_len=HANDLE_MAX,
                                        allow_empty=True)
    if "qq" in body:
        fields["qq"] = clean_qq(body["qq"])
    if "company" in body:
        fields["company"] = v.clean_name(body["company"], "company", max_len=COMPANY_MAX,
                                         allow_empty=True)
    if "address" in body:
        fields["address"] = v.clean_name(body["address"], "address", max_len=ADDRESS_MAX,
                                         allow_empty=True)
    if "tags" in body:
        fields["tags"] = clean_tags(body["tags"])
    if "owner_id" in body:
        owner = body["owner_id"]
        fields["owner_id"] = None if owner is None else v.clean_id(owner, "owner_id")
    if "custom" in body:
        fields["custom"] = clean_custom(body["custom"], settings.customer_fields, from_cells)
    if creating and not any(fields.get(k) for k in ("name", "phone", "email", "wechat", "qq")):
        raise Invalid("A customer needs a name or a way to reach them", field="name")
    return fields


def may_own_customers(user: User, company_site_ids: Collection[int]) -> bool:
    """Who may own a company's customers and follow-ups: an active staff member serving one
    of its sites, or an owner or admin (they serve every company); never a client account."""
    return user.active and user.role is not Role.CLIENT and (
        user.role.manages_install or not set(user.site_ids).isdisjoint(company_site_ids))


def clean_note(value: Any) -> str:
    text = v.clean_text(value, "body", max_len=NOTE_MAX)
    if not text:
        raise Invalid("body is required", field="body")
    return text


def clean_due_date(value: Any, field_name: str = "due_date") -> date:
    day = iso_date(v.require_str(value, field_name).strip())
    if day is None:
        raise Invalid(f"{field_name} must be a date like 2026-12-31", field=field_name)
    return day


def clean_custom_fields(value: Any) -> tuple[CustomField, ...]:
    """A company's own customer fields: [{key, label, type, choices?}]."""
    where = "customer_fields"
    if not isinstance(value, list) or len(value) > CUSTOM_FIELDS_MAX:
        raise Invalid(f"{where}: a list of at most {CUSTOM_FIELDS_MAX} fields", field=where)
    result: dict[str, CustomField] = {}
    for item in value:
        body = v.only_fields(item, ("key", "label", "type", "choices"), where)
        key = v.require_str(body.get("key"), where).strip()
        if not _KEY_RE.fullmatch(key) or key in result:
            raise Invalid(f"{where}: keys are unique, lower-case letters, digits and _",
                          field=where)
        label = v.clean_name(body.get("label", key), where, max_len=40)
        kind = v.clean_choice(body.get("type", "text"), where, FIELD_TYPES)
        choices: tuple[str, ...] = ()
        if kind == "choice":
            raw = body.get("choices")
            if not isinstance(raw, list) or not 1 <= len(raw) <= 50:
                raise Invalid(f"{where}: a choice field lists 1-50 choices", field=where)
            choices = tuple(dict.fromkeys(v.clean_name(c, where, max_len=40) for c in raw))
        result[key] = CustomField(key, label, kind, choices)
    return tuple(result.values())


# -- search ---------------------------------------------------------------------------------

def phone_digits(phone: str) -> str:
    """The national digits of an E.164 number as people type them (+8613800001234 →
    13800001234); other countries keep their country code."""
    digits = "".join(_DIGITS.findall(phone))
    return digits[2:] if phone.startswith("+86") else digits


def _digit_trigrams(digits: str) -> list[str]:
    return [f"p{digits[i:i + 3]}" for i in range(len(digits) - 2)]


def exact_token(kind: str, text: str) -> str:
    """One FTS token standing for a whole value (a tag, a custom field's value), so that
    filtering by it is an index lookup, exact and case-insensitive: `tg` + hex of its text."""
    return kind + text.strip().lower().encode("utf-8").hex()


def field_token(key: str, value: Any) -> str:
    return exact_token("cf", f"{key}={value}")


def customer_terms(customer: Customer) -> str:
    """The FTS terms of a customer: words and CJK bigrams of the name, e-mail, handles,
    company, tags and custom values; the phone as overlapping digit trigrams (p138 p380 …) so
    that any 3+ digits of it match as a phrase; one exact token per tag and custom value."""
    texts = [customer.name, customer.email, customer.wechat, customer.qq, customer.company,
             *customer.tags, *(str(value) for value in customer.custom.values())]
    terms = [index_terms(text) for text in texts if text]
    digits = phone_digits(customer.phone)
    if digits:
        terms.append(" ".join(_digit_trigrams(digits)))
    terms += [exact_token("tg", tag) for tag in customer.tags]
    terms += [field_token(key, value) for key, value in customer.custom.items()]
    return " ".join(t for t in terms if t)


def filter_match(match: str | None, tag: str, field_key: str, field_value: str) -> str | None:
    """`match` narrowed by an exact tag and an exact custom-field value (their tokens)."""
    parts = [f"({match})"] if match else []
    if tag:
        parts.append(exact_token("tg", tag))
    if field_key and field_value:
        parts.append(field_token(field_key, field_value))
    return " AND ".join(parts) if parts else None


def customer_match(query: str) -> str | None:
    """An FTS5 expression for what someone typed in the customer search box: a run of 3+
    digits (spaces, dashes and + allowed) is a phone fragment; anything else is matched like
    the conversation search (2-character Chinese names match exactly, 1 by prefix)."""
    text = query.strip()
    compact = re.sub(r"[\s\-()+]", "", text)
    country = re.match(r"(?:\+|00)\s*86", text)  # +86 typed: the national digits follow
    if country is not None:
        compact = re.sub(r"[\s\-()+]", "", text[country.end():])
    if len(compact) >= 3 and compact.isascii() and compact.isdigit():
        digits = compact[2:] if compact.startswith("86") and len(compact) > 11 else compact
        phrase = '"' + " ".join(_digit_trigrams(digits)) + '"'
        words = match_expression(text, prefix_column=False)
        return f"({phrase}) OR ({words})" if words else phrase
    return match_expression(text, prefix_column=False)
