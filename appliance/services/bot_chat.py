"""The answer bot in visitor conversations: it serves a new chat when the site's bot is on
(`first`, or `offline` with nobody of the chat's team present), replies to each visitor
message in the same transaction that stores it, and hands the chat to people when the
visitor asks, after two failed replies in a row, on a 👎, or for an image or file.

A visitor's message is planned before it is stored (`plan_reply`: reads only, the decision
of services/bot.py, the same code path as `bench/bot_eval.py` and the admin's preview) and
answered on the writer (`reply_on_writer`), so a resent message (deduplicated by its client
id) never gets a second reply.

When the company's model endpoint will be asked, the visitor's message is stored and
acknowledged alone, at once; the model is asked afterwards in a tracked task (`reply_soon`,
the bot `typing` meanwhile) and the reply written by a second writer job under the client id
`bot-<message id>`, only while the chat is still the bot's, so that no resend, retry or
second task ever makes two replies. A chat's replies are written in the order of its
visitor's messages: a message sent while a reply is still being prepared waits for it, model
call included (answered in turn, never dropped). A process stopped between the two writes
leaves the visitor's message stored and unanswered: the next start answers it with the bot's
own decision (`UnansweredBotChats`), as it does a reply whose task failed."""

from __future__ import annotations

import asyncio
import logging
import secrets
import weakref
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from appliance.domain import validation as v
from appliance.domain.bot_chat import (
    ANSWER,
    ASKED,
    ATTACHMENT,
    DOWNVOTED,
    FAILED,
    FAILURES,
    FAILURES_BEFORE_HANDOVER,
    HANDOVER,
    SERVED,
    TURNED_OFF,
    bot_name,
    chosen_entry,
    failures_in_a_row,
    handover_body,
    model_reply_of,
    reply_action,
    reply_body,
    reply_of,
    wants_person,
)
from appliance.domain.bot_llm import ModelAnswer
from appliance.domain.conversations import (
    BOT,
    CLOSED,
    LIVE_STATUSES,
    TEXT,
    BotReply,
    Conversation,
    Message,
    Sender,
)
from appliance.domain.errors import (
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    conversation_not_found,
)
from appliance.domain.events import (
    BotChatChanged,
    ConversationChanged,
    Event,
    MessageCreated,
    Typing,
)
from appliance.domain.kb import (
    QUESTION_KEPT,
    Action,
    BotAnswer,
    BotMode,
    Candidate,
    Decision,
    ImproveReason,
    Intent,
)
from appliance.domain.model import Site
from appliance.services import bot, routing
from appliance.services.context import Services, on_writer
from appliance.storage import conversations as store
from appliance.storage import kb as kb_store
from appliance.storage import sites as site_store
from appliance.storage.database import Database

log = logging.getLogger(__name__)

LAST_REPLIES = 10  # enough of the bot's latest replies to count failures in a row
BOT_CHATS_SWEPT = 5000  # the bot's chats looked at per pass of LeftBotChats (oldest first)


@dataclass(frozen=True, slots=True)
class Plan:
    """What the site's bot would do with a visitor's message, prepared before it is stored."""

    site_id: int
    name: str
    language: str
    text: str
    decision: Decision | None  # None: not text (an image or file: the bot hands over)
    serves_new: bool  # a chat this message opens is the bot's
    agents_online: bool | None  # someone of the chat's team is present now (None: not asked)
    model: ModelAnswer | None = None  # the company's model endpoint answered (services/bot_llm)
    call: bot.ModelCall | None = None  # the model is to be asked after the ack
    later: bool = False  # replied after the commit (`reply_soon`), not in the same write


@dataclass(frozen=True, slots=True)
class BotTurn:
    """The bot's part of one write: its messages and the conversation after them."""

    messages: tuple[Message, ...]
    conversation: Conversation
    handed_over: bool = False
    category_id: int | None = None  # the chat's category, for routing after a hand-over

    def events(self) -> list[Event]:
        changed: list[Event] = [ConversationChanged(self.conversation),
                                BotChatChanged(self.conversation)] if self.handed_over else []
        return [*changed, *(MessageCreated(m, self.conversation) for m in self.messages)]


