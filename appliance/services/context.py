"""What every use case needs: the database, the clock, the event sink and the limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from appliance.domain.events import Event, EventSink
from appliance.domain.ratelimit import FailureWindow
from appliance.storage.database import Database


@dataclass(frozen=True, slots=True)
class Limits:
    session_days: int = 30
    login_max_failures: int = 5
    login_ip_max_failures: int = 20
    login_window_seconds: int = 900


@dataclass(slots=True)
class Services:
    db: Database
    events: EventSink
    clock: Callable[[], datetime]
    monotonic: Callable[[], float]
    limits: Limits = field(default_factory=Limits)
    setup_code: str = ""
    login_failures: FailureWindow = field(init=False)
    ip_failures: FailureWindow = field(init=False)

    def __post_init__(self) -> None:
        window = self.limits.login_window_seconds
        self.login_failures = FailureWindow(self.limits.login_max_failures, window)
        self.ip_failures = FailureWindow(self.limits.login_ip_max_failures, window)

    def now(self) -> datetime:
        return self.clock()

    def publish(self, *events: Event) -> None:
        """Hand events to the realtime layer; callers do so only after their write committed."""
        if events:
            self.events.publish(list(events))


class NullSink:
    """An event sink for the command line, where no sockets are open."""

    def publish(self, events: list[Event]) -> None:
        del events
