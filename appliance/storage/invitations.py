"""Invitations and invitation rules: queries and changes, run on the database threads."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from appliance.domain.errors import Conflict, NotFound
from appliance.domain.invitations import (
    ACCEPTED,
    IGNORED,
    SHOWN,
    Conditions,
    Invitation,
    Rule,
    clean_conditions,
    conditions_json,
)
from appliance.storage.tables import InvitationRow, InvitationRuleRow, UserRow


def _invitation(row: InvitationRow, agent_name: str = "") -> Invitation:
    return Invitation(
        id=row.id, site_id=row.site_id, visitor_id=row.visitor_id, visit_id=row.visit_id,
        agent_id=row.agent_id, rule_id=row.rule_id, message=row.message,
        page_url=row.page_url, status=row.status, created_at=row.created_at,
        answered_at=row.answered_at, conversation_id=row.conversation_id,
        agent_name=agent_name)


def _with_agent_name(row: InvitationRow) -> Invitation:
    name = ""
    if row.agent_id is not None:
        user = UserRow.get_or_none(UserRow.id == row.agent_id)
        name = "" if user is None else user.display_name
    return _invitation(row, name)


def get_invitation(invitation_id: int) -> Invitation:
    row = InvitationRow.get_or_none(InvitationRow.id == invitation_id)
    if row is None:
        raise NotFound("No such invitation")
    return _with_agent_name(row)


def showing_of(visitor_id: int) -> Invitation | None:
    row = (InvitationRow.select().where((InvitationRow.visitor_id == visitor_id)
                                        & (InvitationRow.status == SHOWN))
           .order_by(InvitationRow.id.desc()).first())
    return None if row is None else _with_agent_name(row)


def create_invitation(*, site_id: int, visitor_id: int, visit_id: int | None,
                      agent_id: int | None, rule_id: int | None, message: str, page_url: str,
                      now: datetime) -> Invitation:
    """One invitation shows at a time (checked here, on the writer, so two agents clicking at
    once cannot both invite)."""
    if showing_of(visitor_id) is not None:
        raise Conflict("This visitor is already being shown an invitation")
    row = InvitationRow.create(site=site_id, visitor_id=visitor_id, visit_id=visit_id,
                               agent_id=agent_id, rule_id=rule_id, message=message,
                               page_url=page_url, status=SHOWN, created_at=now)
    return _with_agent_name(row)


def rule_fired(rule_id: int, visitor_id: int, visit_id: int | None,
               now: datetime) -> tuple[int, int]:
    """How often a rule invited this visitor in this visit, and in the last 24 hours."""
    base = InvitationRow.select().where((InvitationRow.rule_id == rule_id)
                                        & (InvitationRow.visitor_id == visitor_id))
    in_visit = base.where(InvitationRow.visit_id == visit_id).count() if visit_id else 0
    in_day = base.where(InvitationRow.created_at > now - timedelta(days=1)).count()
    return in_visit, in_day


def answer(invitation_id: int, status: str, now: datetime) -> Invitation | None:
    """Settle an invitation still showing; None when it was settled already."""
    changed = InvitationRow.update(status=status, answered_at=now).where(
        (InvitationRow.id == invitation_id) & (InvitationRow.status == SHOWN)).execute()
    return get_invitation(invitation_id) if changed else None


def expire_shown(before: datetime) -> list[Invitation]:
    """Invitations shown before `before` and never answered are ignored."""
    rows = list(InvitationRow.select().where((InvitationRow.status == SHOWN)
                                             & (InvitationRow.created_at < before)))
    expired = []
    for row in rows:
        done = answer(row.id, IGNORED, before)
        if done is not None:
            expired.append(done)
    return expired


def recently_accepted(visitor_id: int, since: datetime) -> int | None:
    """The visitor's latest invitation accepted since `since` and not yet linked to a chat."""
    row = (InvitationRow.select(InvitationRow.id).where(
        (InvitationRow.visitor_id == visitor_id) & (InvitationRow.status == ACCEPTED)
        & InvitationRow.conversation_id.is_null() & (InvitationRow.answered_at >= since))
        .order_by(InvitationRow.id.desc()).first())
    return None if row is None else int(row.id)


def link_conversation(invitation_id: int, conversation_id: int) -> Invitation:
    InvitationRow.update(conversation_id=conversation_id).where(
        (InvitationRow.id == invitation_id) & InvitationRow.conversation_id.is_null()).execute()
    return get_invitation(invitation_id)


def invitations_of(visitor_ids: list[int], limit: int) -> list[Invitation]:
    rows = (InvitationRow.select().where(InvitationRow.visitor_id.in_(visitor_ids))
            .order_by(InvitationRow.created_at.desc(), InvitationRow.id.desc()).limit(limit))
    return [_with_agent_name(row) for row in rows]


# -- rules ----------------------------------------------------------------------------------

def _rule(row: InvitationRuleRow) -> Rule:
    return Rule(
        id=row.id, site_id=row.site_id, name=row.name, enabled=bool(row.enabled),
        priority=row.priority, conditions=clean_conditions(json.loads(row.conditions)),
        message=row.message, team_id=row.team_id, per_visit_cap=row.per_visit_cap,
        per_day_cap=row.per_day_cap, on_phones=bool(row.on_phones), created_at=row.created_at,
        updated_at=row.updated_at)


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    columns = dict(fields)
    if "conditions" in columns:
        conditions: Conditions = columns["conditions"]
        columns["conditions"] = json.dumps(conditions_json(conditions), ensure_ascii=False)
    return columns


def rules_of(site_id: int | None) -> list[Rule]:
    """A site's rules (None: every site's enabled rules), highest priority first."""
    query = InvitationRuleRow.select()
    if site_id is None:
        query = query.where(InvitationRuleRow.enabled == True)  # noqa: E712
    else:
        query = query.where(InvitationRuleRow.site == site_id)
    query = query.order_by(InvitationRuleRow.priority.desc(), InvitationRuleRow.id)
    return [_rule(row) for row in query]


def get_rule(rule_id: int) -> Rule:
    row = InvitationRuleRow.get_or_none(InvitationRuleRow.id == rule_id)
    if row is None:
        raise NotFound("No such invitation rule")
    return _rule(row)


def create_rule(site_id: int, fields: dict[str, Any], now: datetime) -> Rule:
    defaults = {"enabled": True, "priority": 0, "team_id": None, "per_visit_cap": 1,
                "per_day_cap": 1, "on_phones": False}
    row = InvitationRuleRow.create(site=site_id, created_at=now, updated_at=now,
                                   **_columns({**defaults, **fields}))
    return _rule(row)


def update_rule(rule_id: int, fields: dict[str, Any], now: datetime) -> Rule:
    get_rule(rule_id)
    InvitationRuleRow.update(updated_at=now, **_columns(fields)).where(
        InvitationRuleRow.id == rule_id).execute()
    return get_rule(rule_id)


def delete_rule(rule_id: int) -> None:
    get_rule(rule_id)
    InvitationRuleRow.delete().where(InvitationRuleRow.id == rule_id).execute()
