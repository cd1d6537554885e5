"""Events: small facts published after the change they describe has committed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol


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
    """A user's role, sites or active state changed; open consoles follow the new scope."""

    type: ClassVar[str] = "user_changed"
    user_id: int
    user: Any = None


@dataclass(frozen=True, slots=True)
class SiteChanged(Event):
    type: ClassVar[str] = "site_changed"
    site_id: int


class EventSink(Protocol):
    """Where services publish events once their transaction has committed."""

    def publish(self, events: list[Event]) -> None: ...


@dataclass(frozen=True, slots=True)
class MessageCreated(Event):
    """A message was stored; notes go to agents only."""

    type: ClassVar[str] = "message"
    message: Any
    conversation: Any


@dataclass(frozen=True, slots=True)
class ConversationChanged(Event):
    """A conversation was created, assigned, transferred, closed or reopened."""

    type: ClassVar[str] = "conversation"
    conversation: Any


@dataclass(frozen=True, slots=True)
class ReadUpTo(Event):
    type: ClassVar[str] = "read"
    conversation_id: int
    site_id: int
    visitor_id: int
    reader: str  # visitor | agent
    seq: int


@dataclass(frozen=True, slots=True)
class Typing(Event):
    """Ephemeral: never stored."""

    type: ClassVar[str] = "typing"
    conversation_id: int
    site_id: int
    visitor_id: int
    sender: Any
    typing: bool
    draft: str | None = None


@dataclass(frozen=True, slots=True)
class QueueUpdate(Event):
    """A waiting visitor's place in line changed."""

    type: ClassVar[str] = "queue"
    conversation_id: int
    site_id: int
    visitor_id: int
    position: int
    estimated_wait_seconds: int


@dataclass(frozen=True, slots=True)
class VisitorChanged(Event):
    """A visitor with an open or pending conversation loaded another page (or said who they
    are): the site's agents follow them live. `device` is what their User-Agent says."""

    type: ClassVar[str] = "visitor"
    visitor: Any
    device: Any


@dataclass(frozen=True, slots=True)
class Unanswered(Event):
    """A chat waited too long for its agent's first answer; flagged to the site's agents
    (supervisors' consoles show it) and re-offered to `new_agent_id` if anyone could take it."""

    type: ClassVar[str] = "unanswered"
    conversation_id: int
    site_id: int
    agent_id: int
    new_agent_id: int | None