def bot_chat_events(question: Message, after: Conversation, turn: BotTurn | None) -> list[Event]:
    """What consoles' "with the bot" lists hear of a visitor's message in a chat the bot
    served when it arrived: the question and the reply (a hand-over says so itself)."""
    if after.status != BOT or (turn is not None and turn.handed_over):
        return []
    latest = after if turn is None else turn.conversation
    return [BotChatChanged(latest, (question, *(() if turn is None else turn.messages)))]


def _target(visitor_id: int, conversation_id: int | None) -> Conversation | None:
    """The conversation a visitor's message will go to, as check_visitor_send picks it."""
    if conversation_id is not None:
        try:
            head = store.require_head(conversation_id)
        except NotFound:
            head = None
        if head is not None and head.visitor_id == visitor_id and head.status in LIVE_STATUSES:
            return head
    return store.open_conversation_head(visitor_id)


async def _voice(svc: Services, site: Site) -> tuple[BotMode, str]:
    settings = await bot.settings_of(svc, site.id)
    return settings.mode, bot_name(settings.name, site.language)


def _situation(sender: Sender, client_id: str,
               conversation_id: int | None) -> tuple[bool, Conversation | None]:
    """Whether the message is a resend (answered already), and the conversation it goes to."""
    assert sender.id is not None
    return store.find_sent(sender, client_id) is not None, _target(sender.id, conversation_id)


async def plan_reply(svc: Services, site: Site, sender: Sender,
                     fields: dict[str, Any]) -> Plan | None:
    """None when the bot has nothing to do with this message (off, a resend, or the chat is
    people's). A resend costs no search: it is found first."""
    settings = await bot.settings_of(svc, site.id)
    if settings.mode is BotMode.OFF:  # a chat it still serves: handed over on the writer
        return None
    mode, name = settings.mode, bot_name(settings.name, site.language)
    resent, head = await svc.db.read(_situation, sender, fields["client_id"],
                                     fields["conversation_id"])
    if resent or (head is not None and head.status != BOT):
        return None
    category_id = fields["category_id"] if head is None else await svc.db.read(
        store.category_of, head.id)
    present = await routing.anyone_present(svc, site.id, category_id)
    serves_new = mode is BotMode.FIRST or not present
    # A chat opened from an agent's invitation is that agent's to answer, not the bot's.
    if head is None and (not serves_new or fields["invitation_id"] is not None):
        return None
    text = fields["body"]
    decision, call = None, None
    if fields["kind"] == TEXT:
        decision, call = await _decide(svc, site.id, head, text)
    # A reply still being prepared for this chat: this one follows it, in order.
    later = call is not None or (head is not None and head.id in _replying(svc.db))
    return Plan(site.id, name, site.language, text, decision, serves_new, present,
                call=call, later=later)


async def _decide(svc: Services, site_id: int, head: Conversation | None,
                  text: str) -> tuple[Decision, bot.ModelCall | None]:
    """The bot's decision (services/bot.py) and, when the company's model endpoint is on
    and some entry is plausible, the call to make to it (after the visitor's message is
    stored and acknowledged: `reply_soon`); or the entry the visitor picked from the bot's
    last suggestions."""
    if head is not None:
        last = await svc.db.read(store.last_bot_replies, head.id, 1)
        picked = chosen_entry(text, last[0] if last else None)
        if picked is not None:
            entry = await svc.db.read(_entry_of_site, site_id, picked)
            if entry is not None:
                return Decision(Action.ANSWER, (Candidate(entry, 1.0, 1.0),), 1.0,
                                Intent.QUESTION), None
    return await bot.prepare_with_model(svc, site_id, text)


