"""Proactive invitations: their record, the rules that send them and when a rule fires.

Pure: a rule's conditions are checked against a snapshot of a live visitor (`Moment`), so the
whole decision is tested without a clock, a socket or a database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.domain import validation as v
from appliance.domain.errors import Invalid
from appliance.domain.traffic import SOURCE_KINDS

SHOWN, ACCEPTED, DECLINED, IGNORED, WITHDRAWN = (
    "shown", "accepted", "declined", "ignored", "withdrawn")
STATUSES = (SHOWN, ACCEPTED, DECLINED, IGNORED, WITHDRAWN)
REPLIES = (ACCEPTED, DECLINED)
MESSAGE_MAX = 500
SHOW_SECONDS = 60  # an invitation nobody answers is `ignored` after this long
RULE_NAME_MAX = 80
MATCH_ITEMS_MAX, MATCH_TEXT_MAX = 20, 200
SECONDS_MAX = 86_400
CAP_MAX = 100
PRIORITY_MAX = 1000
TEXT_CONDITIONS = ("url_contains", "title_contains", "referrer_contains", "keyword_contains")
RULE_FIELDS = ("name", "enabled", "priority", "conditions", "message", "team_id",
               "per_visit_cap", "per_day_cap", "on_phones")


@dataclass(frozen=True, slots=True)
class Invitation:
    id: int
    site_id: int
    visitor_id: int
    visit_id: int | None
    agent_id: int | None  # None: sent by a rule
    rule_id: int | None  # None: an agent's
    message: str
    page_url: str
    status: str
    created_at: datetime
    answered_at: datetime | None
    conversation_id: int | None
    agent_name: str = ""  # the inviting agent's display name, as the widget shows it


@dataclass(frozen=True, slots=True)
class Conditions:
    """All given must hold; None / empty means "not a condition"."""

    time_on_page_seconds: int | None = None
    time_on_site_seconds: int | None = None
    url_contains: tuple[str, ...] = ()
    title_contains: tuple[str, ...] = ()
    referrer_contains: tuple[str, ...] = ()
    keyword_contains: tuple[str, ...] = ()
    source_kinds: tuple[str, ...] = ()
    min_visits: int | None = None
    min_pages: int | None = None
    exit_intent: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    site_id: int
    name: str
    enabled: bool
    priority: int
    conditions: Conditions
    message: str
    team_id: int | None
    per_visit_cap: int
    per_day_cap: int
    on_phones: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Moment:
    """A live visitor as a rule sees them now."""

    time_on_page: float
    time_on_site: float
    url: str
    title: str
    referrer: str
    keyword: str
    source_kind: str
    visit_number: int
    page_count: int
    exit_intent: bool
    on_phone: bool


def _texts(value: Any, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MATCH_ITEMS_MAX:
        raise Invalid(f"{field} must be a list of at most {MATCH_ITEMS_MAX} texts", field=field)
    return tuple(v.clean_name(item, field, max_len=MATCH_TEXT_MAX) for item in value)


def clean_conditions(value: Any) -> Conditions:
    body = v.only_fields(value, (*TEXT_CONDITIONS, "time_on_page_seconds",
                                 "time_on_site_seconds", "source_kinds", "min_visits",
                                 "min_pages", "exit_intent"), "conditions")
    fields: dict[str, Any] = {}
    for name in ("time_on_page_seconds", "time_on_site_seconds"):
        if body.get(name) is not None:
            fields[name] = v.clean_int(body[name], f"conditions.{name}", 0, SECONDS_MAX)
    for name in ("min_visits", "min_pages"):
        if body.get(name) is not None:
            fields[name] = v.clean_int(body[name], f"conditions.{name}", 1, 10_000)
    for name in ("url_contains", "title_contains", "referrer_contains", "keyword_contains"):
        if body.get(name) is not None:
            fields[name] = _texts(body[name], f"conditions.{name}")
    if body.get("source_kinds") is not None:
        kinds = body["source_kinds"]
        if not isinstance(kinds, list) or not all(k in SOURCE_KINDS for k in kinds):
            raise Invalid(f"source_kinds must list some of: {', '.join(SOURCE_KINDS)}",
                          field="conditions.source_kinds")
        fields["source_kinds"] = tuple(dict.fromkeys(kinds))
    if body.get("exit_intent") is not None:
        fields["exit_intent"] = v.clean_bool(body["exit_intent"], "conditions.exit_intent")
    return Conditions(**fields)


def conditions_json(conditions: Conditions) -> dict[str, Any]:
    """Only the conditions given (the form they were written in)."""
    out: dict[str, Any] = {}
    for name in ("time_on_page_seconds", "time_on_site_seconds", "min_visits", "min_pages"):
        if getattr(conditions, name) is not None:
            out[name] = getattr(conditions, name)
    for name in (*TEXT_CONDITIONS, "source_kinds"):
        if getattr(conditions, name):
            out[name] = list(getattr(conditions, name))
    if conditions.exit_intent:
        out["exit_intent"] = True
    return out


def clean_message(value: Any, field: str = "message") -> str:
    text = v.clean_text(value, field, max_len=MESSAGE_MAX)
    if not text:
        raise Invalid(f"{field} is required", field=field)
    return text


def clean_rule(data: Any, *, creating: bool) -> dict[str, Any]:
    """The fields of a rule given in `data`; creating needs a name, a message and conditions."""
    body = v.only_fields(data, RULE_FIELDS)
    cleaners: dict[str, Any] = {
        "name": lambda x: v.clean_name(x, "name", max_len=RULE_NAME_MAX),
        "enabled": lambda x: v.clean_bool(x, "enabled"),
        "priority": lambda x: v.clean_int(x, "priority", 0, PRIORITY_MAX),
        "conditions": clean_conditions,
        "message": clean_message,
        "team_id": lambda x: None if x is None else v.clean_id(x, "team_id"),
        "per_visit_cap": lambda x: v.clean_int(x, "per_visit_cap", 1, CAP_MAX),
        "per_day_cap": lambda x: v.clean_int(x, "per_day_cap", 1, CAP_MAX),
        "on_phones": lambda x: v.clean_bool(x, "on_phones"),
    }
    fields = {name: cleaners[name](value) for name, value in body.items()}
    if creating:
        for required in ("name", "message", "conditions"):
            if required not in fields:
                raise Invalid(f"{required} is required", field=required)
    return fields


def _contains(haystack: str, needles: tuple[str, ...]) -> bool:
    text = haystack.casefold()
    return any(needle.casefold() in text for needle in needles)


def matches(conditions: Conditions, now: Moment) -> bool:
    """Whether every condition given holds for the visitor at this moment."""
    c = conditions
    checks = (
        c.time_on_page_seconds is None or now.time_on_page >= c.time_on_page_seconds,
        c.time_on_site_seconds is None or now.time_on_site >= c.time_on_site_seconds,
        not c.url_contains or _contains(now.url, c.url_contains),
        not c.title_contains or _contains(now.title, c.title_contains),
        not c.referrer_contains or _contains(now.referrer, c.referrer_contains),
        not c.keyword_contains or _contains(now.keyword, c.keyword_contains),
        not c.source_kinds or now.source_kind in c.source_kinds,
        c.min_visits is None or now.visit_number >= c.min_visits,
        c.min_pages is None or now.page_count >= c.min_pages,
        not c.exit_intent or now.exit_intent,
    )
    return all(checks)


def first_rule(rules: list[Rule], now: Moment, done: frozenset[int]) -> Rule | None:
    """The rule to fire now: enabled, not yet done for this visit, allowed on this screen,
    matching; the highest priority first (then the oldest rule)."""
    for rule in sorted(rules, key=lambda r: (-r.priority, r.id)):
        if not rule.enabled or rule.id in done or (now.on_phone and not rule.on_phones):
            continue
        if matches(rule.conditions, now):
            return rule
    return None


def may_answer(status: str) -> bool:
    """Only an invitation still showing can be accepted, declined, withdrawn or ignored."""
    return status == SHOWN


@dataclass(frozen=True, slots=True)
class Candidate:
    """A live visitor a rule could invite now: browsing, nothing showing, no open chat."""

    visitor_id: int
    site_id: int
    visit_id: int
    page_url: str
    moment: Moment
    done: frozenset[int]  # rules already fired (or capped) in this visit
