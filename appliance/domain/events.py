"""Events: small typed facts published after the change they describe has committed.

Each is a frozen dataclass with a `type`. Services publish them to an `EventSink`; in the
running appliance that sink is the event bus of `appliance/runtime.py`, whose table names the
consumers of each type (tests/test_events.py checks every event is consumed and published)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol

from appliance.domain.conversations import Conversation, Message, Sender, Visitor
from appliance.domain.invitations import Invitation
from appliance.domain.model import User
from appliance.domain.visits import PageFrame, Viewed


@dataclass(frozen=True, slots=True)
class Event:
    type: ClassVar[str] = "event"


class EventSink(Protocol):
    """Where services publish events once their transaction has committed."""

    def publish(self, events: list[Event]) -> None: ...


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
    user: User | None = None


@dataclass(frozen=True, slots=True)
class MessageCreated(Event):
    """A message was stored; notes go to agents only."""

    type: ClassVar[str] = "message"
    message: Message
    conversation: Conversation


@dataclass(frozen=True, slots=True)
class ConversationChanged(Event):
    """A conversation was created, assigned, transferred, closed or reopened."""

    type: ClassVar[str] = "conversation"
    conversation: Conversation


@dataclass(frozen=True, slots=True)
class ConversationErased(Event):
    """A person's erasure rewrote the conversation's messages and visitor: whoever shows it
    drops what it holds and reads it again."""

    type: ClassVar[str] = "conversation_erased"
    conversation_id: int
    site_id: int
    visitor_id: int


@dataclass(frozen=True, slots=True)
class VisitorErased(Event):
    """A person's erasure removed this visitor's name, pages and visits: the live visitor
    list forgets what it holds of them (their next page view starts afresh)."""

    type: ClassVar[str] = "visitor_erased"
    visitor_id: int
    site_id: int


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
    sender: Sender
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
    visitor: Visitor
    device: dict[str, str]


@dataclass(frozen=True, slots=True)
class QueueSummary(Event):
    """How many chats of a site wait (per team: None = the whole site), for its agents."""

    type: ClassVar[str] = "queue_summary"
    site_id: int
    waiting: int
    teams: tuple[tuple[int | None, int], ...]
    oldest_queued_at: datetime | None


@dataclass(frozen=True, slots=True)
class Unanswered(Event):
    """A chat waited too long for its agent's first answer; flagged to the site's agents
    (supervisors' consoles show it) and re-offered to `new_agent_id` if anyone could take it."""

    type: ClassVar[str] = "unanswered"
    conversation_id: int
    site_id: int
    agent_id: int
    new_agent_id: int | None


@dataclass(frozen=True, slots=True)
class OutboxChanged(Event):
    """Outbox items may be due now: some were queued, or what they wait for (the SMTP
    settings) changed. The outbox dispatcher wakes up."""

    type: ClassVar[str] = "outbox_changed"
    kind: str


@dataclass(frozen=True, slots=True)
class PageViewed(Event):
    """A visitor's tab shows a page (stored: the trail); the live visitor list follows.
    `conversation`: their open or pending conversation, if any (`conversation_known`: not
    looked up, the live list already follows it through conversation events)."""

    type: ClassVar[str] = "page_viewed"
    visitor_id: int
    site_id: int
    name: str
    frame: PageFrame
    viewed: Viewed
    conversation: Conversation | None
    conversation_known: bool = False


TAB_VISIBLE, TAB_HIDDEN, TAB_CLOSED, EXIT_INTENT = "visible", "hidden", "closed", "exit_intent"


@dataclass(frozen=True, slots=True)
class TabChanged(Event):
    """Ephemeral: a visitor's tab was shown, hidden or closed, or the pointer left towards
    the browser's tabs (exit intent)."""

    type: ClassVar[str] = "tab"
    visitor_id: int
    site_id: int
    tab: str
    change: str  # visible | hidden | closed | exit_intent


@dataclass(frozen=True, slots=True)
class InvitationChanged(Event):
    """An invitation was shown to a visitor, or answered, withdrawn, ignored, or linked to
    the chat it opened."""

    type: ClassVar[str] = "invitation"
    invitation: Invitation


@dataclass(frozen=True, slots=True)
class BotChatChanged(Event):
    """A chat the answer bot serves changed: a new question and the bot's reply (`messages`,
    in order), or it left the bot (handed over, taken over, closed: the new status). Consoles
    follow the bot's chats with it (docs/protocol.md, `bot_chat`), with no alert."""

    type: ClassVar[str] = "bot_chat"
    conversation: Conversation
    messages: tuple[Message, ...] = ()