def _entry_of_site(site_id: int, entry_id: int) -> Any:
    try:
        entry = kb_store.get_entry(entry_id)
    except NotFound:
        return None
    company_id, _ = kb_store.search_state(site_id)
    usable = entry.enabled and entry.company_id == company_id and entry.site_id in (
        None, site_id)
    return entry if usable else None


# -- on the writer ---------------------------------------------------------------------------

def _sender(name: str) -> Sender:
    return Sender(BOT, None, name)


def _client_id() -> str:
    return "bot-" + secrets.token_hex(12)


def reply_on_writer(plan: Plan, conversation: Conversation, now: datetime,
                    client_id: str | None = None) -> BotTurn:
    """On the writer, right after the visitor's message was stored in `conversation` (or,
    for a reply made later, in the second write): the bot's reply (recorded for votes and
    the "to improve" list), or its hand-over, under `client_id` (a fresh one if None)."""
    if conversation.status != BOT:
        return BotTurn((), conversation)
    client_id = client_id or _client_id()
    decision = plan.decision
    if decision is None:
        return _hand_over(plan, conversation, ATTACHMENT, now, client_id)
    if plan.model is not None:
        return _model_answer(plan, plan.model, decision, conversation, now, client_id)
    entry_ids = [c.entry.id for c in decision.candidates]
    logged = kb_store.log_answer(plan.site_id, conversation.id, plan.text[:bot.MATCHED_CHARS],
                                 decision.action, entry_ids, now)
    if wants_person(decision):
        return _hand_over(plan, conversation, ASKED, now, client_id)
    if decision.action is not Action.ANSWER and decision.intent is Intent.QUESTION:
        company_id, _ = kb_store.search_state(plan.site_id)
        kb_store.note_question(company_id, plan.site_id, plan.text[:QUESTION_KEPT],
                               ImproveReason.UNANSWERED, None, now)
    action = reply_action(decision)
    if action in FAILED:
        previous = [r.action for r in store.last_bot_replies(conversation.id, LAST_REPLIES)]
        if failures_in_a_row(previous) + 1 >= FAILURES_BEFORE_HANDOVER:
            return _hand_over(plan, conversation, FAILURES, now, client_id)
    body = reply_body(action, decision, plan.text, plan.name, plan.language)
    message, after = store.append_to(conversation, _sender(plan.name), TEXT, body,
                                     client_id, None, now,
                                     reply_of(action, decision, logged.id))
    return BotTurn((message,), after)


def _model_answer(plan: Plan, model: ModelAnswer, decision: Decision,
                  conversation: Conversation, now: datetime, client_id: str) -> BotTurn:
    """The model's answer as the bot's: recorded with the entries it cited (a 👎 notes the
    first), sent as plain text."""
    logged = kb_store.log_answer(plan.site_id, conversation.id, plan.text[:bot.MATCHED_CHARS],
                                 Action.ANSWER, list(model.entry_ids), now)
    message, after = store.append_to(conversation, _sender(plan.name), TEXT, model.text,
                                     client_id, None, now,
                                     model_reply_of(model, decision, logged.id))
    return BotTurn((message,), after)


def orphan_on_writer(site: Site, conversation: Conversation, now: datetime) -> BotTurn | None:
    """On the writer, when no plan was made (the site's bot is off): a chat the bot still
    serves goes to people at the visitor's message (who is online was not asked: the bot
    just says it hands over)."""
    if conversation.status != BOT:
        return None
    name = bot_name(kb_store.bot_settings(site.id).name, site.language)
    plan = Plan(site.id, name, site.language, "", None, False, None)
    return _hand_over(plan, conversation, TURNED_OFF, now)


def _hand_over(plan: Plan, conversation: Conversation, reason: str, now: datetime,
               client_id: str | None = None) -> BotTurn:
    """The chat goes to people: open (routed after the commit) with the bot's last word."""
    opened = store.hand_over(conversation.id, reason, now)
    if opened is None:
        return BotTurn((), conversation)
    body = handover_body(reason, plan.agents_online, plan.language)
    message, _ = store.append_to(opened, _sender(plan.name), TEXT, body,
                                 client_id or _client_id(), None,
                                 now, BotReply(HANDOVER, agents_online=plan.agents_online))
    return BotTurn((message,), store.get_conversation(conversation.id), True,
                   store.category_of(conversation.id))


