"""docs/protocol.md and the code agree: every frame the server can send is documented with
exactly the fields its builder emits, and every frame a client may send is one the server
handles."""

from __future__ import annotations

import inspect
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from appliance.domain.conversations import Conversation, Message, Sender, Visitor
from appliance.domain.invitations import Invitation
from appliance.domain.model import Role, User
from appliance.web import conversation_frames, sockets, ws_io
from appliance.wire import frames, timestamp

PROTOCOL = Path(__file__).resolve().parents[1] / "docs" / "protocol.md"
NOW = datetime(2026, 12, 6, 8, 30, 15, 123456)


def _section(title: str) -> str:
    text = PROTOCOL.read_text("utf-8")
    start = text.index(f"### {title}")
    end = text.index("\n### ", start + 1)
    return text[start:end]


def _top_level_keys(example: str) -> tuple[str, set[str]]:
    """The `type` and the top-level keys of a documented frame such as
    `{"type": "ack", "client_id": "...", "error": {"code", "message"}}` (not always strict
    JSON: alternatives are written `a \\| b`)."""
    depth, keys, token, in_string, before = 0, set(), "", False, ""
    for ch in example:
        if in_string:
            if ch == '"':
                in_string = False
                if depth == 1 and before in "{,":  # a key, not a value after ':'
                    keys.add(token)
                before = '"'
            else:
                token += ch
        elif ch == '"':
            in_string, token = True, ""
        elif not ch.isspace():
            depth += (ch in "{[") - (ch in "}]")
            before = ch
    kind = re.search(r'"type":\s*"(\w+)"', example)
    assert kind, example
    return kind.group(1), keys


def _documented(title: str) -> list[tuple[str, set[str]]]:
    rows = [line for line in _section(title).splitlines() if line.startswith("| `{")]
    return [_top_level_keys(line.split("`")[1]) for line in rows]


def _samples() -> dict[str, list[dict[str, Any]]]:
    """Every builder of wire/frames.py, called with the fullest arguments it takes."""
    sender = Sender("agent", 3, "小李")
    message = Message(id=901, conversation_id=42, seq=8, client_id="c-1", sender=sender,
                      kind="text", body="你好", attachment=None, created_at=NOW)
    conversation = Conversation(id=42, site_id=1, visitor_id=17, visitor_name="", status="open",
                                assignee_id=3, last_seq=8, visitor_last_seq=8,
                                agent_read_seq=7, visitor_read_seq=8, unread=0,
                                created_at=NOW, last_activity_at=NOW, closed_at=None,
                                last_message=message)
    visitor = Visitor(id=17, site_id=1, name="", email="", phone="", attributes={},
                      page_url="", page_title="", referrer="", user_agent="",
                      first_seen_at=NOW, last_seen_at=NOW)
    user = User(id=3, login="xiaoli", display_name="小李", role=Role.AGENT, active=True,
                language="zh-CN", site_ids=(1,), created_at=NOW)
    invitation = Invitation(id=5, site_id=1, visitor_id=17, visit_id=2, agent_id=3,
                            rule_id=None, message="您好，需要帮忙吗？", page_url="https://x/",
                            status="shown", created_at=NOW, answered_at=None,
                            conversation_id=None, agent_name="小李")
    built = {
        "PING": frames.PING, "PONG": frames.PONG,
        "agent_hello_frame": frames.agent_hello_frame(user, "online"),
        "visitor_hello_frame": frames.visitor_hello_frame(visitor, conversation),
        "ack_frame": frames.ack_frame(message),
        "nack_frame": frames.nack_frame("c-1", "invalid", "too long", "body"),
        "message_frame": frames.message_frame(message),
        "synced_frame": frames.synced_frame(42, 9, 8),
        "reset_frame": frames.reset_frame(42, "position is beyond the end"),
        "read_frame": frames.read_frame(42, "agent", 9),
        "typing_frame": frames.typing_frame(42, sender, True, "draft"),
        "conversation_frame": frames.conversation_frame(conversation),
        "visitor_conversation_frame": frames.visitor_conversation_frame(conversation),
        "visitor_frame": frames.visitor_frame(visitor, {"browser": "", "os": "", "device": ""}),
        "error_frame": frames.error_frame("sync", 42, "not_found", "No such conversation"),
        "page_error_frame": frames.error_frame("page", None, "invalid", "not this site",
                                               "page.url"),
        "queue_frame": frames.queue_frame(42, 2, 300),
        "queue_summary_frame": frames.queue_summary_frame(1, 3, ((None, 2), (4, 1)), NOW),
        "unanswered_frame": frames.unanswered_frame(42, 3, 4),
        "status_frame": frames.status_frame("online"),
        "session_ended_frame": frames.session_ended_frame("deactivated"),
        "visitor_invitation_frame": frames.visitor_invitation_frame(invitation),
        "invitation_withdrawn_frame": frames.invitation_withdrawn_frame(5),
        "invitation_frame": frames.invitation_frame(invitation),
        "visitors_frame": frames.visitors_frame([], {"1": 0}),
        "visitors_delta_frame": frames.visitors_delta_frame([], [17], {"1": 0}),
        "board_frame": frames.board_frame({"company_id": 1}),
        "bot_chat_frame": frames.bot_chat_frame(conversation, (message,)),
    }
    every = {name for name, value in vars(frames).items()
             if (name.endswith("_frame") and inspect.isfunction(value)) or name in ("PING",
                                                                                  "PONG")}
    assert every == set(built) - {"page_error_frame"}, "a frame builder is missing from this test"
    by_type: dict[str, list[dict[str, Any]]] = {}
    for frame in built.values():
        by_type.setdefault(frame["type"], []).append(frame)
    return by_type


