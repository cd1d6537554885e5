"""Routing use cases: assign new chats, keep the queue moving, agents' status, teams."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

from appliance.domain import validation as v
from appliance.domain.conversations import SYSTEM, Conversation, Sender
from appliance.domain.errors import Forbidden, Invalid
from appliance.domain.events import (
    ConversationChanged,
    Event,
    MessageCreated,
    Unanswered,
)
from appliance.domain.model import Role, User
from appliance.domain.permissions import require_conversation_access, require_install_manager
from appliance.domain.routing import (
    ASSIGNED,
    CHOOSABLE_STATUSES,
    QUEUED,
    AgentSnapshot,
    Waiting,
    choose,
    estimated_wait_seconds,
    position_in_queue,
)
from appliance.domain.teams import AgentRecord, Category, Team
from appliance.services import assignment
from appliance.services.context import Services, WriterJob, on_writer
from appliance.storage import conversations as conv_store
from appliance.storage import routing as store

log = logging.getLogger(__name__)


def _snapshots(svc: Services, records: list[AgentRecord]) -> list[AgentSnapshot]:
    return [AgentSnapshot(r.user_id, svc.presence.status(r.user_id), r.active_chats,
                          r.max_chats, r.team_ids, svc.presence.last_assigned(r.user_id))
            for r in records]


Assigned = tuple[Conversation, list[Any]] | None  # None: someone else took it meanwhile


def _assigned_events(result: tuple[Conversation, list[Any]] | None) -> list[Event]:
    if result is None:
        return []
    conversation, lines = result
    return [ConversationChanged(conversation),
            *(MessageCreated(line, conversation) for line in lines)]


def _routed_events(routed: assignment.Routed) -> list[Event]:
    return [event for done in routed.assignments
            for event in (ConversationChanged(done.conversation),
                          MessageCreated(done.line, done.conversation))]


def _after_routing(svc: Services, site_id: int, routed: assignment.Routed) -> None:
    for done in routed.assignments:
        svc.presence.assigned(done.agent.user_id)
    svc.queue_board.changed(site_id)


async def route_new(svc: Services, conversation: Conversation,
                    category_id: int | None = None) -> str:
    """Give a new chat to an agent, or queue it; returns the outcome. Decided on the writer
    with every agent's load counted there (services/assignment.py)."""
    routing = await svc.db.read(store.site_routing, conversation.site_id)
    team_id = None
    if category_id is not None:
        team_id = await svc.db.write(store.set_category, conversation.id, category_id,
                                     conversation.site_id)
    records = await svc.db.read(store.agents_of_site, conversation.site_id)
    previous = await svc.db.read(store.previous_agent, conversation.visitor_id,
                                 conversation.id)
    # Presence read and the job queued in one step of the loop: nothing changes in between.
    job = assignment.route_job(conversation.id, team_id, routing,
                               assignment.candidates(svc, records), previous, svc.now())
    routed = await svc.commit(job, _routed_events)
    if routed.outcome in (ASSIGNED, QUEUED):
        _after_routing(svc, conversation.site_id, routed)
    return routed.outcome


async def drain_queue(svc: Services, site_id: int) -> int:
    """Hand waiting chats to agents who can take them now; returns how many were assigned."""
    routing = await svc.db.read(store.site_routing, site_id)
    records = await svc.db.read(store.agents_of_site, site_id)
    job = assignment.drain_job(site_id, routing, assignment.candidates(svc, records), svc.now())
    routed = await svc.commit(job, _routed_events)
    _after_routing(svc, site_id, routed)
    return len(routed.assignments)


async def publish_queue(svc: Services, site_id: int) -> None:
    """The site's queue changed: its waiting visitors and agents hear of it (coalesced)."""
    svc.queue_board.changed(site_id)


async def queue_position(svc: Services, conversation: Conversation) -> tuple[int, int] | None:
    rows = await svc.db.read(store.queued, conversation.site_id)
    waiting = [Waiting(cid, team, at.timestamp()) for cid, _, team, at in rows]
    position = position_in_queue(waiting, conversation.id)
    if position is None:
        return None
    records = await svc.db.read(store.agents_of_site, conversation.site_id)
    present = sum(1 for s in _snapshots(svc, records) if s.present)
    return position, estimated_wait_seconds(position, present)


async def status_choice_of(svc: Services, actor: User) -> str:
    return await svc.db.read(store.status_choice, actor.id)


async def check_set_status(svc: Services, actor: User, status: Any) -> str:
    if status not in CHOOSABLE_STATUSES:
        raise Invalid(f"status must be one of: {', '.join(CHOOSABLE_STATUSES)}", field="status")
    await svc.db.write(store.set_status_choice, actor.id, status)
    svc.presence.choose(actor.id, status)
    await drain_sites_of(svc, actor)
    return svc.presence.status(actor.id)


async def drain_sites_of(svc: Services, actor: User) -> None:
    """An agent became able to take chats: move the queues of their sites."""
    sites = {cid_site for _, cid_site, _, _ in await svc.db.read(store.queued, None)}
    for site_id in sorted(sites):
        if actor.role.manages_install or site_id in actor.site_ids:
            try:
                await drain_queue(svc, site_id)
            except Exception:
                log.exception("draining the queue of site %s failed", site_id)