# -- replies made after the visitor's ack -----------------------------------------------------

# The replies being prepared, per database and conversation: the latest task of each chat
# (a chat's next reply waits for it). Held until done (the loop keeps only weak refs).
_pending: weakref.WeakKeyDictionary[Database, dict[int, asyncio.Task[None]]] = (
    weakref.WeakKeyDictionary())
_tasks: set[asyncio.Task[None]] = set()
_failed: weakref.WeakSet[Database] = weakref.WeakSet()  # a reply failed: UnansweredBotChats


def _replying(db: Database) -> dict[int, asyncio.Task[None]]:
    return _pending.setdefault(db, {})


def reply_client_id(question: Message) -> str:
    """The client id of the bot's reply to a visitor's message made after its ack: one
    reply per message, however often it is tried."""
    return f"bot-{question.id}"


def reply_soon(svc: Services, plan: Plan, question: Message, conversation: Conversation) -> None:
    """After the visitor's message committed (and its ack left): the model is asked (the
    visitor sees the bot typing) and the reply written in a second write, after the replies
    still being prepared in this chat."""
    replying = _replying(svc.db)
    previous = replying.get(conversation.id)
    task = asyncio.get_running_loop().create_task(
        _reply_later(svc, plan, question, conversation, previous))
    replying[conversation.id] = task
    _tasks.add(task)

    def done(finished: asyncio.Task[None]) -> None:
        _tasks.discard(finished)
        if replying.get(conversation.id) is finished:
            del replying[conversation.id]

    task.add_done_callback(done)


async def _reply_later(svc: Services, plan: Plan, question: Message, conversation: Conversation,
                       previous: asyncio.Task[None] | None) -> None:
    """Asks the model (after the chat's previous reply: one call at a time per chat, as when
    the visitor's send waited for it) and writes the reply. The bot types from the start
    until the chat's last reply under way is written."""
    replying = _replying(svc.db)

    def show(on: bool) -> None:
        svc.publish(Typing(conversation.id, conversation.site_id, conversation.visitor_id,
                           _sender(plan.name), on))

    def last() -> bool:
        return replying.get(conversation.id) is asyncio.current_task()

    shown = previous is not None  # an earlier reply may have the bot typing
    try:
        if plan.call is not None:
            show(True)
            shown = True
        if previous is not None:
            await asyncio.wait((previous,))  # its failures are its own (logged there)
        if plan.call is not None:
            outcome = await plan.call.ask()
            plan = replace(plan, model=outcome.answer)
        if shown and last():
            show(False)
            shown = False
        await answer_later(svc, plan, question)
    except Exception:
        log.exception("the bot's reply in conversation %s failed", conversation.id)
        _failed.add(svc.db)
    finally:
        if shown and last():
            show(False)


async def answer_later(svc: Services, plan: Plan, question: Message) -> BotTurn | None:
    """The second write: the bot's reply to `question` (`plan.model`: the model's answer,
    if any), unless the chat is no longer the bot's or the reply was written already; a
    hand-over is routed after the commit."""
    now = svc.now()

    def events(written: tuple[Conversation, BotTurn] | None) -> list[Event]:
        if written is None:
            return []
        head, turn = written
        return [*turn.events(), *bot_chat_events(question, head, turn)]

    written = await svc.commit(on_writer(_answer_later_job, plan, question, now), events)
    if written is None:
        return None
    turn = written[1]
    if turn.handed_over:
        try:
            await routing.route_new(svc, turn.conversation, turn.category_id)
        except DomainError as exc:  # the chat stays in the waiting list
            log.info("routing conversation %s: %s", turn.conversation.id, exc.message)
    return turn


