"""Agents' actions on a conversation: claim, transfer (to an agent or a team's queue),
close and reopen; each adds the system lines every participant sees."""

from __future__ import annotations

import secrets
from typing import Any

from appliance.domain import validation as v
from appliance.domain.bot_chat import AGENT as TAKEN_BY_AGENT
from appliance.domain.conversations import (
    AGENT,
    BOT,
    CLOSED,
    NOTE,
    OPEN,
    SYSTEM,
    Conversation,
    Message,
    Sender,
    clean_body,
)
from appliance.domain.errors import Conflict, Invalid
from appliance.domain.events import (
    BotChatChanged,
    ConversationChanged,
    Event,
    MessageCreated,
)
from appliance.domain.model import User
from appliance.domain.permissions import require_can_write
from appliance.domain.routing import OFFLINE
from appliance.services import routing
from appliance.services.context import Services, WriterJob, on_writer
from appliance.services.conversations import access_conversation
from appliance.storage import accounts
from appliance.storage import conversations as store
from appliance.storage import routing as routing_store


def _system_message(conversation_id: int, code: str, name: str, now: Any,
                    agent_id: int | None = None) -> Message:
    """A line every participant sees: `body` is a code the clients word in their language;
    the sender is the agent it is about (their id, when it is about an agent)."""
    return store.append_message(conversation_id, Sender(SYSTEM, agent_id, name), "system", code,
                                "sys-" + secrets.token_hex(12), None, now)


Change = tuple[Conversation, list[Message]]  # the conversation after, and its new lines


async def _change(svc: Services, job: WriterJob[Change]) -> Conversation:

    def events(result: tuple[Conversation, list[Message]]) -> list[Event]:
        conversation, lines = result
        return [ConversationChanged(conversation),
                *(MessageCreated(line, conversation) for line in lines)]

    conversation, _ = await svc.commit(job, events)
    return conversation


async def do_claim(svc: Services, actor: User, conversation_id: int) -> Conversation:
    if (await access_conversation(svc, actor, conversation_id)).status == BOT:
        return await do_take_over(svc, actor, conversation_id)  # claiming the bot's chat
    now = svc.now()

    return await _change(svc, on_writer(_claim_job, actor, conversation_id, now))


async def do_take_over(svc: Services, actor: User, conversation_id: int) -> Conversation:
    """A person takes a chat over from the answer bot: it is handed over (reason `agent`)
    and assigned to them in one write, with the `agent_joined` line the visitor sees. A chat
    already handed over (the visitor asked a moment before) is claimed as it is."""
    await access_conversation(svc, actor, conversation_id)
    now = svc.now()

    def events(result: tuple[Conversation, list[Message], bool]) -> list[Event]:
        conversation, lines, taken = result
        left_bot: list[Event] = [BotChatChanged(conversation)] if taken else []
        return [ConversationChanged(conversation), *left_bot,
                *(MessageCreated(line, conversation) for line in lines)]

    conversation, _, _ = await svc.commit(
        on_writer(_take_over_job, actor, conversation_id, now), events)
    return conversation


async def check_transfer(svc: Services, actor: User, conversation_id: int,
                         data: Any) -> Conversation:
    body = v.only_fields(data, ("agent_id", "team_id", "note"))
    note = body.get("note")
    note_text = None if note in (None, "") else clean_body(note, NOTE, False, "note")
    conversation = await access_conversation(svc, actor, conversation_id)
    require_can_write(actor, conversation.assignee_id)
    now = svc.now()
    if "team_id" in body and body.get("agent_id") is None:
        team_id = v.clean_id(body["team_id"], "team_id")
        picked = await routing.pick_in_team(svc, conversation, team_id)
        if picked is None:  # nobody in the team can take it now: it waits in their queue
            changed = await _change(svc, _to_team_queue(
                conversation_id, team_id, actor, note_text, now))
            await routing.publish_queue(svc, changed.site_id)
            return changed
        body["agent_id"] = picked
    agent_id = v.clean_id(body.get("agent_id"), "agent_id")
    present = svc.presence.status(agent_id) != OFFLINE  # read in the step that queues the job
    return await _change(svc, on_writer(_transfer_job, actor, conversation_id,
                                        conversation.site_id, agent_id, note_text, now, present))


def _handed_over(conversation_id: int, actor: User, note_text: str | None, to_name: str,
                 now: Any, to_agent: int | None = None) -> tuple[Conversation, list[Message]]:
    """The lines of a transfer: the note for the next agent, then what the visitor sees."""
    lines = []
    if note_text:
        lines.append(store.append_message(
            conversation_id, Sender(AGENT, actor.id, actor.display_name), NOTE, note_text,
            "note-" + secrets.token_hex(12), None, now))
    lines.append(_system_message(conversation_id, "transferred", to_name, now, to_agent))
    return store.get_conversation(conversation_id), lines


