"""Who is at the workbench right now: consoles there, last activity, chosen status, grace."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from appliance.domain.routing import ONLINE, effective_status


@dataclass(slots=True)
class _Agent:
    choice: str = ONLINE
    connections: int = 0  # consoles at the workbench
    last_active: float = 0.0
    left_at: float | None = None  # when the last of them closed (None: they left on purpose)
    last_assigned: float = 0.0
    gone_at: float | None = None  # since when they count as absent (None: present, or never seen)


@dataclass(slots=True)
class Presence:
    """In-memory, because one process serves everyone: this is the truth about agents.

    Only consoles at the workbench (the conversation view, not the admin pages) count. An
    agent whose last such console closed stays present for `grace_seconds` (a page reload is
    not a departure), but one who walked away from it to another page is gone at once; after
    `away_after_seconds` without activity an online agent is away.
    """

    clock: Callable[[], float]
    grace_seconds: float = 30.0
    away_after_seconds: float = 600.0
    _agents: dict[int, _Agent] = field(default_factory=dict)
    _started: float | None = None

    def __post_init__(self) -> None:
        self._started = self.clock()

    def _get(self, user_id: int) -> _Agent:
        return self._agents.setdefault(user_id, _Agent())

    def connected(self, user_id: int, choice: str) -> None:
        agent = self._get(user_id)
        agent.connections += 1
        agent.choice = choice
        agent.last_active = self.clock()
        agent.left_at = None
        agent.gone_at = None

    def disconnected(self, user_id: int, *, grace: bool = True) -> None:
        """A console left the workbench: closed (`grace`: maybe a reload) or on purpose."""
        agent = self._get(user_id)
        agent.connections = max(0, agent.connections - 1)
        if agent.connections == 0:
            now = self.clock()
            agent.left_at = now if grace else None
            agent.gone_at = now + self.grace_seconds if grace else now

    def active(self, user_id: int) -> None:
        self._get(user_id).last_active = self.clock()

    def choose(self, user_id: int, status: str) -> None:
        agent = self._get(user_id)
        agent.choice = status
        agent.last_active = self.clock()

    def assigned(self, user_id: int) -> None:
        self._get(user_id).last_assigned = self.clock()

    def last_assigned(self, user_id: int) -> float:
        agent = self._agents.get(user_id)
        return 0.0 if agent is None else agent.last_assigned

    def known_agents(self) -> list[int]:
        """Every agent who has had a console since the start."""
        return list(self._agents)

    def absent_seconds(self, user_id: int) -> float:
        """How long the agent has been absent from the workbench (no console there, the reload
        grace over); 0 while present. One not seen since the start: since the start."""
        agent = self._agents.get(user_id)
        if agent is not None and agent.connections > 0:
            return 0.0
        since = agent.gone_at if agent is not None and agent.gone_at is not None else None
        if since is None:
            since = self._started if self._started is not None else self.clock()
        return max(0.0, self.clock() - since)

    def status(self, user_id: int) -> str:
        agent = self._agents.get(user_id)
        if agent is None:
            return "offline"
        now = self.clock()
        connected = agent.connections > 0 or (
            agent.left_at is not None and now - agent.left_at < self.grace_seconds)
        return effective_status(agent.choice, connected, now - agent.last_active,
                                self.away_after_seconds)