async def agents_status(svc: Services, actor: User, site_id: int) -> list[dict[str, Any]]:
    """Supervisors' live view: every agent of a site with status and load."""
    if actor.role.rank < Role.SUPERVISOR.rank:
        raise Forbidden("Only supervisors and up see everyone's status")
    require_conversation_access(actor, site_id)
    records = await svc.db.read(store.agents_of_site, site_id)
    return [{"id": r.user_id, "display_name": r.display_name,
             "status": svc.presence.status(r.user_id), "active_chats": r.active_chats,
             "max_chats": r.max_chats, "team_ids": sorted(r.team_ids)} for r in records]


# -- teams ----------------------------------------------------------------------------------

def _clean_team(data: Any) -> tuple[str, int | None, tuple[int, ...] | None]:
    body = v.only_fields(data, ("name", "site_id", "member_ids"))
    name = v.clean_name(body.get("name"), "name")
    site_id = None if body.get("site_id") is None else v.clean_id(body["site_id"], "site_id")
    members = None if "member_ids" not in body else v.clean_id_list(body["member_ids"],
                                                                    "member_ids")
    return name, site_id, members


async def list_teams(svc: Services, actor: User) -> list[Team]:
    teams = await svc.db.read(store.list_teams)
    if actor.role.manages_install:
        return teams
    return [t for t in teams if t.site_id is None or t.site_id in actor.site_ids]


async def check_save_team(svc: Services, actor: User, team_id: int | None,
                          data: Any) -> Team:
    require_install_manager(actor)
    name, site_id, members = _clean_team(data)
    return await svc.db.write(store.save_team, team_id, site_id, name, members, svc.now())


async def do_delete_team(svc: Services, actor: User, team_id: int) -> None:
    require_install_manager(actor)
    await svc.db.write(store.delete_team, team_id)


# -- question categories --------------------------------------------------------------------

def _clean_category(data: Any) -> tuple[str, int | None, int]:
    body = v.only_fields(data, ("name", "team_id", "position"))
    name = v.clean_name(body.get("name"), "name", max_len=40)
    team_id = None if body.get("team_id") is None else v.clean_id(body["team_id"], "team_id")
    position = v.clean_int(body.get("position", 0), "position", 0, 1000)
    return name, team_id, position


async def categories(svc: Services, site_id: int) -> list[Category]:
    return await svc.db.read(store.categories_of, site_id)


async def check_save_category(svc: Services, actor: User, site_id: int | None,
                              category_id: int | None, data: Any) -> Category:
    require_install_manager(actor)
    name, team_id, position = _clean_category(data)
    if category_id is not None:
        site_id = (await svc.db.read(store.get_category, category_id)).site_id
    assert site_id is not None
    return await svc.db.write(store.save_category, category_id, site_id, name, team_id,
                              position)


async def do_delete_category(svc: Services, actor: User, category_id: int) -> None:
    require_install_manager(actor)
    await svc.db.read(store.get_category, category_id)
    await svc.db.write(store.delete_category, category_id)


def _reassign_job(conversation_id: int, old: int, new: AgentRecord,
                  now: datetime) -> WriterJob[Assigned]:
    @on_writer
    def move() -> tuple[Conversation, list[Any]] | None:
        if store.open_loads([new.user_id]).get(new.user_id, 0) >= new.max_chats:
            return None  # they filled up meanwhile: their limit is counted here, on the writer
        if not store.reassign(conversation_id, old, new.user_id):
            return None  # answered, closed or taken meanwhile
        line, _ = conv_store.append_to(conv_store.require_head(conversation_id),
                                       Sender(SYSTEM, None, new.display_name), "system",
                                       "transferred", "sys-" + secrets.token_hex(12), None, now)
        return conv_store.get_conversation(conversation_id), [line]

    return move


async def reoffer_unanswered(svc: Services) -> int:
    """Chats their agent left unanswered too long go to another agent who can take them, and
    supervisors are told either way; returns how many moved."""
    moved = 0
    for conversation_id, site_id, agent_id in await svc.db.read(store.unanswered, svc.now()):
        routing = await svc.db.read(store.site_routing, site_id)
        records = await svc.db.read(store.agents_of_site, site_id)
        others = [s for s in _snapshots(svc, records) if s.user_id != agent_id]
        decision = choose(others, team_id=None, fallback_team_id=None,
                          strategy=routing.strategy if routing.strategy != "manual"
                          else "least_busy")
        svc.publish(Unanswered(conversation_id, site_id, agent_id,
                               decision.agent_id if decision.outcome == ASSIGNED else None))
        if decision.outcome != ASSIGNED:
            continue
        target = next(r for r in records if r.user_id == decision.agent_id)
        move = _reassign_job(conversation_id, agent_id, target, svc.now())
        if await svc.commit(move, _assigned_events) is not None:
            svc.presence.assigned(target.user_id)
            moved += 1
    return moved


async def pick_in_team(svc: Services, conversation: Conversation, team_id: int) -> int | None:
    """An agent of the team who can take the chat now (not its current agent), or None."""
    team = await svc.db.read(store.get_team, team_id)
    if team.site_id not in (None, conversation.site_id):
        raise Invalid("That team does not serve this conversation's site", field="team_id")
    routing = await svc.db.read(store.site_routing, conversation.site_id)
    records = await svc.db.read(store.agents_of_site, conversation.site_id)
    others = [s for s in _snapshots(svc, records) if s.user_id != conversation.assignee_id]
    strategy = routing.strategy if routing.strategy != "manual" else "least_busy"
    decision = choose(others, team_id=team_id, fallback_team_id=None, strategy=strategy)
    return decision.agent_id if decision.outcome == ASSIGNED else None