def new_conversation_status(plan: Plan | None) -> tuple[str, str | None]:
    """The status (and bot outcome) of a chat a visitor's first message opens."""
    if plan is not None and plan.serves_new:
        return BOT, SERVED
    return "open", None


# -- the visitor's requests ------------------------------------------------------------------

async def widget_bot(svc: Services, site: Site) -> dict[str, str] | None:
    """The session answer's `bot`: the site's bot when it is on (the widget then offers the
    chat whoever is online, and loads its bot view)."""
    mode, name = await _voice(svc, site)
    return None if mode is BotMode.OFF else {"name": name, "mode": mode.value}


async def _own(svc: Services, visitor_id: int, conversation_id: int) -> Conversation:
    conversation = await svc.db.read(store.get_conversation, conversation_id)
    if conversation.visitor_id != visitor_id:
        raise conversation_not_found()
    return conversation


async def _planned(svc: Services, site: Site, conversation: Conversation) -> Plan:
    _, name = await _voice(svc, site)
    category_id = await svc.db.read(store.category_of, conversation.id)
    present = await routing.anyone_present(svc, site.id, category_id)
    return Plan(site.id, name, site.language, "", None, False, present)


async def check_handover(svc: Services, site: Site, visitor_id: int, data: Any) -> BotTurn:
    """The visitor asks for a person (the widget's button): the bot's chat is handed over;
    one already with people is answered as it is."""
    body = v.only_fields(data, ("conversation_id",))
    conversation = await _own(svc, visitor_id, v.clean_id(body.get("conversation_id"),
                                                          "conversation_id"))
    if conversation.status == CLOSED:
        raise Conflict("This conversation is closed")
    if conversation.status != BOT:
        return BotTurn((), conversation)
    plan = await _planned(svc, site, conversation)
    now = svc.now()
    return await svc.commit(on_writer(_hand_over_job, plan, conversation.id, ASKED, now),
                            BotTurn.events)


async def check_vote(svc: Services, site: Site, visitor_id: int,
                     data: Any) -> tuple[BotAnswer, BotTurn]:
    """👍 (1) or 👎 (-1) on one of the bot's answers in the visitor's own conversation; a 👎
    puts the question in the "to improve" list and, while the bot serves, hands over."""
    body = v.only_fields(data, ("message_id", "vote"))
    message_id = v.clean_id(body.get("message_id"), "message_id")
    vote = body.get("vote")
    if isinstance(vote, bool) or vote not in (1, -1):
        raise Invalid("vote must be 1 or -1", field="vote")
    try:
        message = await svc.db.read(store.get_message, message_id)
        conversation = await _own(svc, visitor_id, message.conversation_id)
    except NotFound:
        raise NotFound("No such message") from None
    reply = message.bot
    if message.sender.type != BOT or reply is None or reply.action != ANSWER \
            or reply.answer_id is None:
        raise Invalid("Only the bot's answers can be voted on", field="message_id")
    voted = await bot.check_vote(svc, conversation.site_id, reply.answer_id, vote)
    if vote == 1 or conversation.status != BOT:
        return voted, BotTurn((), conversation)
    plan = await _planned(svc, site, conversation)
    now = svc.now()
    turn = await svc.commit(on_writer(_hand_over_job, plan, conversation.id, DOWNVOTED, now),
                            BotTurn.events)
    return voted, turn


# -- chats whose visitor left ----------------------------------------------------------------

