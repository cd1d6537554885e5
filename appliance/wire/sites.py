"""Sites, their settings, teams and question categories; what the widget learns of a site."""

from __future__ import annotations

from typing import Any

from appliance.domain.availability import Availability
from appliance.domain.conversations import CannedReply
from appliance.domain.embed import embed_snippet
from appliance.domain.hours import schedule_json
from appliance.domain.model import Site
from appliance.domain.teams import Category, Team
from appliance.wire import timestamp


def prechat_json(site: Site) -> list[dict[str, Any]]:
    return [{"field": f, "required": r} for f, r in site.prechat_fields]


def chat_page_url(base_url: str, widget_key: str) -> str:
    return f"{base_url.rstrip('/')}/chat/{widget_key}"


def site_json(site: Site, base_url: str) -> dict[str, Any]:
    """A site with every setting, for the admin pages."""
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
        "track_before_chat": site.track_before_chat, "honour_dnt": site.honour_dnt,
        "require_identity": site.require_identity,
        "invitation_templates": list(site.invitation_templates),
        "chat_page_url": chat_page_url(base_url, site.widget_key),
        "snippet": embed_snippet(base_url, site.widget_key),
        "created_at": timestamp(site.created_at),
    }


def widget_site_json(site: Site, name: str, categories: list[Category]) -> dict[str, Any]:
    """The business card and settings a visitor's widget needs (`name`: shown name)."""
    return {"name": name, "logo_url": site.logo_url, "greeting": site.greeting,
            "theme_color": site.theme_color, "widget_position": site.widget_position,
            "language": site.language, "typing_preview": site.typing_preview,
            "prechat_fields": prechat_json(site),
            "categories": [{"id": c.id, "name": c.name} for c in categories],
            "track": site.track_before_chat, "honour_dnt": site.honour_dnt,
            "require_identity": site.require_identity}


def team_json(team: Team) -> dict[str, Any]:
    return {"id": team.id, "site_id": team.site_id, "name": team.name,
            "member_ids": list(team.member_ids)}


def category_json(category: Category) -> dict[str, Any]:
    return {"id": category.id, "site_id": category.site_id, "name": category.name,
            "team_id": category.team_id, "position": category.position}


def canned_json(reply: CannedReply) -> dict[str, Any]:
    return {"id": reply.id, "site_id": reply.site_id, "company_id": reply.company_id,
            "owner_id": reply.owner_id, "shortcut": reply.shortcut, "body": reply.body}


def availability_json(found: Availability) -> dict[str, Any]:
    """Whether the widget offers a chat now, and when a closed site opens next."""
    return {"mode": found.mode, "open": found.open, "agents_online": found.agents_online,
            "opens_at": timestamp(found.opens_at), "hours": found.hours}
