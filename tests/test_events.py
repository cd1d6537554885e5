"""Events are a contract: every event has a consumer, every consumer's event is published,
and each use case announces exactly the events of its change."""

from __future__ import annotations

import ast
import asyncio
import typing
from pathlib import Path

from conftest import OWNER_PASSWORD

from appliance.domain import events as ev
from appliance.domain.conversations import AGENT
from appliance.domain.mail import MAIL
from appliance.domain.users import clean_new_user
from appliance.realtime.hub import Hub
from appliance.realtime.visitors import LiveVisitors
from appliance.runtime import event_consumers, utc_now
from appliance.services import conversations, offline, setup, users
from appliance.services.board import BoardWatchers
from appliance.services.outbox import OutboxDispatcher
from appliance.services.queue import QueueNotices
from appliance.services.report_aggregates import Aggregator
from appliance.services.visitors import check_start_session
from appliance.storage import outbox as outbox_store

SERVICES = Path(__file__).resolve().parents[1] / "appliance" / "services"


def _all_events() -> set[type[ev.Event]]:
    """Every event type (they are declared in appliance/domain/events.py)."""
    return {value for value in vars(ev).values() if isinstance(value, type)
            and issubclass(value, ev.Event) and value is not ev.Event}


def _table() -> dict[type[ev.Event], list[typing.Any]]:
    return event_consumers(Hub(), OutboxDispatcher(None, None, {}, 1),  # type: ignore[arg-type]
                           QueueNotices(), LiveVisitors(utc_now),
                           Aggregator(None), BoardWatchers(None))  # type: ignore[arg-type]


def _published_names() -> set[str]:
    """Names of events constructed anywhere in the services (where events are published)."""
    names = set()
    for path in SERVICES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                names.add(node.func.id)
    return names


def test_every_event_has_a_consumer() -> None:
    table = _table()
    assert _all_events() - {t for t, consumers in table.items() if consumers} == set()


def test_every_consumed_event_is_published_by_a_service() -> None:
    published = _published_names()
    assert {t.__name__ for t in _table()} - published == set()


def test_each_consumer_takes_the_event_it_is_registered_for() -> None:
    for event_type, consumers in _table().items():
        for consumer in consumers:
            hints = typing.get_type_hints(consumer)
            assert hints.get("event") is event_type, (consumer, event_type)


def test_event_types_are_unique() -> None:
    types = [e.type for e in _all_events()]
    assert len(types) == len(set(types))


# -- what each use case announces ---------------------------------------------------------

async def _setup(svc) -> setup.SetupResult:
    return await setup.do_setup(svc, setup.SetupInput(
        company_name="悦齿口腔", login="boss", display_name="老板", password=OWNER_PASSWORD,
        site={"name": "官网", "url": "https://www.example.com"}))


def test_visitor_message_announces_the_new_conversation_then_the_message(service_env) -> None:
    svc, captured = service_env

    async def scenario() -> None:
        done = await _setup(svc)
        session = await check_start_session(
            svc, {"site_key": done.site.widget_key}, origin=None, own_origin="http://x",
            user_agent="test")
        assert captured.take() == []
        data = {"client_id": "c-0001-abcdef", "kind": "text", "body": "你好"}
        sent = await conversations.check_visitor_send(svc, session.visitor, data)
        assert captured.take() == [ev.ConversationChanged(sent.conversation),
                                   ev.MessageCreated(sent.message, sent.conversation)]
        again = await conversations.check_visitor_send(svc, session.visitor, data)
        assert again.duplicate and captured.take() == []  # a resend announces nothing

        read = await conversations.do_mark_read(svc, sent.conversation, AGENT, sent.message.seq)
        assert captured.take() == [ev.ReadUpTo(sent.conversation.id, done.site.id,
                                               session.visitor.id, AGENT, read)]

    asyncio.run(scenario())


def test_reply_to_a_visitor_who_left_is_mailed_in_the_same_change(service_env) -> None:
    svc, captured = service_env

    async def scenario() -> None:
        done = await _setup(svc)
        session = await check_start_session(
            svc, {"site_key": done.site.widget_key,
                  "identify": {"name": "李女士", "email": "li@example.com"}},
            origin=None, own_origin="http://x", user_agent="test")
        first = await conversations.check_visitor_send(
            svc, session.visitor, {"client_id": "c-0001-abcdef", "kind": "text", "body": "在吗"})
        captured.take()
        reply = await conversations.check_agent_send(
            svc, done.owner, first.conversation.id,
            {"client_id": "a-0001-abcdef", "kind": "text", "body": "在的"})
        events = captured.take()
        assert events[-2:] == [ev.MessageCreated(reply.message, reply.conversation),
                               ev.OutboxChanged(MAIL)]
        assert [type(e) for e in events[:-2]] == [ev.ConversationChanged, ev.MessageCreated]
        assert events[1].message.body == "agent_joined"
        due = await svc.db.read(outbox_store.due, svc.now(), 10)
        assert [(item.kind, item.payload["to"]) for item in due] == [(MAIL, "li@example.com")]

        note = await conversations.check_agent_send(
            svc, done.owner, first.conversation.id,
            {"client_id": "a-0002-abcdef", "kind": "note", "body": "internal"})
        assert captured.take() == [ev.MessageCreated(note.message, note.conversation)]

    asyncio.run(scenario())


def test_leaving_a_message_and_closing_announce_their_lines(service_env) -> None:
    svc, captured = service_env

    async def scenario() -> None:
        done = await _setup(svc)
        session = await check_start_session(
            svc, {"site_key": done.site.widget_key}, origin=None, own_origin="http://x",
            user_agent="test")
        left = await offline.check_leave_message(svc, session.visitor, done.site, {
            "name": "王先生", "contact": {"phone": "13800000000"}, "message": "请回电"})
        assert captured.take() == [ev.ConversationChanged(left.conversation),
                                   ev.MessageCreated(left.message, left.conversation)]
        closed = await offline.check_visitor_close(
            svc, session.visitor, {"conversation_id": left.conversation.id})
        events = captured.take()
        assert events[0] == ev.ConversationChanged(closed)
        assert [(type(e), e.message.body, e.message.sender.type) for e in events[1:]] == [
            (ev.MessageCreated, "closed", "system")]
        await offline.check_visitor_close(svc, session.visitor,
                                          {"conversation_id": left.conversation.id})
        assert captured.take() == []  # already closed: nothing changed, nothing announced

    asyncio.run(scenario())


def test_deactivating_an_agent_ends_their_sessions_then_changes_their_scope(
        service_env) -> None:
    svc, captured = service_env

    async def scenario() -> None:
        done = await _setup(svc)
        agent = await users.do_create_user(svc, clean_new_user({
            "login": "xiaoli", "display_name": "小李", "role": "agent",
            "password": "agent-password-1", "site_ids": [done.site.id]}))
        assert captured.take() == [ev.UserChanged(agent.id, agent)]
        changed = await users.check_set_active(svc, done.owner, agent.id, False)
        assert captured.take() == [ev.SessionsEnded(agent.id, "deactivated"),
                                   ev.UserChanged(agent.id, changed)]

    asyncio.run(scenario())
