"""Giving chats to agents under concurrency: every decision is made on the writer.

An assignment is decided inside the write transaction that stores it, with each agent's load
counted there. The writer runs jobs one after another, so no interleaving of new chats, closes
and agents coming online can put an agent over their limit, and a chat is queued only when, at
that moment, nobody who could take it has room. Agents' presence lives in memory on the event
loop: it is read in the same step of the loop that queues the job (`Services.commit` hands the
job to the writer synchronously), so a later change of presence is followed by a drain that
the writer runs after this job.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from appliance.domain.conversations import SYSTEM, Conversation, Message, Sender
from appliance.domain.routing import (
    ASSIGNED,
    QUEUED,
    AgentSnapshot,
    Waiting,
    choose,
    next_to_serve,
    queue_order,
)
from appliance.domain.teams import AgentRecord, SiteRouting
from appliance.services.context import Services, WriterJob, on_writer
from appliance.storage import conversations as conv_store
from appliance.storage import routing as store


@dataclass(frozen=True, slots=True)
class Candidate:
    """An agent as routing sees them before the transaction: limits and teams from the
    database, status from presence. Their load is counted inside the transaction."""

    record: AgentRecord
    status: str
    last_assigned: float


@dataclass(frozen=True, slots=True)
class Assignment:
    agent: AgentRecord
    conversation: Conversation
    line: Message  # the `agent_joined` system line


@dataclass(frozen=True, slots=True)
class Routed:
    outcome: str  # assigned | queued | nobody_online
    assignments: tuple[Assignment, ...] = ()


def candidates(svc: Services, records: list[AgentRecord]) -> list[Candidate]:
    """Presence read now, on the event loop (call it in the step that submits the job)."""
    return [Candidate(r, svc.presence.status(r.user_id), svc.presence.last_assigned(r.user_id))
            for r in records]


def _snapshots(found: list[Candidate]) -> dict[int, AgentSnapshot]:
    """On the writer: each candidate with the load committed so far in this transaction."""
    loads = store.open_loads([c.record.user_id for c in found])
    return {c.record.user_id: AgentSnapshot(
        c.record.user_id, c.status, loads.get(c.record.user_id, 0), c.record.max_chats,
        c.record.team_ids, c.last_assigned) for c in found}


def _assign(conversation_id: int, agent: AgentRecord, now: datetime) -> Assignment | None:
    if not store.assign_if_unassigned(conversation_id, agent.user_id):
        return None  # an agent claimed it, or it closed, meanwhile
    head = conv_store.require_head(conversation_id)
    line, _ = conv_store.append_to(head, Sender(SYSTEM, agent.user_id, agent.display_name),
                                   "system",
                                   "agent_joined", "sys-" + secrets.token_hex(12), None, now)
    return Assignment(agent, conv_store.get_conversation(conversation_id), line)


def route_job(conversation_id: int, team_id: int | None, routing: SiteRouting,
              found: list[Candidate], previous_agent_id: int | None,
              now: datetime, *, invited_by: int | None = None) -> WriterJob[Routed]:
    """A new chat: to an agent who has room now (the agent whose invitation the visitor
    accepted, if they have), else into the queue."""
    return on_writer(_route, conversation_id, team_id, routing, found, previous_agent_id, now,
                     invited_by)


def drain_job(site_id: int, routing: SiteRouting, found: list[Candidate],
              now: datetime) -> WriterJob[Routed]:
    """Waiting chats of a site, oldest first, to agents who have room now (as many as fit)."""
    return on_writer(_drain, site_id, routing, found, now)


def _route(conversation_id: int, team_id: int | None, routing: SiteRouting,
           found: list[Candidate], previous_agent_id: int | None, now: datetime,
           invited_by: int | None) -> Routed:
    records = {c.record.user_id: c.record for c in found}
    agents = _snapshots(found)
    inviter = agents.get(invited_by) if invited_by is not None else None
    if inviter is not None and inviter.available:
        done = _assign(conversation_id, records[inviter.user_id], now)
        return Routed(ASSIGNED, (done,) if done is not None else ())
    decision = choose(list(agents.values()), team_id=team_id,
                      fallback_team_id=routing.fallback_team_id, strategy=routing.strategy,
                      previous_agent_id=previous_agent_id)
    if decision.outcome == ASSIGNED:
        assert decision.agent_id is not None
        done = _assign(conversation_id, records[decision.agent_id], now)
        return Routed(ASSIGNED, (done,) if done is not None else ())
    if decision.outcome == QUEUED:
        store.mark_queued(conversation_id, decision.team_id, now)
    return Routed(decision.outcome)


def _drain(site_id: int, routing: SiteRouting, found: list[Candidate], now: datetime) -> Routed:
    records = {c.record.user_id: c.record for c in found}
    waiting = queue_order(Waiting(cid, team, at.timestamp())
                          for cid, _, team, at in store.queued(site_id))
    agents = _snapshots(found) if waiting else {}
    done: list[Assignment] = []
    for item in waiting:
        if not any(a.available for a in agents.values()):
            break
        eligible = [a for a in agents.values()
                    if next_to_serve([item], a, routing.fallback_team_id) is not None]
        decision = choose(eligible, team_id=item.team_id,
                          fallback_team_id=routing.fallback_team_id,
                          strategy=routing.strategy)
        if decision.outcome != ASSIGNED or decision.agent_id is None:
            continue
        assigned = _assign(item.conversation_id, records[decision.agent_id], now)
        if assigned is not None:
            done.append(assigned)
            agent = agents[decision.agent_id]
            latest = max(a.last_assigned for a in agents.values())
            agents[agent.user_id] = replace(agent, active_chats=agent.active_chats + 1,
                                            last_assigned=latest + 1.0)
    return Routed(ASSIGNED if done else QUEUED, tuple(done))