class LeftBotChats:
    """Closes the bot's chats whose visitor left: no message for `after_seconds` and no
    connection (socket or long-poll) of the visitor for as long. They are recorded as the
    bot's alone (`bot_outcome` `left`), not as missed (no person was ever asked)."""

    def __init__(self, svc: Services, after_seconds: int) -> None:
        self.svc = svc
        self.after = timedelta(seconds=after_seconds)
        self._seen: dict[int, datetime] = {}  # visitor id -> last time seen connected
        self._since: datetime | None = None  # the first pass: nobody was seen before it

    async def sweep(self) -> list[Conversation]:
        """One pass over the chats the bot serves (each visitor with a connection now is
        noted, so that "no connection for as long" counts from when it went)."""
        now = self.svc.now()
        quiet_since = now - self.after
        closed: list[Conversation] = []
        if self._since is None:
            self._since = now
        # Just started: who was connected before is not known (they may be reconnecting).
        starting = self._since > quiet_since
        self._seen = {k: t for k, t in self._seen.items() if t > quiet_since}
        for conversation_id, visitor_id, active_at in await self.svc.db.read(
                store.bot_chats, BOT_CHATS_SWEPT):
            if self.svc.visitors.visitor_online(visitor_id):
                self._seen[visitor_id] = now
                continue
            if active_at >= quiet_since or visitor_id in self._seen or starting:
                continue
            changed = await self.svc.commit(
                on_writer(store.close_left_bot_chat, conversation_id, quiet_since, now),
                lambda conv: [] if conv is None else [ConversationChanged(conv),
                                                      BotChatChanged(conv)])
            if changed is not None:
                closed.append(changed)
        return closed


# -- replies never written -------------------------------------------------------------------

UNANSWERED_SWEPT = 100  # messages read at a time (oldest first)


class UnansweredBotChats:
    """The bot's chats whose last message is a visitor's with no reply after it: the process
    stopped between storing the message and writing the reply (looked for on the first pass,
    for messages stored before this process started), or a reply's task failed (looked for on
    the pass after, skipping chats with a reply under way). Each gets the bot's own decision
    (the model is not asked so late) under the client id of the reply that was never written,
    so it is written once. Nothing else is read: a running appliance answers every message.
    A site whose bot is off now is left alone: the visitor's next message hands its chat over."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.started = svc.now()
        self.first = True

    async def sweep(self) -> list[BotTurn]:
        svc = self.svc
        if self.first:
            before = self.started
        elif svc.db in _failed:
            _failed.discard(svc.db)
            before = svc.now()
        else:
            return []
        answered: list[BotTurn] = []
        after_id = 0
        while True:
            batch = await svc.db.read(store.unanswered_bot_chats, before, after_id,
                                      UNANSWERED_SWEPT)
            for question in batch:
                if question.conversation_id in _replying(svc.db):
                    continue
                turn = await self._answer(question)
                if turn is not None:
                    answered.append(turn)
            if len(batch) < UNANSWERED_SWEPT:
                break
            after_id = batch[-1].id
        self.first = False  # done (a pass that failed is tried again)
        return answered

    async def _answer(self, question: Message) -> BotTurn | None:
        svc = self.svc
        head = await svc.db.read(store.require_head, question.conversation_id)
        site = await svc.db.read(site_store.get_site, head.site_id)
        settings = await bot.settings_of(svc, site.id)
        if settings.mode is BotMode.OFF:
            return None
        decision = None
        if question.kind == TEXT:
            decision, _ = await _decide(svc, site.id, head, question.body)
        present = await routing.anyone_present(
            svc, site.id, await svc.db.read(store.category_of, head.id))
        plan = Plan(site.id, bot_name(settings.name, site.language), site.language,
                    question.body, decision, False, present)
        return await answer_later(svc, plan, question)


def _answer_later_job(plan: Plan, question: Message, now: datetime) -> tuple[Conversation,
                      BotTurn] | None:
    try:
        head = store.require_head(question.conversation_id)
    except NotFound:  # deleted meanwhile (the visitor's data erased)
        return None
    client_id = reply_client_id(question)
    if head.status != BOT or store.find_sent(_sender(plan.name), client_id) is not None:
        return None
    return head, reply_on_writer(plan, head, now, client_id)


def _hand_over_job(plan: Plan, conversation_id: int, reason: str, now: datetime) -> BotTurn:
    return _hand_over(plan, store.require_head(conversation_id), reason, now)
