"""Rules for a site's settings: which fields exist, their limits and their defaults."""

from __future__ import annotations

from typing import Any

from appliance.domain import validation as v
from appliance.domain.errors import Invalid

DEFAULT_THEME_COLOR = "#1f6feb"
EDITABLE_FIELDS = ("company_id", "name", "url", "allowed_origins", "display_name", "logo_url",
                   "greeting", "theme_color", "widget_position", "language", "typing_preview")

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
}


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
