"""Rules for a site's settings: which fields exist, their limits and their defaults."""

from __future__ import annotations

from typing import Any

from appliance.domain import validation as v
from appliance.domain.errors import Invalid
from appliance.domain.hours import clean_business_hours
from appliance.domain.routing import STRATEGIES
from appliance.domain.visits import REQUIRE_IDENTITY, clean_templates

DEFAULT_THEME_COLOR = "#1f6feb"
EDITABLE_FIELDS = ("company_id", "name", "url", "allowed_origins", "display_name", "logo_url",
                   "greeting", "theme_color", "widget_position", "language", "typing_preview",
                   "prechat_fields", "business_hours", "offline_mode", "notify_email",
                   "routing_strategy", "fallback_team_id", "unanswered_seconds",
                   "track_before_chat", "honour_dnt", "require_identity",
                   "invitation_templates")
OFFLINE_MODES = ("leave_message", "hide")
PRECHAT_FIELDS = ("name", "email", "phone")

_CLEANERS: dict[str, Any] = {
    "company_id": lambda x: v.clean_id(x, "company_id"),
    "name": lambda x: v.clean_name(x, "name"),
    "url": lambda x: v.clean_url(x, "url"),
    "allowed_origins": lambda x: v.clean_origins(x, "allowed_origins"),
    "display_name": lambda x: v.clean_name(x, "display_name", allow_empty=True),
    "logo_url": lambda x: v.clean_url(x, "logo_url", allow_empty=True),
    "greeting": lambda x: v.clean_text(x, "greeting", max_len=v.GREETING_MAX),
    "theme_color": lambda x: v.clean_color(x, "theme_color"),
    "widget_position": lambda x: v.clean_position(x, "widget_position"),
    "language": lambda x: v.clean_language(x, "language"),
    "typing_preview": lambda x: v.clean_bool(x, "typing_preview"),
    "prechat_fields": lambda x: clean_prechat_fields(x),
    "business_hours": clean_business_hours,
    "offline_mode": lambda x: v.clean_choice(x, "offline_mode", OFFLINE_MODES),
    "notify_email": lambda x: v.clean_email(x, "notify_email", allow_empty=True),
    "routing_strategy": lambda x: v.clean_choice(x, "routing_strategy", STRATEGIES),
    "fallback_team_id": lambda x: None if x is None else v.clean_id(x, "fallback_team_id"),
    "unanswered_seconds": lambda x: v.clean_int(x, "unanswered_seconds", 10, 3600),
    "track_before_chat": lambda x: v.clean_bool(x, "track_before_chat"),
    "honour_dnt": lambda x: v.clean_bool(x, "honour_dnt"),
    "require_identity": lambda x: v.clean_choice(x, "require_identity", REQUIRE_IDENTITY),
    "invitation_templates": clean_templates,
}


def clean_prechat_fields(value: Any) -> tuple[tuple[str, bool], ...]:
    """The pre-chat form: which of name / e-mail / phone to ask before chatting, and whether
    each is required. An empty list means no form."""
    field = "prechat_fields"
    if not isinstance(value, list) or len(value) > len(PRECHAT_FIELDS):
        raise Invalid(f"{field} must be a list of at most {len(PRECHAT_FIELDS)} fields",
                      field=field)
    result: dict[str, bool] = {}
    for item in value:
        entry = v.only_fields(item, ("field", "required"), field)
        name = v.clean_choice(entry.get("field"), field, PRECHAT_FIELDS)
        if name in result:
            raise Invalid(f"{field}: {name} is listed twice", field=field)
        result[name] = v.clean_bool(entry.get("required", False), field)
    return tuple(result.items())


def clean_site_fields(data: Any, *, creating: bool) -> dict[str, Any]:
    """The validated subset of site fields in `data`; creating requires a name and a URL."""
    body = v.only_fields(data, EDITABLE_FIELDS)
    fields = {name: _CLEANERS[name](value) for name, value in body.items()}
    if creating:
        for required in ("name", "url"):
            if required not in fields:
                raise Invalid(f"{required} is required", field=required)
        fields.setdefault("allowed_origins", (v.origin_of(fields["url"]),))
        fields.setdefault("theme_color", DEFAULT_THEME_COLOR)
    return fields