def _to_team_queue(conversation_id: int, team_id: int, actor: User, note_text: str | None,
                   now: Any) -> WriterJob[Change]:
    return on_writer(_to_team_queue_job, conversation_id, team_id, actor, note_text, now)


async def do_set_status(svc: Services, actor: User, conversation_id: int,
                        status: str) -> Conversation:
    conversation = await access_conversation(svc, actor, conversation_id)
    require_can_write(actor, conversation.assignee_id)
    now = svc.now()

    def events(result: tuple[Conversation, list[Message], bool]) -> list[Event]:
        conversation, lines, left_bot = result
        # Closed while the bot served it: the consoles' "with the bot" lists drop it.
        dropped: list[Event] = [BotChatChanged(conversation)] if left_bot else []
        return [ConversationChanged(conversation), *dropped,
                *(MessageCreated(line, conversation) for line in lines)]

    changed, _, _ = await svc.commit(
        on_writer(_set_status_job, actor, conversation_id, status, now), events)
    if status == CLOSED:  # a chat slot is free: the queue moves
        await routing.drain_queue(svc, changed.site_id)
    return changed


def _claim_job(actor: User, conversation_id: int, now: Any) -> tuple[Conversation, list[Message]]:
    current = store.get_conversation(conversation_id)
    if current.status != OPEN:
        raise Conflict("This conversation is closed")
    if current.assignee_id == actor.id:
        return current, []
    require_can_write(actor, current.assignee_id)
    store.set_assignee(conversation_id, actor.id)
    line = _system_message(conversation_id, "agent_joined", actor.display_name, now, actor.id)
    return store.get_conversation(conversation_id), [line]


def _take_over_job(actor: User, conversation_id: int, now: Any) -> tuple[Conversation,
                   list[Message], bool]:
    current = store.get_conversation(conversation_id)
    if current.status not in (BOT, OPEN):
        raise Conflict("This conversation is closed")
    require_can_write(actor, current.assignee_id)
    taken = store.hand_over(conversation_id, TAKEN_BY_AGENT, now) is not None
    if current.assignee_id == actor.id:
        return current, [], taken
    store.set_assignee(conversation_id, actor.id)
    line = _system_message(conversation_id, "agent_joined", actor.display_name, now, actor.id)
    return store.get_conversation(conversation_id), [line], taken


def _transfer_job(actor: User, conversation_id: int, site_id: int, agent_id: int,
                  note_text: str | None, now: Any,
                  present: bool) -> tuple[Conversation, list[Message]]:
    target = accounts.get_user(agent_id)
    if not target.active:
        raise Invalid("That user is deactivated", field="agent_id")
    if target.role.is_client:  # whatever site rows older data left them
        raise Invalid("A client account takes no chats", field="agent_id")
    if not (target.role.manages_install or site_id in target.site_ids):
        raise Invalid("That user does not serve this conversation's site", field="agent_id")
    if not present:  # nobody would answer: the chat would sit with them
        raise Invalid("That agent is not at the console (offline): choose someone present",
                      field="agent_id")
    current = store.get_conversation(conversation_id)
    if current.status != OPEN:
        raise Conflict("This conversation is closed")
    if current.assignee_id == target.id:  # nothing would move: no line for the visitor
        raise Invalid("That agent already has this conversation", field="agent_id")
    store.set_assignee(conversation_id, target.id)
    return _handed_over(conversation_id, actor, note_text, target.display_name, now,
                        target.id)


def _to_team_queue_job(conversation_id: int, team_id: int, actor: User,
                       note_text: str | None, now: Any) -> tuple[Conversation, list[Message]]:
    team = routing_store.get_team(team_id)
    current = store.get_conversation(conversation_id)
    if current.status != OPEN:
        raise Conflict("This conversation is closed")
    if team.site_id not in (None, current.site_id):
        raise Invalid("That team does not serve this conversation's site", field="team_id")
    store.set_assignee(conversation_id, None)
    routing_store.mark_queued(conversation_id, team_id, now)
    return _handed_over(conversation_id, actor, note_text, team.name, now)


def _set_status_job(actor: User, conversation_id: int, status: str,
                    now: Any) -> tuple[Conversation, list[Message], bool]:
    current = store.get_conversation(conversation_id)
    if current.status == status:
        return current, [], False
    left_bot = current.status == BOT
    lines = []
    if status == CLOSED:
        lines.append(_system_message(conversation_id, "closed", actor.display_name, now,
                                     actor.id))
        store.set_status(conversation_id, CLOSED, now)
    else:
        store.set_status(conversation_id, OPEN, now)
        lines.append(_system_message(conversation_id, "reopened", actor.display_name, now,
                                     actor.id))
    return store.get_conversation(conversation_id), lines, left_bot
