"""Routing use cases: assign new chats, keep the queue moving, agents' status, teams."""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from appliance.domain import validation as v
from appliance.domain.conversations import SYSTEM, Conversation, Sender
from appliance.domain.errors import Forbidden, Invalid, NotFound
from appliance.domain.events import (
    ConversationChanged,
    Event,
    MessageCreated,
    Unanswered,
)
from appliance.domain.model import Role, User
from appliance.domain.permissions import (
    require_can_write,
    require_conversation_visible,
    require_install_manager,
)
from appliance.domain.routing import (
    ASSIGNED,
    AWAY,
    CHOOSABLE_STATUSES,
    NOBODY_ONLINE,
    ONLINE,
    QUEUED,
    AgentSnapshot,
    Waiting,
    choose,
    estimated_wait_seconds,
    position_in_queue,
)
from appliance.domain.teams import AgentRecord, Category, SiteRouting, Team
from appliance.services import assignment
from appliance.services.context import Services, WriterJob, on_writer
from appliance.services.sites import access_site
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
                    category_id: int | None = None, *, invited_by: int | None = None) -> str:
    """Give a new chat to an agent, or queue it; returns the outcome. Decided on the writer
    with every agent's load counted there (services/assignment.py). A chat opened from an
    agent's invitation goes to that agent when they can take it now."""
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
                               assignment.candidates(svc, records), previous, svc.now(),
                               invited_by=invited_by)
    routed = await svc.commit(job, _routed_events)
    if routed.outcome in (ASSIGNED, QUEUED):
        _after_routing(svc, conversation.site_id, routed)
    return routed.outcome


UNROUTED_AFTER_SECONDS = 10  # routing after the ack takes milliseconds: this one is late
UNROUTED_PER_SWEEP = 200


async def route_unrouted(svc: Services) -> int:
    """Open chats no agent has and no queue holds, opened a while ago, are routed as new
    when someone of their team (or the site) is present: one acknowledged just before the
    process stopped, before the routing that follows the ack ran; one that came when nobody
    could take it, whose visitor is still there (not missed) when an agent arrives. With
    nobody present they stay as they are: the offline path (missed chats) handles them.
    Returns how many were routed."""
    before = svc.now() - timedelta(seconds=UNROUTED_AFTER_SECONDS)
    routed = 0
    present: dict[tuple[int, int | None], bool] = {}  # asked once per site and category
    for conversation_id, site_id, category_id in await svc.db.read(
            store.unrouted, before, UNROUTED_PER_SWEEP):
        if (site_id, category_id) not in present:
            present[site_id, category_id] = await anyone_present(svc, site_id, category_id)
        if not present[site_id, category_id]:
            continue
        conversation = await svc.db.read(conv_store.get_conversation, conversation_id)
        if await route_new(svc, conversation, category_id) in (ASSIGNED, QUEUED):
            routed += 1
    return routed


async def anyone_present(svc: Services, site_id: int, category_id: int | None) -> bool:
    """Someone of the team a new chat would go to (the category's team, then the site's
    fallback team; the whole site without one) is present now: it would be assigned or
    queued, not left to the offline path."""
    routing = await svc.db.read(store.site_routing, site_id)
    team_id = None
    if category_id is not None:
        try:
            team_id = (await svc.db.read(store.get_category, category_id)).team_id
        except NotFound:
            team_id = None
    records = await svc.db.read(store.agents_of_site, site_id)
    decision = choose(_snapshots(svc, records), team_id=team_id,
                      fallback_team_id=routing.fallback_team_id, strategy=routing.strategy)
    return decision.outcome != NOBODY_ONLINE


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


async def do_enter_workbench(svc: Services, actor: User) -> str:
    """A console of the agent shows the workbench: they count as present and may take chats
    (their chosen status permitting), so their sites' queues move. Returns their status."""
    svc.presence_connected(actor.id, await status_choice_of(svc, actor))
    await drain_sites_of(svc, actor)
    return svc.presence.status(actor.id)


def do_leave_workbench(svc: Services, actor: User, *, closed: bool) -> str:
    """A console left the workbench: `closed` (the page went away, maybe to reload: the grace
    period keeps them present) or on purpose (another page of the app: gone at once)."""
    svc.presence_disconnected(actor.id, grace=closed)
    return svc.presence.status(actor.id)


async def do_activity(svc: Services, actor: User) -> None:
    """The agent did something at the console. Back from automatic away (online again), they
    may take chats: their sites' queues move."""
    before = svc.presence.status(actor.id)
    svc.presence_active(actor.id)
    if before == AWAY and svc.presence.status(actor.id) == ONLINE:
        await drain_sites_of(svc, actor)


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
    await access_site(svc, actor, site_id)
    records = await svc.db.read(store.agents_of_site, site_id)
    return _status_rows(svc, records)


