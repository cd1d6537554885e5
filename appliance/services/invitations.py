"""Proactive invitations: agents invite a visitor, rules invite by themselves, visitors answer;
every invitation is recorded with its rule, page and outcome."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from appliance.domain import validation as v
from appliance.domain.errors import Conflict, Forbidden, Invalid, NotFound
from appliance.domain.events import InvitationChanged
from appliance.domain.invitations import (
    REPLIES,
    SHOW_SECONDS,
    WITHDRAWN,
    Candidate,
    Invitation,
    Rule,
    clean_message,
    clean_rule,
    first_rule,
)
from appliance.domain.model import User
from appliance.domain.permissions import can_access_site, require_install_manager
from appliance.domain.routing import AgentSnapshot
from appliance.domain.visits import LEFT
from appliance.services.blocks import block_of
from appliance.services.context import Services, on_writer
from appliance.services.visits import access_visitor, do_close_left
from appliance.storage import invitations as store
from appliance.storage import routing as routing_store
from appliance.storage import sites as site_store

log = logging.getLogger(__name__)


def _changed(invitation: Invitation | None) -> list[Any]:
    return [] if invitation is None else [InvitationChanged(invitation)]


# -- agents ---------------------------------------------------------------------------------

async def check_invite(svc: Services, actor: User, visitor_id: int, data: Any) -> Invitation:
    """An agent serving the visitor's site invites them now, with a message."""
    body = v.only_fields(data, ("message",))
    message = clean_message(body.get("message"))
    visitor = await access_visitor(svc, actor, visitor_id)
    live = svc.live.get(visitor.id)
    if live is None or live.state == LEFT:
        raise Conflict("This visitor is not on the site now")
    if live.conversation_id is not None:
        raise Conflict("This visitor is already chatting")
    site = await svc.db.read(site_store.get_site, visitor.site_id)
    if await block_of(svc, site, visitor.id, "") is not None:
        raise Conflict("This visitor is blocked")
    now = svc.now()
    job = on_writer(_create_invitation_job, visitor.site_id, visitor.id, live.visit_id,
                    actor.id, None, message, live.page_url, now)
    return await svc.commit(job, lambda invitation: [InvitationChanged(invitation)])


async def do_withdraw(svc: Services, actor: User, invitation_id: int) -> Invitation:
    found = await svc.db.read(store.get_invitation, invitation_id)
    if not can_access_site(actor, found.site_id):
        raise NotFound("No such invitation")
    now = svc.now()
    settled = await svc.commit(on_writer(store.answer, invitation_id, WITHDRAWN, now),
                               _changed)
    if settled is None:
        raise Conflict("This invitation was already answered")
    return settled


# -- visitors -------------------------------------------------------------------------------

async def check_reply(svc: Services, visitor_id: int, data: dict[str, Any]) -> Invitation:
    """The visitor accepted or declined an invitation shown to them."""
    invitation_id = v.clean_id(data.get("invitation_id"), "invitation_id")
    reply = v.clean_choice(data.get("reply"), "reply", REPLIES)
    try:
        found = await svc.db.read(store.get_invitation, invitation_id)
    except NotFound:
        found = None
    if found is None or found.visitor_id != visitor_id:
        raise NotFound("No such invitation", field="invitation_id")
    now = svc.now()
    settled = await svc.commit(on_writer(store.answer, invitation_id, reply, now),
                               _changed)
    if settled is None:
        raise Conflict("This invitation was already answered or withdrawn",
                       field="invitation_id")
    return settled


# -- the rules' sweep -----------------------------------------------------------------------

async def do_expire(svc: Services, *, everything: bool = False) -> int:
    """Invitations nobody answered for SHOW_SECONDS are recorded as ignored. The live list
    says when one is due; `everything` also finds those a restart left showing."""
    now = svc.now()
    if not everything and not svc.live.expired_invitations(now):
        return 0
    before = now - timedelta(seconds=SHOW_SECONDS)
    expired = await svc.commit(on_writer(store.expire_shown, before),
                               lambda found: [InvitationChanged(i) for i in found])
    return len(expired)


async def _available(svc: Services, site_id: int, team_id: int | None,
                     cache: dict[tuple[int, int | None], bool]) -> bool:
    """Someone of the rule's team (or of the site) could take a chat now."""
    key = (site_id, team_id)
    if key not in cache:
        records = await svc.db.read(routing_store.agents_of_site, site_id)
        cache[key] = any(
            AgentSnapshot(r.user_id, svc.presence.status(r.user_id), r.active_chats,
                          r.max_chats, r.team_ids, 0.0).available
            and (team_id is None or team_id in r.team_ids) for r in records)
    return cache[key]


