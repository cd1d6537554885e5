"""Who gets a new chat: availability, chat limits, teams, strategies, overflow and the queue.

Pure functions over snapshots, so every rule is tested without I/O; the clock is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ONLINE, BUSY, AWAY, OFFLINE = "online", "busy", "away", "offline"
STATUSES = (ONLINE, BUSY, AWAY, OFFLINE)
CHOOSABLE_STATUSES = (ONLINE, BUSY, AWAY)  # offline is what closing the console means
LEAST_BUSY, ROUND_ROBIN, PREVIOUS_FIRST = "least_busy", "round_robin", "previous_first"
MANUAL = "manual"  # nobody is assigned automatically: agents pick from the waiting list
STRATEGIES = (LEAST_BUSY, ROUND_ROBIN, PREVIOUS_FIRST, MANUAL)
MAX_CHATS_LIMIT = 30

ASSIGNED, QUEUED, NOBODY_ONLINE = "assigned", "queued", "nobody_online"


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    """One agent as routing sees them at this moment."""

    user_id: int
    status: str
    active_chats: int  # open conversations assigned to them
    max_chats: int
    team_ids: frozenset[int]
    last_assigned: float  # when they last got a chat (monotonic seconds; 0 = never)

    @property
    def available(self) -> bool:
        """Takes new chats: online and below their limit. Busy and away agents take none."""
        return self.status == ONLINE and self.active_chats < self.max_chats

    @property
    def present(self) -> bool:
        return self.status != OFFLINE


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: str  # assigned | queued | nobody_online
    agent_id: int | None
    team_id: int | None  # the team the chat went to (after overflow), None = the whole site


def _members(agents: Iterable[AgentSnapshot], team_id: int | None) -> list[AgentSnapshot]:
    return [a for a in agents if team_id is None or team_id in a.team_ids]


def _pick(candidates: Sequence[AgentSnapshot], strategy: str,
          previous_agent_id: int | None) -> AgentSnapshot:
    if strategy == PREVIOUS_FIRST and previous_agent_id is not None:
        for agent in candidates:
            if agent.user_id == previous_agent_id:
                return agent
    if strategy == ROUND_ROBIN:
        return min(candidates, key=lambda a: (a.last_assigned, a.user_id))
    # Least busy: the lowest share of their own limit, then who waited longest for a chat.
    return min(candidates, key=lambda a: (a.active_chats / a.max_chats, a.active_chats,
                                          a.last_assigned, a.user_id))


def choose(agents: Sequence[AgentSnapshot], *, team_id: int | None,
           fallback_team_id: int | None, strategy: str,
           previous_agent_id: int | None = None) -> Decision:
    """Route a new chat. The team first; if nobody there can take it (all full or nobody
    online), the fallback team; if nobody anywhere is online, the offline path; else queue."""
    teams = [team_id]
    if fallback_team_id is not None and fallback_team_id != team_id:
        teams.append(fallback_team_id)
    for team in teams if strategy != MANUAL else ():
        candidates = [a for a in _members(agents, team) if a.available]
        if candidates:
            return Decision(ASSIGNED, _pick(candidates, strategy, previous_agent_id).user_id, team)
    for team in teams:
        if any(a.present for a in _members(agents, team)):
            return Decision(QUEUED, None, team)
    return Decision(NOBODY_ONLINE, None, team_id)


@dataclass(frozen=True, slots=True)
class Waiting:
    conversation_id: int
    team_id: int | None
    queued_at: float


def queue_order(waiting: Iterable[Waiting]) -> list[Waiting]:
    """First come, first served."""
    return sorted(waiting, key=lambda w: (w.queued_at, w.conversation_id))


def position_in_queue(waiting: Iterable[Waiting], conversation_id: int) -> int | None:
    """1-based position among the chats waiting for the same team, or None if not waiting."""
    ordered = queue_order(waiting)
    mine = next((w for w in ordered if w.conversation_id == conversation_id), None)
    if mine is None:
        return None
    same_team = [w for w in ordered if w.team_id == mine.team_id]
    return same_team.index(mine) + 1


def estimated_wait_seconds(position: int, agents_present: int,
                           average_chat_seconds: float = 300.0) -> int:
    """A plain estimate: chats ahead of you, shared by the agents who could take them."""
    if position <= 0:
        return 0
    per_slot = average_chat_seconds / max(1, agents_present)
    return round(position * per_slot)


def next_to_serve(waiting: Iterable[Waiting], agent: AgentSnapshot,
                  fallback_team_id: int | None = None) -> Waiting | None:
    """The oldest waiting chat this agent may take: their team's, one for the whole site, or,
    for a member of the site's fallback team, any (a chat goes to its team, else to the
    fallback team, when it arrives; one that had to wait is taken the same way)."""
    if not agent.available:
        return None
    overflow = fallback_team_id is not None and fallback_team_id in agent.team_ids
    for item in queue_order(waiting):
        if item.team_id is None or item.team_id in agent.team_ids or overflow:
            return item
    return None


def effective_status(choice: str, connected: bool, idle_seconds: float,
                     away_after_seconds: float) -> str:
    """Offline without an open console; away after inactivity; otherwise the agent's choice."""
    if not connected:
        return OFFLINE
    if choice == ONLINE and idle_seconds >= away_after_seconds:
        return AWAY
    return choice
