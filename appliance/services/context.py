"""What every use case needs: the database, the clock, the event sink and the limits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from appliance.domain.events import Event, EventSink
from appliance.domain.ratelimit import FailureWindow
from appliance.storage.database import Database

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Limits:
    session_days: int = 30
    login_max_failures: int = 5
    login_ip_max_failures: int = 20
    login_window_seconds: int = 900


class PresenceView(Protocol):
    """Agents' live status, kept by the realtime layer (one process: memory is the truth)."""

    def status(self, user_id: int) -> str: ...

    def last_assigned(self, user_id: int) -> float: ...

    def assigned(self, user_id: int) -> None: ...

    def choose(self, user_id: int, status: str) -> None: ...

    def connected(self, user_id: int, choice: str) -> None: ...

    def disconnected(self, user_id: int, *, grace: bool = True) -> None: ...

    def active(self, user_id: int) -> None: ...


class NoPresence:
    """The command line's view: nobody is at a console."""

    def status(self, user_id: int) -> str:
        del user_id
        return "offline"

    def last_assigned(self, user_id: int) -> float:
        del user_id
        return 0.0

    def assigned(self, user_id: int) -> None:
        del user_id

    def choose(self, user_id: int, status: str) -> None:
        del user_id, status

    def connected(self, user_id: int, choice: str) -> None:
        del user_id, choice

    def disconnected(self, user_id: int, *, grace: bool = True) -> None:
        del user_id, grace

    def active(self, user_id: int) -> None:
        del user_id


@dataclass(slots=True)
class Services:
    db: Database
    events: EventSink
    clock: Callable[[], datetime]
    monotonic: Callable[[], float]
    limits: Limits = field(default_factory=Limits)
    setup_code: str = ""
    presence: PresenceView = field(default_factory=NoPresence)
    login_failures: FailureWindow = field(init=False)
    ip_failures: FailureWindow = field(init=False)

    def __post_init__(self) -> None:
        window = self.limits.login_window_seconds
        self.login_failures = FailureWindow(self.limits.login_max_failures, window)
        self.ip_failures = FailureWindow(self.limits.login_ip_max_failures, window)

    def now(self) -> datetime:
        return self.clock()

    def presence_connected(self, user_id: int, choice: str) -> None:
        self.presence.connected(user_id, choice)

    def presence_disconnected(self, user_id: int, *, grace: bool = True) -> None:
        self.presence.disconnected(user_id, grace=grace)

    def presence_active(self, user_id: int) -> None:
        self.presence.active(user_id)

    def publish(self, *events: Event) -> None:
        """Hand events to the realtime layer; callers do so only after their write committed."""
        if events:
            self.events.publish(list(events))

    async def commit(self, job: Callable[[], T], events: Callable[[T], list[Event]]) -> T:
        """Run `job` in the writer, then publish `events(result)` — even if the awaiting
        request is cancelled meanwhile (a socket that drops after sending): a write that
        committed is always announced, so peers never miss it live."""

        async def write_then_publish() -> T:
            result = await self.db.write(job)
            self.publish(*events(result))
            return result

        task = asyncio.ensure_future(write_then_publish())
        task.add_done_callback(_consume_error)
        return await asyncio.shield(task)


def _consume_error(task: asyncio.Future[Any]) -> None:
    # The shielded task's error reaches the caller if it is still waiting; otherwise it was
    # refused work nobody is waiting for, which is not worth a "never retrieved" warning.
    if not task.cancelled():
        task.exception()


class NullSink:
    """An event sink for the command line, where no sockets are open."""

    def publish(self, events: list[Event]) -> None:
        del events