async def do_run_rules(svc: Services) -> int:
    """Every live visitor a rule may invite now gets the first rule that fires (at most one
    invitation a visitor at a time, within the rule's caps); returns how many were sent."""
    rules = await svc.db.read(store.rules_of, None)
    if not rules:
        return 0
    by_site: dict[int, list[Rule]] = {}
    for each in rules:
        by_site.setdefault(each.site_id, []).append(each)
    now = svc.now()
    available: dict[tuple[int, int | None], bool] = {}
    sent = 0
    for candidate in svc.live.candidates(now, by_site):
        rule = first_rule(by_site[candidate.site_id], candidate.moment, candidate.done)
        if rule is None or not await _available(svc, candidate.site_id, rule.team_id,
                                                available):
            continue
        if await _fire(svc, rule, candidate):
            sent += 1
    return sent


async def _fire(svc: Services, rule: Rule, candidate: Candidate) -> bool:
    now = svc.now()
    site = await svc.db.read(site_store.get_site, candidate.site_id)
    if await block_of(svc, site, candidate.visitor_id, "") is not None:
        svc.live.rule_done(candidate.visitor_id, rule.id)
        return False

    invitation = await svc.commit(on_writer(_fire_job, rule, candidate, now), _changed)
    if invitation is None:
        svc.live.rule_done(candidate.visitor_id, rule.id)
        return False
    return True


async def sweep(svc: Services) -> None:
    """Once a second: who left, which invitations expired, which rules fire."""
    for step in (do_close_left, do_expire, do_run_rules):
        try:
            await step(svc)
        except Exception:
            log.exception("visitor sweep step %s failed", step.__name__)


# -- rules (owners and admins) --------------------------------------------------------------

async def list_rules(svc: Services, actor: User, site_id: int) -> list[Rule]:
    if not can_access_site(actor, site_id):
        raise Forbidden("You are not assigned to this site")
    await svc.db.read(site_store.get_site, site_id)
    return await svc.db.read(store.rules_of, site_id)


async def _check_team(svc: Services, site_id: int, team_id: int | None) -> None:
    if team_id is None:
        return
    try:
        team = await svc.db.read(routing_store.get_team, team_id)
    except NotFound:
        team = None
    if team is None or team.site_id not in (None, site_id):
        raise Invalid("That team does not serve this site", field="team_id")


async def check_create_rule(svc: Services, actor: User, site_id: int, data: Any) -> Rule:
    require_install_manager(actor)
    fields = clean_rule(data, creating=True)
    await svc.db.read(site_store.get_site, site_id)
    await _check_team(svc, site_id, fields.get("team_id"))
    return await svc.db.write(store.create_rule, site_id, fields, svc.now())


async def check_update_rule(svc: Services, actor: User, rule_id: int, data: Any) -> Rule:
    require_install_manager(actor)
    fields = clean_rule(data, creating=False)
    rule = await svc.db.read(store.get_rule, rule_id)
    if "team_id" in fields:
        await _check_team(svc, rule.site_id, fields["team_id"])
    return await svc.db.write(store.update_rule, rule_id, fields, svc.now())


async def do_delete_rule(svc: Services, actor: User, rule_id: int) -> None:
    require_install_manager(actor)
    await svc.db.write(store.delete_rule, rule_id)


def _create_invitation_job(site_id: int, visitor_id: int, visit_id: int, agent_id: int | None,
                           rule_id: int | None, message: str, page_url: str,
                           now: datetime) -> Invitation:
    return store.create_invitation(
        site_id=site_id, visitor_id=visitor_id, visit_id=visit_id, agent_id=agent_id,
        rule_id=rule_id, message=message, page_url=page_url, now=now)


def _fire_job(rule: Rule, candidate: Candidate, now: datetime) -> Invitation | None:
    in_visit, in_day = store.rule_fired(rule.id, candidate.visitor_id, candidate.visit_id,
                                        now)
    if in_visit >= rule.per_visit_cap or in_day >= rule.per_day_cap:
        return None
    if store.showing_of(candidate.visitor_id) is not None:
        return None
    return store.create_invitation(
        site_id=candidate.site_id, visitor_id=candidate.visitor_id,
        visit_id=candidate.visit_id, agent_id=None, rule_id=rule.id, message=rule.message,
        page_url=candidate.page_url, now=now)