async def transfer_targets(svc: Services, actor: User, conversation_id: int,
                           ) -> list[dict[str, Any]]:
    """Who could take over a conversation the actor may hand on: everyone who serves its site
    except its current agent, with status and load as on the team board."""
    conversation = await svc.db.read(conv_store.get_conversation, conversation_id)
    require_conversation_visible(actor, conversation.site_id)
    require_can_write(actor, conversation.assignee_id)
    records = await svc.db.read(store.agents_of_site, conversation.site_id)
    return _status_rows(svc, [r for r in records if r.user_id != conversation.assignee_id])


def _status_rows(svc: Services, records: list[AgentRecord]) -> list[dict[str, Any]]:
    return [{"id": r.user_id, "display_name": r.display_name,
             "status": svc.presence.status(r.user_id), "active_chats": r.active_chats,
             "max_chats": r.max_chats, "team_ids": sorted(r.team_ids)} for r in records]


# -- teams ----------------------------------------------------------------------------------

def _clean_team(data: Any, current: Team | None) -> tuple[str, int | None,
                                                          tuple[int, ...] | None]:
    """A new team's fields, or (`current`) a PATCH's: what it leaves out stays as it is."""
    body = v.only_fields(data, ("name", "site_id", "member_ids"))
    name = (current.name if current is not None and "name" not in body
            else v.clean_name(body.get("name"), "name"))
    if current is not None and "site_id" not in body:
        site_id = current.site_id
    else:
        site_id = None if body.get("site_id") is None else v.clean_id(body["site_id"],
                                                                       "site_id")
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
    current = None if team_id is None else await svc.db.read(store.get_team, team_id)
    name, site_id, members = _clean_team(data, current)
    team = await svc.db.write(store.save_team, team_id, site_id, name, members, svc.now())
    await drain_sites_of(svc, actor)  # a new member may take what waits for the team
    return team


async def do_delete_team(svc: Services, actor: User, team_id: int) -> None:
    require_install_manager(actor)
    await svc.db.write(store.delete_team, team_id)
    await drain_sites_of(svc, actor)  # its waiting chats now wait for anyone


# -- question categories --------------------------------------------------------------------

def _clean_category(data: Any, current: Category | None) -> tuple[str, int | None, int]:
    """A new category's fields, or (`current`) a PATCH's: what it leaves out stays."""
    body = v.only_fields(data, ("name", "team_id", "position"))
    name = (current.name if current is not None and "name" not in body
            else v.clean_name(body.get("name"), "name", max_len=40))
    if current is not None and "team_id" not in body:
        team_id = current.team_id
    else:
        team_id = None if body.get("team_id") is None else v.clean_id(body["team_id"],
                                                                       "team_id")
    position = (current.position if current is not None and "position" not in body
                else v.clean_int(body.get("position", 0), "position", 0, 1000))
    return name, team_id, position


async def categories(svc: Services, site_id: int) -> list[Category]:
    return await svc.db.read(store.categories_of, site_id)


async def access_categories(svc: Services, actor: User, site_id: int) -> list[Category]:
    """A site's categories, for those who serve it (another company's are not theirs)."""
    await access_site(svc, actor, site_id)
    return await categories(svc, site_id)


async def check_save_category(svc: Services, actor: User, site_id: int | None,
                              category_id: int | None, data: Any) -> Category:
    require_install_manager(actor)
    current = None if category_id is None else await svc.db.read(store.get_category,
                                                                 category_id)
    name, team_id, position = _clean_category(data, current)
    if current is not None:
        site_id = current.site_id
    assert site_id is not None
    return await svc.db.write(store.save_category, category_id, site_id, name, team_id,
                              position)


async def do_delete_category(svc: Services, actor: User, category_id: int) -> None:
    require_install_manager(actor)
    await svc.db.read(store.get_category, category_id)
    await svc.db.write(store.delete_category, category_id)


Reoffered = tuple[Unanswered, Conversation | None, list[Any]] | None


def _reoffer_job(conversation_id: int, site_id: int, old: int, new: AgentRecord | None,
                 now: datetime) -> WriterJob[Reoffered]:
    """The chat's one re-offer: recorded (so it never bounces on), and moved to `new` if
    anyone could take it; None when an answer, a close or a transfer came first."""

    return on_writer(_reoffer, conversation_id, site_id, old, new, now)


def _reoffered_events(result: tuple[Unanswered, Conversation | None, list[Any]] | None,
                      ) -> list[Event]:
    """The move (if any) and then the flag; the visitor hears of a transfer only if it moved."""
    if result is None:
        return []
    flag, conversation, lines = result
    moved = [] if conversation is None else _assigned_events((conversation, lines))
    return [*moved, flag]


