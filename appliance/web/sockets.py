"""The console's and the widget's WebSockets: authenticate, then exchange frames."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from sanic import Blueprint, Request
from sanic.server.websockets.impl import WebsocketImplProtocol

from appliance.domain.errors import BadJson, DomainError, RateLimited
from appliance.domain.model import Role
from appliance.realtime.connection import (
    AGENT_OUTBOX_LIMIT,
    CLOSE_BAD_FRAME,
    CLOSE_FORBIDDEN,
    CLOSE_HEARTBEAT,
    CLOSE_SESSION_ENDED,
    CLOSE_SLOW_CONSUMER,
    Connection,
)
from appliance.realtime.hub import Hub, scope_of
from appliance.realtime.visitors import LiveVisitors
from appliance.services import invitations, routing, visits
from appliance.services.auth import access_principal, access_session_user
from appliance.services.board import BoardWatchers
from appliance.services.context import Services
from appliance.services.participants import AgentSide, Side, VisitorSide
from appliance.services.visitors import (
    USER_AGENT_MAX,
    access_visitor,
    chat_page_of,
    open_visitor_socket,
)
from appliance.web import conversation_frames
from appliance.web.http import SESSION_COOKIE, client_ip, own_origin, services
from appliance.web.replay import Replays
from appliance.web.ws_io import LeanSocket
from appliance.wire import json_in
from appliance.wire.frames import (
    PING,
    agent_hello_frame,
    error_frame,
    session_ended_frame,
    visitor_hello_frame,
)

bp = Blueprint("sockets")
AUTH_TIMEOUT = 10.0
CLOSE_GOING_AWAY = 1001  # the server is stopping: reconnect (with backoff) and sync
# A peer heard nothing from for this many ping intervals is gone (docs/protocol.md: both sides
# use the same rule).
SILENT_INTERVALS = 2.5
# After our close, how long (at least) a peer has to read what precedes the close frame.
LINGER_MIN_SECONDS = 30.0
_LINGER_LOOK = 0.1  # seconds between looks at whether it has
_STALL_LOOK = 1.0  # the receive loop looks at the peer's reading at most this often when idle
AGENT_FRAMES = ("status", "activity", "workbench", "visitors_watch", "board_watch")
# The widget's presence module (docs/protocol.md, "Presence").
PRESENCE_FRAMES = ("page", "tab", "tab_closed", "exit_intent", "invitation_reply")
# The keys each frame may carry (docs/protocol.md); any other is refused with an `error` frame
# naming it, and the frame does nothing. (`send` names its own in its `nack`.)
FRAME_FIELDS: dict[str, frozenset[str]] = {kind: frozenset(("type", *keys)) for kind, keys in {
    "sync": ("conversation_id", "after_seq"), "read": ("conversation_id", "seq"),
    "typing": ("conversation_id", "typing", "draft"), "ping": (), "pong": (),
    "status": ("status",), "activity": (), "workbench": ("present",),
    "visitors_watch": ("watch",), "board_watch": ("company_id", "site_id", "watch"),
    "page": ("tab", "url", "title", "referrer", "language", "visible", "screen"),
    "tab": ("tab", "visible"), "tab_closed": ("tab",), "exit_intent": ("tab",),
    "invitation_reply": ("invitation_id", "reply"),
}.items()}
AUTH_FIELDS = frozenset(("type", "site_key", "visitor_token"))
VISITOR_RECHECK_SECONDS = 1.0
_KNOWN_FRAMES = frozenset((*conversation_frames.CONVERSATION_FRAMES, *AGENT_FRAMES,
                           *PRESENCE_FRAMES))
Rights = Callable[[], Awaitable[Side | None]]  # the side as it may act now; None: closed
# The frames of one side beyond conversations: agents' status and list, visitors' presence.
Extra = Callable[[Any, dict[str, Any]], Awaitable[None]]


def _parse(frame: Any) -> dict[str, Any] | None:
    """A frame as a JSON object, or None for anything else (binary, not strict JSON, too deep):
    the caller closes the socket with 4400."""
    if not isinstance(frame, str):
        return None
    try:
        message = json_in.loads(frame, orjson.loads)
    except BadJson:
        return None
    return message if isinstance(message, dict) else None


def _runtime(request: Request) -> Any:
    return request.app.ctx.runtime


async def lean_socket(request: Request, websocket: WebsocketImplProtocol) -> None:
    """Right after the handshake, before any frame can arrive (web/app.py runs this on
    Sanic's `websocket.handler.before` signal): the socket's frames go the lean way
    (web/ws_io.py; invalid UTF-8 fails the socket with 1007 there)."""
    request.ctx.lean = LeanSocket(websocket)


def _lean(request: Request) -> LeanSocket:
    lean = request.ctx.lean
    assert isinstance(lean, LeanSocket)
    return lean


def _connection(lean: LeanSocket, **kwargs: Any) -> Connection:
    return Connection(write=lean.write, writable=lean.writable, close=lean.close,
                      delivered=lean.delivered, unsent=lean.unsent, **kwargs)


@bp.websocket("/api/agent/ws")
async def agent_socket(request: Request, ws: WebsocketImplProtocol) -> None:
    origin = request.headers.get("origin")
    if origin is not None and origin != own_origin(request):
        await ws.close(CLOSE_FORBIDDEN, "origin not allowed")
        return
    principal = await access_principal(services(request), request.cookies.get(SESSION_COOKIE))
    if principal is None:
        await ws.close(CLOSE_SESSION_ENDED, "not signed in")
        return
    if principal.user.role is Role.CLIENT:  # the portal has no live console
        await ws.close(CLOSE_FORBIDDEN, "client accounts have no console")
        return
    conn = _connection(_lean(request), user_id=principal.user.id,
                       session_id=principal.session.id, limit=AGENT_OUTBOX_LIMIT,
                       site_scope=scope_of(principal.user))
    svc = services(request)
    user = principal.user
    conn.push(agent_hello_frame(user, svc.presence.status(user.id)))
    try:
        live, boards, hub = _runtime(request).live, _runtime(request).boards, _runtime(request).hub
        await _serve(request, ws, conn, _agent_rights(svc, principal.session.id, conn),
                     lambda side, message: _agent_status(side, message, conn, live, boards, hub))
    finally:
        _runtime(request).live.unwatch(conn)
        _runtime(request).boards.unwatch(conn)
        if conn.at_workbench:  # closed, maybe for a reload: the grace period applies
            routing.do_leave_workbench(svc, user, closed=True)


@bp.websocket("/api/widget/ws")
async def visitor_socket(request: Request, ws: WebsocketImplProtocol) -> None:
    """The first frame authenticates: tokens never travel in URLs."""
    frame = await _lean(request).recv(timeout=AUTH_TIMEOUT)
    auth = _parse(frame)
    if auth is None or auth.get("type") != "auth" or not auth.keys() <= AUTH_FIELDS or not all(
            isinstance(auth.get(key), str | None) for key in ("site_key", "visitor_token")):
        await ws.close(CLOSE_BAD_FRAME, "the first frame must be auth")
        return
    svc = services(request)
    try:
        visitor, site, current = await open_visitor_socket(
            svc, auth.get("visitor_token"), request.headers.get("origin"), own_origin(request),
            auth.get("site_key"))
    except DomainError as exc:
        code = CLOSE_FORBIDDEN if exc.code == "forbidden" else CLOSE_SESSION_ENDED
        await ws.close(code, exc.message[:100])
        return
    conn = _connection(_lean(request), visitor_id=visitor.id)
    conn.push(visitor_hello_frame(visitor, current))
    side = VisitorSide(svc, visitor, site, client_ip(request))
    live = _runtime(request).live
    try:
        await _serve(request, ws, conn,
                     _visitor_rights(request, side, auth["visitor_token"], conn),
                     _presence(request, conn))
    finally:
        live.socket_closed(visitor.id, conn)


def _presence(request: Request, conn: Connection) -> Extra:
    """The presence module's frames: pages and tabs (the trail and the live list) and the
    answers to invitations. Refusals are `error` frames naming the request."""
    live = _runtime(request).live
    user_agent = request.headers.get("user-agent", "")[:USER_AGENT_MAX]
    origin, own = request.headers.get("origin"), own_origin(request)

    async def handle(side: VisitorSide, message: dict[str, Any]) -> None:
        kind = str(message["type"])
        svc = side.svc
        try:
            side.svc.throttle.check("page", visitor_id=side.visitor.id, address=side.address)
            if kind == "invitation_reply":
                await invitations.check_reply(svc, side.visitor.id, message)
                return
            live.socket_opened(side.visitor.id, conn)
            tracked = visits.Tracked(side.visitor, side.site, side.address,
                                     user_agent or side.visitor.user_agent,
                                     chat_page_of(side.site, origin, own))
            if kind != "page":
                await visits.check_tab(svc, tracked, kind, message)
            elif await visits.check_page(svc, tracked, message):
                showing = live.invitation_frame(side.visitor.id)
                if showing is not None:  # shown again on the page the visitor moved to
                    conn.push(showing)
        except DomainError as exc:
            retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
            conn.push(error_frame(kind, None, exc.code, exc.message, exc.field, retry_after))

    return handle


def _visitor_rights(request: Request, side: VisitorSide, token: str,
                    conn: Connection) -> Rights:
    """The visitor and their site as REST would see them, checked again at most once a
    second (visitors' frames are many; rights change rarely): a site whose allowed origins no
    longer include the page's closes the socket (4003) within a second, as REST refuses at
    once, and site settings such as typing preview follow."""
    clock = asyncio.get_running_loop().time
    origin, own = request.headers.get("origin"), own_origin(request)
    checked_at = clock()

    async def current() -> Side | None:
        nonlocal side, checked_at
        if clock() - checked_at < VISITOR_RECHECK_SECONDS:
            return side
        checked_at = clock()
        try:
            visitor, site = await access_visitor(side.svc, token, origin, own)
        except DomainError as exc:
            code = CLOSE_FORBIDDEN if exc.code == "forbidden" else CLOSE_SESSION_ENDED
            conn.end(code, exc.message[:100], None)
            return None
        side = VisitorSide(side.svc, visitor, site, side.address)
        return side

    return current


async def _agent_status(side: AgentSide, message: dict[str, Any], conn: Connection,
                        live: LiveVisitors, boards: BoardWatchers, hub: Hub) -> None:
    """`status` sets the agent's chosen status; `activity` tells us they are at the console;
    `workbench` says whether this console shows the workbench (only then does it count)."""
    await routing.do_activity(side.svc, side.user)
    kind = message.get("type")
    if kind == "activity":
        return
    if kind == "workbench":
        await _workbench(side, message, conn, hub)
        return
    if kind == "visitors_watch":
        _visitors_watch(message, conn, live)
        return
    if kind == "board_watch":
        await _board_watch(side, message, conn, boards)
        return
    try:
        status = await routing.check_set_status(side.svc, side.user, message.get("status"))
    except DomainError as exc:
        conn.push(error_frame("status", None, exc.code, exc.message, exc.field))
        return
    hub.say_status(side.user.id, status, conn)  # the answer; their other consoles too


async def _workbench(side: AgentSide, message: dict[str, Any], conn: Connection,
                     hub: Hub) -> None:
    present = message.get("present")
    if not isinstance(present, bool):
        conn.push(error_frame("workbench", None, "invalid", "present must be true or false",
                              "present"))
        return
    if present and not conn.at_workbench:
        conn.at_workbench = True
        status = await routing.do_enter_workbench(side.svc, side.user)
    elif not present and conn.at_workbench:
        conn.at_workbench = False
        status = routing.do_leave_workbench(side.svc, side.user, closed=False)
    else:
        status = side.svc.presence.status(side.user.id)
    hub.say_status(side.user.id, status, conn)


def _visitors_watch(message: dict[str, Any], conn: Connection, live: LiveVisitors) -> None:
    """The console shows (`true`) or stops showing the live visitor list: a snapshot of its
    sites now, then `visitors_delta` frames (realtime/visitors.py)."""
    watch = message.get("watch")
    if not isinstance(watch, bool):
        conn.push(error_frame("visitors_watch", None, "invalid", "watch must be true or false",
                              "watch"))
        return
    if watch:
        live.watch(conn)
    else:
        live.unwatch(conn)


async def _board_watch(side: AgentSide, message: dict[str, Any], conn: Connection,
                       boards: BoardWatchers) -> None:
    """The console shows (`watch` true, the default) or stops showing a company's live board:
    a `board` frame now, then again whenever it changes (services/board.py)."""
    watch = message.get("watch", True)
    if not isinstance(watch, bool):
        conn.push(error_frame("board_watch", None, "invalid", "watch must be true or false",
                              "watch"))
        return
    boards.unwatch(conn)
    if not watch:
        return
    site_id = message.get("site_id")
    if site_id is not None and (isinstance(site_id, bool) or not isinstance(site_id, int)):
        conn.push(error_frame("board_watch", None, "invalid", "site_id must be a site's id",
                              "site_id"))
        return
    try:
        await boards.watch(conn, side.user, message.get("company_id"), site_id)
    except DomainError as exc:
        conn.push(error_frame("board_watch", None, exc.code, exc.message, exc.field))


def _agent_rights(svc: Services, session_id: int, conn: Connection) -> Rights:
    """The agent as they are now, read before every frame that acts (as REST reads them for
    every request): narrowed sites, a lower role or a deactivation apply to the next frame.
    A session that ended meanwhile closes the socket with 4001."""

    async def current() -> Side | None:
        user = await access_session_user(svc, session_id)
        if user is None:
            conn.end(CLOSE_SESSION_ENDED, "session ended", session_ended_frame("expired"))
            return None
        if user.role is Role.CLIENT:  # made a client account meanwhile: no live console
            conn.end(CLOSE_FORBIDDEN, "client accounts have no console", None)
            return None
        conn.site_scope = scope_of(user)  # what it hears follows too (also on UserChanged)
        return AgentSide(svc, user)

    return current


async def _serve(request: Request, ws: WebsocketImplProtocol, conn: Connection,
                 rights: Rights, extra: Extra) -> None:
    hub = _runtime(request).hub
    hub.register(conn)
    interval = _runtime(request).config.ws_ping_seconds
    replays = Replays(conn, lambda: conn.room(interval * SILENT_INTERVALS))
    try:
        await _receive_loop(_lean(request), conn, rights, interval,
                            lambda frame: _answer(frame, conn, rights, replays, extra))
    finally:
        replays.stop()
        hub.unregister(conn)
        if conn.closed is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await _linger(_lean(request), conn,
                              max(interval * SILENT_INTERVALS, LINGER_MIN_SECONDS))


async def _linger(lean: LeanSocket, conn: Connection, timeout: float) -> None:
    """After our close: wait (at most `timeout` seconds) until the peer has read everything
    up to the close frame, so that a slow reader learns why it was cut off (4008) instead of
    finding the connection reset. What it sends meanwhile is dropped."""
    assert conn.closed is not None
    lean.discard_input()
    clock = asyncio.get_running_loop().time
    deadline = clock() + timeout
    async with asyncio.timeout(timeout):  # (not wait_for: see Connection.room)
        await asyncio.shield(conn.closed)
    while lean.unsent() > 0 and clock() < deadline:
        await asyncio.sleep(_LINGER_LOOK)


async def _receive_loop(lean: LeanSocket, conn: Connection, rights: Rights,
                        interval: int, answer: Callable[[Any], Awaitable[None]]) -> None:
    """Answer frames in order (a sync replay runs beside: web/replay.py). Ping every
    `interval` seconds whatever else flows; drop a peer that sent nothing (a pong included)
    for SILENT_INTERVALS intervals (4408), or that took nothing of what waits for it for as
    long (4008)."""
    clock = asyncio.get_running_loop().time
    silence = interval * SILENT_INTERVALS
    next_ping, deadline = clock() + interval, clock() + silence
    while not conn.closing:
        now = clock()
        if now >= deadline:
            conn.end(CLOSE_HEARTBEAT, "heartbeat timeout", None)
            return
        if conn.stalled(silence):
            conn.end(CLOSE_SLOW_CONSUMER, "slow consumer", None)
            return
        if now >= next_ping:
            conn.push(PING)
            next_ping = now + interval
        wake = min(next_ping, deadline, max(conn.stall_due(silence), now + _STALL_LOOK))
        frame = await lean.recv(timeout=wake - now)
        if frame is None:
            if lean.closed:
                return
            continue
        if conn.crowded():  # answers wait for the client: read no further until it takes some
            await conn.room(silence, paced=False)
            if conn.closing:
                return
        await answer(frame)
        deadline = clock() + silence  # the time we took answering is not the peer's silence


async def _answer(frame: Any, conn: Connection, rights: Rights, replays: Replays,
                  extra: Extra) -> None:
    message = _parse(frame)
    kind = None if message is None else message.get("type")
    allowed = FRAME_FIELDS.get(kind) if isinstance(kind, str) else None
    if message is not None and allowed is not None and not message.keys() <= allowed:
        unknown = min(message.keys() - allowed)
        conversation_id = message.get("conversation_id") if kind in (
            "sync", "read", "typing") else None
        conn.push(error_frame(str(kind), conversation_id, "invalid", f"unknown field: {unknown}",
                              unknown))
        return
    if kind == "pong" or kind == "ping":
        # The heartbeat too is a frame from the client: a session or origin withdrawn
        # meanwhile closes the socket now, not at the next frame that acts.
        if await rights() is None:
            return
        if kind == "ping":
            conn.pong()
        return
    if kind not in _KNOWN_FRAMES:
        conn.end(CLOSE_BAD_FRAME, "frames must be JSON objects of a known type", None)
        return
    assert message is not None
    side = await rights()  # the rights of this moment, for the frame that acts
    if side is None:
        return
    if kind in conversation_frames.CONVERSATION_FRAMES:
        if isinstance(side, AgentSide):
            await routing.do_activity(side.svc, side.user)
        if kind == "sync":
            await replays.request(side, message)
        else:
            await conversation_frames.handle(side, message, conn.push)
    elif (kind in AGENT_FRAMES and isinstance(side, AgentSide)) or (
            kind in PRESENCE_FRAMES and isinstance(side, VisitorSide)):
        await extra(side, message)
    else:  # agents' frames from a visitor, or the presence module's from an agent
        conn.end(CLOSE_BAD_FRAME, "frames must be JSON objects of a known type", None)
