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

    def _get(self, user_id: int) -> _Agent:
        return self._agents.setdefault(user_id, _Agent())

    def connected(self, user_id: int, choice: str) -> None:
        agent = self._get(user_id)
        agent.connections += 1
        agent.choice = choice
        agent.last_active = self.clock()
        agent.left_at = None

    def disconnected(self, user_id: int, *, grace: bool = True) -> None:
        """A console left the workbench: closed (`grace`: maybe a reload) or on purpose."""
        agent = self._get(user_id)
        agent.connections = max(0, agent.connections - 1)
        if agent.connections == 0:
            agent.left_at = self.clock() if grace else None

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

    def status(self, user_id: int) -> str:
        agent = self._agents.get(user_id)
        if agent is None:
            return "offline"
        now = self.clock()
        connected = agent.connections > 0 or (
            agent.left_at is not None and now - agent.left_at < self.grace_seconds)
        return effective_status(agent.choice, connected, now - agent.last_active,
                                self.away_after_seconds)
