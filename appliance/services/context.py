"""What every use case needs: the database, the clock, the event sink and the limits; and
`on_writer`, which marks the work a use case hands to the database's writer thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from appliance.domain.blocks import Block
from appliance.domain.events import Event, EventSink
from appliance.domain.invitations import Candidate
from appliance.domain.ratelimit import FailureWindow
from appliance.domain.visits import LiveVisitor
from appliance.services.places import Places
from appliance.services.throttle import Throttle, WidgetLimits
from appliance.storage.database import Database

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WriterJob(Generic[T]):
    """Work that runs on the writer thread, inside the write transaction, not on the event
    loop: a module-level function that calls storage functions (which may change data),
    never awaits and touches no event-loop state, with picklable arguments (ids, strings,
    datetimes, domain values): the writer is to become a process of its own, and
    `KEFU_CHECK_WRITER_JOBS=1` checks that every job would cross to it. Made with
    `on_writer(fn, *args)`; `Services.commit` takes nothing else."""

    fn: Callable[..., T]
    args: tuple[Any, ...] = ()

    def __call__(self) -> T:
        return self.fn(*self.args)


def on_writer(fn: Callable[..., T], *args: Any) -> WriterJob[T]:
    """The call `fn(*args)` of a use case, to run on the writer thread."""
    return WriterJob(fn, args)


@dataclass(frozen=True, slots=True)
class Limits:
    session_days: int = 30
    login_max_failures: int = 5
    login_ip_max_failures: int = 20
    login_window_seconds: int = 900
    widget: WidgetLimits = field(default_factory=WidgetLimits)
    abandoned_upload_hours: int = 24


class PresenceView(Protocol):
    """Agents' live status, kept by the realtime layer (one process: memory is the truth)."""

    def status(self, user_id: int) -> str: ...

    def last_assigned(self, user_id: int) -> float: ...

    def assigned(self, user_id: int) -> None: ...

    def choose(self, user_id: int, status: str) -> None: ...

    def connected(self, user_id: int, choice: str) -> None: ...

    def disconnected(self, user_id: int, *, grace: bool = True) -> None: ...

    def active(self, user_id: int) -> None: ...

    def absent_seconds(self, user_id: int) -> float: ...


class VisitorPresence(Protocol):
    """Which visitors have a socket or long-poll open (kept by the realtime hub).

    `visitor_online` may be called from the writer thread: it is one dict lookup, atomic
    under the interpreter lock."""

    def visitor_online(self, visitor_id: int) -> bool: ...


class QueueBoard(Protocol):
    """Announces waiting visitors' places in line (coalesced: services/queue.py)."""

    def changed(self, site_id: int) -> None: ...


class NoQueueBoard:
    """The command line's view: nobody is waiting on a socket."""

    def changed(self, site_id: int) -> None:
        del site_id


class LiveView(Protocol):
    """Who is on the sites right now (kept by realtime/visitors.py; one process: the truth)."""

    def get(self, visitor_id: int) -> LiveVisitor | None: ...

    def listing(self, scope: frozenset[int] | None) -> list[LiveVisitor]: ...

    def counts(self, scope: frozenset[int] | None) -> dict[int, int]: ...

    def candidates(self, now: datetime, site_ids: Any) -> list[Candidate]: ...

    def rule_done(self, visitor_id: int, rule_id: int) -> None: ...

    def expired_invitations(self, now: datetime) -> list[int]: ...

    def take_left(self, now: datetime) -> list[int]: ...

    def drop(self, visitor_id: int) -> None: ...


class NoLive:
    """The command line's view: nobody is on any site."""

    def get(self, visitor_id: int) -> LiveVisitor | None:
        del visitor_id
        return None

    def listing(self, scope: frozenset[int] | None) -> list[LiveVisitor]:
        del scope
        return []

    def counts(self, scope: frozenset[int] | None) -> dict[int, int]:
        del scope
        return {}

    def candidates(self, now: datetime, site_ids: Any) -> list[Candidate]:
        del now, site_ids
        return []

    def rule_done(self, visitor_id: int, rule_id: int) -> None:
        del visitor_id, rule_id

    def expired_invitations(self, now: datetime) -> list[int]:
        del now
        return []

    def take_left(self, now: datetime) -> list[int]:
        del now
        return []

    def drop(self, visitor_id: int) -> None:
        del visitor_id


@dataclass(frozen=True, slots=True)
class Tracking:
    """How visits are cut and how long full addresses are kept (settings, via runtime.py)."""

    visit_gap_minutes: int = 30
    ip_retention_days: int = 30


class BlockList:
    """The blocks in force, kept in memory (a few hundred at most) and reloaded by the
    service that changes them: every session, send and page frame consults it."""

    def __init__(self) -> None:
        self.blocks: list[Block] | None = None  # None: not loaded yet

    def invalidate(self) -> None:
        self.blocks = None


class NoVisitors:
    """The command line's view: no visitor is connected."""

    def visitor_online(self, visitor_id: int) -> bool:
        del visitor_id
        return False


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

    def absent_seconds(self, user_id: int) -> float:
        del user_id
        return 0.0


@dataclass(slots=True)
class Services:
    db: Database
    events: EventSink
    clock: Callable[[], datetime]
    monotonic: Callable[[], float]
    limits: Limits = field(default_factory=Limits)
    setup_code: str = ""
    presence: PresenceView = field(default_factory=NoPresence)
    visitors: VisitorPresence = field(default_factory=NoVisitors)
    queue_board: QueueBoard = field(default_factory=NoQueueBoard)
    live: LiveView = field(default_factory=NoLive)
    tracking: Tracking = field(default_factory=Tracking)
    places: Places = field(default_factory=Places)
    blocks: BlockList = field(default_factory=BlockList)
    aggregator: Any = None  # services/report_aggregates.Aggregator, set by runtime.py
    login_failures: FailureWindow = field(init=False)
    ip_failures: FailureWindow = field(init=False)
    throttle: Throttle = field(init=False)

    def __post_init__(self) -> None:
        window = self.limits.login_window_seconds
        self.login_failures = FailureWindow(self.limits.login_max_failures, window)
        self.ip_failures = FailureWindow(self.limits.login_ip_max_failures, window)
        self.throttle = Throttle(self.limits.widget, self.monotonic)

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

    def commit(self, job: WriterJob[T],
               events: Callable[[T], list[Event]]) -> asyncio.Future[T]:
        """Run `job` on the writer thread, then publish `events(result)` on the event loop,
        even if the awaiting request is cancelled meanwhile (a socket that drops after
        sending): a write that committed is always announced, so peers never miss it live.

        The job is queued now, in the caller's step (jobs reach the writer in call order), and
        the events are published on the loop by the callback that resolves the write's batch,
        before the caller resumes: no task, no extra future and no callback of its own per
        write, and the caller's answer (an ack) leaves in the same write to the socket as the
        announcement (realtime/connection.py flushes once per pass). A caller cancelled
        meanwhile cancels only its wait: the job still runs, and `Database.submit` still calls
        the announcement if it committed. Callers await the future it returns (a plain
        function, not a coroutine: one frame less to resume per write)."""
        return self.db.submit(job.fn, *job.args, then=lambda result: self.publish(*events(result)))
