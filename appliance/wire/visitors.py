"""Live visitors, visits with their pages, invitations, rules and blocks as the API shows them."""

from __future__ import annotations

from typing import Any

from appliance.domain.blocks import Block
from appliance.domain.invitations import Invitation, Rule, conditions_json
from appliance.domain.visits import LiveVisitor, PageView, Place, Visit, device_kind
from appliance.wire import timestamp


def place_json(place: Place) -> dict[str, str]:
    return {"country": place.country, "province": place.province, "city": place.city}


def live_visitor_json(live: LiveVisitor) -> dict[str, Any]:
    return {
        "id": live.id, "site_id": live.site_id, "name": live.name, "state": live.state,
        "page": {"url": live.page_url, "title": live.page_title},
        "source": {"kind": live.source_kind, "name": live.source_name,
                   "keyword": live.keyword},
        "place": place_json(live.place),
        "device": {"browser": live.browser, "os": live.os, "device": live.device,
                   "kind": live.device_kind},
        "language": live.language, "visit_started_at": timestamp(live.visit_started_at),
        "page_count": live.page_count, "returning": live.visit_number > 1,
        "visit_number": live.visit_number, "conversation_id": live.conversation_id,
        "invitation": None if live.invitation_id is None
        else {"id": live.invitation_id, "status": live.invitation_status},
        "last_seen_at": timestamp(live.last_seen_at),
        "left_at": None if live.left_at is None else timestamp(live.left_at),
    }


def page_view_json(page: PageView) -> dict[str, Any]:
    return {"url": page.url, "title": page.title, "started_at": timestamp(page.started_at),
            "seconds": page.seconds, "position": page.position}


def visit_json(visit: Visit, pages: list[PageView]) -> dict[str, Any]:
    return {
        "id": visit.id, "visitor_id": visit.visitor_id, "site_id": visit.site_id,
        "number": visit.number, "started_at": timestamp(visit.started_at),
        "last_seen_at": timestamp(visit.last_seen_at), "entry_url": visit.entry_url,
        "entry_title": visit.entry_title, "referrer": visit.referrer,
        "source": {"kind": visit.source_kind, "name": visit.source_name,
                   "keyword": visit.keyword, "campaign": visit.campaign},
        "device": {"browser": visit.browser, "os": visit.os, "device": visit.device,
                   "kind": device_kind(visit.user_agent, visit.device)},
        "language": visit.language, "ip": visit.ip, "place": place_json(visit.place),
        "page_count": visit.page_count, "pages": [page_view_json(p) for p in pages],
    }


def invitation_json(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.id, "site_id": invitation.site_id,
        "visitor_id": invitation.visitor_id, "agent_id": invitation.agent_id,
        "rule_id": invitation.rule_id, "message": invitation.message,
        "page_url": invitation.page_url, "status": invitation.status,
        "created_at": timestamp(invitation.created_at),
        "answered_at": timestamp(invitation.answered_at),
        "conversation_id": invitation.conversation_id,
    }


def visitor_invitation_json(invitation: Invitation) -> dict[str, Any]:
    """What the invited visitor's widget shows."""
    agent = None if invitation.agent_id is None else {"id": invitation.agent_id,
                                                      "name": invitation.agent_name}
    return {"id": invitation.id, "message": invitation.message, "agent": agent}


def rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id, "site_id": rule.site_id, "name": rule.name, "enabled": rule.enabled,
        "priority": rule.priority, "conditions": conditions_json(rule.conditions),
        "message": rule.message, "team_id": rule.team_id,
        "per_visit_cap": rule.per_visit_cap, "per_day_cap": rule.per_day_cap,
        "on_phones": rule.on_phones, "created_at": timestamp(rule.created_at),
        "updated_at": timestamp(rule.updated_at),
    }


def block_json(block: Block) -> dict[str, Any]:
    return {
        "id": block.id, "company_id": block.company_id, "site_id": block.site_id,
        "kind": block.kind, "value": block.value, "reason": block.reason,
        "created_by": block.created_by, "created_at": timestamp(block.created_at),
        "removed_at": timestamp(block.removed_at), "removed_by": block.removed_by,
    }