def test_every_server_frame_is_documented_with_its_fields() -> None:
    documented = _documented("Server → client")
    samples = _samples()
    assert {kind for kind, _ in documented} == set(samples)
    for kind, keys in documented:
        assert any(set(frame) == keys for frame in samples[kind]), (kind, keys)
    for kind, built in samples.items():
        for frame in built:
            assert any(set(frame) == keys for k, keys in documented if k == kind), frame


def test_every_client_frame_is_handled_and_nothing_else() -> None:
    documented = {kind for kind, _ in _documented("Client → server")}
    handled = (set(conversation_frames.CONVERSATION_FRAMES) | {"ping", "pong"}
               | set(sockets.AGENT_FRAMES) | set(sockets.PRESENCE_FRAMES))
    assert documented == handled
    source = inspect.getsource(sockets)
    for kind in ("ping", "pong", "status", "activity", "workbench", "visitors_watch", "auth",
                 "page", "invitation_reply"):
        assert f'"{kind}"' in source


def test_one_timestamp_format() -> None:
    assert timestamp(NOW) == "2026-12-06T08:30:15Z"
    assert timestamp(None) is None
    assert frames.ack_frame(Message(
        id=1, conversation_id=2, seq=3, client_id="c", sender=Sender("visitor", 1, "v"),
        kind="text", body="x", attachment=None, created_at=NOW))["created_at"] == timestamp(NOW)


def test_close_codes_and_limits_are_the_documented_ones() -> None:
    """The numbers a client written from docs/protocol.md relies on are the code's."""
    from appliance.config import SETTINGS_BY_NAME
    from appliance.realtime import connection
    from appliance.web import app
    from appliance.wire import json_in

    text = PROTOCOL.read_text("utf-8")
    table = text[text.index("### Close codes"):]
    table = table[:table.index("\n## ")]
    documented = {int(code) for code in re.findall(r"^\| (\d{4}) \|", table, re.MULTILINE)}
    used = {connection.CLOSE_SESSION_ENDED, connection.CLOSE_FORBIDDEN,
            connection.CLOSE_SLOW_CONSUMER, connection.CLOSE_BAD_FRAME,
            connection.CLOSE_HEARTBEAT, ws_io.CLOSE_INVALID_TEXT, sockets.CLOSE_GOING_AWAY,
            1009}
    assert documented == used
    assert app.CLOSE_GOING_AWAY == 1001
    slow = next(line for line in table.splitlines() if line.startswith("| 4008"))
    assert f"more than {connection.OUTBOX_LIMIT} frames" in slow
    assert f"{connection.AGENT_OUTBOX_LIMIT:,}" in slow
    heartbeat = text[text.index("4. **Heartbeat.**"):text.index("5. **Backoff.**")]
    assert f"`ws_ping_seconds` ({SETTINGS_BY_NAME['ws_ping_seconds'].default} s)" in heartbeat
    assert f"{sockets.SILENT_INTERVALS} intervals" in heartbeat
    assert "whatever" in heartbeat  # pings do not depend on the client being silent
    assert f"within {sockets.AUTH_TIMEOUT:g} s" in text
    assert f"deeper\nthan {json_in.MAX_DEPTH} levels" in text
    concepts = text[text.index("## Concepts"):text.index("## Visitor: start a session")]
    for status in ("`open`", "`pending`", "`closed`"):
        assert status in concepts
    reasons = re.search(r'"session_ended".*?\((`[^)]*)\)', text)
    assert reasons is not None
    assert set(re.findall(r"`(\w+)`", reasons.group(1))) == {
        "logged_out", "password_changed", "password_reset", "deactivated", "expired"}
