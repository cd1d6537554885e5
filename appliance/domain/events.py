"""Events: small facts published after the change they describe has committed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol


@dataclass(frozen=True, slots=True)
class Event:
    type: ClassVar[str] = "event"


@dataclass(frozen=True, slots=True)
class SessionsEnded(Event):
    """Sessions of a user ended; every socket opened with them must close.

    `session_ids` empty means all of the user's sessions; `keep_session_id` survives (a user
    who changes their own password stays signed in where they did it).
    """

    type: ClassVar[str] = "sessions_ended"
    user_id: int
    reason: str
    session_ids: tuple[int, ...] = ()
    keep_session_id: int | None = None


@dataclass(frozen=True, slots=True)
class UserChanged(Event):
    type: ClassVar[str] = "user_changed"
    user_id: int


@dataclass(frozen=True, slots=True)
class SiteChanged(Event):
    type: ClassVar[str] = "site_changed"
    site_id: int


class EventSink(Protocol):
    """Where services publish events once their transaction has committed."""

    def publish(self, events: list[Event]) -> None: ...
