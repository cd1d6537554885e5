"""JSON shapes of domain objects, built in one place (documented in docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from appliance.domain.embed import embed_snippet
from appliance.domain.hours import schedule_json
from appliance.domain.model import Company, Site, User


def timestamp(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id, "login": user.login, "display_name": user.display_name,
        "role": user.role.value, "active": user.active, "language": user.language,
        "max_chats": user.max_chats,
        "site_ids": list(user.site_ids), "created_at": timestamp(user.created_at),
    }


def company_json(company: Company) -> dict[str, Any]:
    return {"id": company.id, "name": company.name, "max_chats": company.max_chats,
            "created_at": timestamp(company.created_at)}


def prechat_json(site: Site) -> list[dict[str, Any]]:
    return [{"field": f, "required": r} for f, r in site.prechat_fields]


def chat_page_url(base_url: str, widget_key: str) -> str:
    return f"{base_url.rstrip('/')}/chat/{widget_key}"


def site_json(site: Site, base_url: str) -> dict[str, Any]:
    return {
        "id": site.id, "company_id": site.company_id, "name": site.name, "url": site.url,
        "widget_key": site.widget_key, "allowed_origins": list(site.allowed_origins),
        "display_name": site.display_name, "logo_url": site.logo_url,
        "greeting": site.greeting, "theme_color": site.theme_color,
        "widget_position": site.widget_position, "language": site.language,
        "typing_preview": site.typing_preview,
        "has_identity_secret": bool(site.identity_secret),
        "prechat_fields": prechat_json(site),
        "business_hours": schedule_json(site.business_hours),
        "offline_mode": site.offline_mode, "notify_email": site.notify_email,
        "routing_strategy": site.routing_strategy, "fallback_team_id": site.fallback_team_id,
        "unanswered_seconds": site.unanswered_seconds,
        "chat_page_url": chat_page_url(base_url, site.widget_key),
        "snippet": embed_snippet(base_url, site.widget_key),
        "created_at": timestamp(site.created_at),
    }