async def reoffer_unanswered(svc: Services) -> int:
    """Chats their agent left unanswered too long are re-offered once, to an agent who has not
    had them and can take them now, and flagged to the site's consoles either way (once);
    returns how many moved. A chat that was re-offered is never moved again by this watch."""
    moved = 0
    for conversation_id, site_id, agent_id in await svc.db.read(store.unanswered, svc.now()):
        routing = await svc.db.read(store.site_routing, site_id)
        records = await svc.db.read(store.agents_of_site, site_id)
        had = await svc.db.read(store.agents_who_had, conversation_id)
        others = [s for s in _snapshots(svc, records) if s.user_id not in had | {agent_id}]
        decision = choose(others, team_id=None, fallback_team_id=None,
                          strategy=routing.strategy if routing.strategy != "manual"
                          else "least_busy")
        target = next((r for r in records if r.user_id == decision.agent_id), None)
        result = await svc.commit(
            _reoffer_job(conversation_id, site_id, agent_id, target, svc.now()),
            _reoffered_events)
        if result is not None and result[1] is not None and target is not None:
            svc.presence.assigned(target.user_id)
            moved += 1
    return moved


Returned = tuple[Conversation, list[Any], bool] | None  # after, its line, whether queued


def _returned_events(result: Returned) -> list[Event]:
    return [] if result is None else _assigned_events(result[:2])


async def return_held_chats(svc: Services, absent_seconds: float) -> int:
    """Chats whose agent is gone do not stay with them: an agent deactivated, made a client
    account or taken off the chat's site has their open chats handed on at once, to a
    colleague who can take them now or else to the site's queue (where colleagues see and
    claim them, and the next free agent gets them). An agent absent from the workbench for
    `absent_seconds` (0: never) has their chats handed to a colleague who can take them now;
    with nobody who can, they stay, and move when someone can. Returns how many moved."""
    moved, changed = 0, set()
    sites: dict[int, tuple[SiteRouting, list[AgentRecord], dict[int, AgentSnapshot]]] = {}
    for cid, site_id, agent_id, team_id, opened, serves in await svc.db.read(
            store.held_chats):
        absent = absent_seconds > 0 and svc.presence.absent_seconds(agent_id) >= absent_seconds
        if serves and not absent:
            continue
        if site_id not in sites:  # read once per site and sweep; loads kept up as chats move
            routing = await svc.db.read(store.site_routing, site_id)
            records = await svc.db.read(store.agents_of_site, site_id)
            sites[site_id] = routing, records, {s.user_id: s for s in _snapshots(svc, records)}
        routing, records, agents = sites[site_id]
        decision = choose([a for a in agents.values() if a.user_id != agent_id],
                          team_id=team_id, fallback_team_id=routing.fallback_team_id,
                          strategy=routing.strategy if routing.strategy != "manual"
                          else "least_busy")
        target = next((r for r in records if r.user_id == decision.agent_id), None)
        if target is None and serves:
            continue  # nobody can take it now: it stays, and this watch tries again
        result = await svc.commit(
            on_writer(_return_held, cid, agent_id, target, opened, team_id, not serves,
                      svc.now()),
            _returned_events)
        if result is None:
            continue
        moved += 1
        changed.add(site_id)
        if target is not None and not result[2]:
            svc.presence.assigned(target.user_id)
            taken = agents[target.user_id]
            agents[target.user_id] = replace(taken, active_chats=taken.active_chats + 1)
    for site_id in changed:
        await publish_queue(svc, site_id)
    return moved


def _return_held(conversation_id: int, old: int, new: AgentRecord | None, opened: datetime,
                 team_id: int | None, may_queue: bool, now: datetime) -> Returned:
    """On the writer: the chat to `new` if they still have room, else (`may_queue`) to the
    queue, in the place it has held since it opened; None if nothing moved (it is no longer
    `old`'s open chat, or `new` filled up and it may not queue)."""
    room = new is not None and store.open_loads([new.user_id]).get(
        new.user_id, 0) < new.max_chats  # counted here, on the writer: no race
    if new is not None and room:
        if not store.move_chat(conversation_id, old, new.user_id):
            return None
        sender = Sender(SYSTEM, new.user_id, new.display_name)
    elif may_queue:
        if not store.return_to_queue(conversation_id, old, opened, team_id):
            return None
        sender = Sender(SYSTEM, None, "")
    else:
        return None
    line, _ = conv_store.append_to(conv_store.require_head(conversation_id), sender, "system",
                                   "transferred", "sys-" + secrets.token_hex(12), None, now)
    return conv_store.get_conversation(conversation_id), [line], sender.id is None


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


def _reoffer(conversation_id: int, site_id: int, old: int, new: AgentRecord | None,
             now: datetime) -> Reoffered:
    if not store.mark_reoffered(conversation_id, old, now):
        return None
    full = new is not None and store.open_loads([new.user_id]).get(
        new.user_id, 0) >= new.max_chats  # counted here, on the writer: no race
    if new is None or full or not store.reassign(conversation_id, old, new.user_id):
        return Unanswered(conversation_id, site_id, old, None), None, []
    line, _ = conv_store.append_to(conv_store.require_head(conversation_id),
                                   Sender(SYSTEM, new.user_id, new.display_name), "system",
                                   "transferred", "sys-" + secrets.token_hex(12), None, now)
    return (Unanswered(conversation_id, site_id, old, new.user_id),
            conv_store.get_conversation(conversation_id), [line])
