"""The console's and the widget's WebSockets: authenticate, then exchange frames."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from sanic import Blueprint, Request
from sanic.server.websockets.impl import WebsocketImplProtocol

from appliance.domain.errors import DomainError
from appliance.realtime.connection import (
    AGENT_OUTBOX_LIMIT,
    CLOSE_BAD_FRAME,
    CLOSE_FORBIDDEN,
    CLOSE_HEARTBEAT,
    CLOSE_SESSION_ENDED,
    Connection,
)
from appliance.realtime.hub import scope_of
from appliance.services import routing
from appliance.services.auth import access_principal
from appliance.services.conversations import open_conversation
from appliance.services.participants import AgentSide, Side, VisitorSide
from appliance.services.visitors import access_visitor
from appliance.web import conversation_frames
from appliance.web.http import SESSION_COOKIE, own_origin, services
from appliance.web.ws_io import LeanSocket
from appliance.wire.frames import (
    PING,
    PONG,
    agent_hello_frame,
    error_frame,
    status_frame,
    visitor_hello_frame,
)

bp = Blueprint("sockets")
AUTH_TIMEOUT = 10.0


def _parse(frame: Any) -> dict[str, Any] | None:
    if not isinstance(frame, str):
        return None
    try:
        message = json.loads(frame)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def _runtime(request: Request) -> Any:
    return request.app.ctx.runtime


async def lean_socket(request: Request, websocket: WebsocketImplProtocol) -> None:
    """Right after the handshake, before any frame can arrive (web/app.py runs this on
    Sanic's `websocket.handler.before` signal): the socket's frames go the lean way."""
    request.ctx.lean = LeanSocket(websocket)


def _lean(request: Request) -> LeanSocket:
    lean = request.ctx.lean
    assert isinstance(lean, LeanSocket)
    return lean


def _connection(lean: LeanSocket, **kwargs: Any) -> Connection:
    return Connection(write=lean.write, writable=lean.writable, close=lean.close, **kwargs)


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
    conn = _connection(_lean(request), user_id=principal.user.id,
                       session_id=principal.session.id, limit=AGENT_OUTBOX_LIMIT,
                       site_scope=scope_of(principal.user))
    svc = services(request)
    user = principal.user
    svc.presence_connected(user.id, await routing.status_choice_of(svc, user))
    conn.push(agent_hello_frame(user, svc.presence.status(user.id)))
    drain = asyncio.create_task(routing.drain_sites_of(svc, user))  # they can take chats now
    try:
        await _serve(request, ws, conn, AgentSide(svc, user))
    finally:
        svc.presence_disconnected(user.id)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await drain


@bp.websocket("/api/widget/ws")
async def visitor_socket(request: Request, ws: WebsocketImplProtocol) -> None:
    """The first frame authenticates: tokens never travel in URLs."""
    frame = await _lean(request).recv(timeout=AUTH_TIMEOUT)
    auth = _parse(frame)
    if auth is None or auth.get("type") != "auth":
        await ws.close(CLOSE_BAD_FRAME, "the first frame must be auth")
        return
    svc = services(request)
    try:
        visitor, site = await access_visitor(svc, auth.get("visitor_token"),
                                             request.headers.get("origin"), own_origin(request))
    except DomainError as exc:
        code = CLOSE_FORBIDDEN if exc.code == "forbidden" else CLOSE_SESSION_ENDED
        await ws.close(code, exc.message[:100])
        return
    if auth.get("site_key") not in (None, site.widget_key):
        await ws.close(CLOSE_SESSION_ENDED, "visitor token belongs to another site")
        return
    conn = _connection(_lean(request), visitor_id=visitor.id)
    current = await open_conversation(svc, visitor)
    conn.push(visitor_hello_frame(visitor, current))
    await _serve(request, ws, conn, VisitorSide(svc, visitor, site))


async def _agent_status(side: AgentSide, message: dict[str, Any], conn: Connection) -> None:
    """`status` sets the agent's chosen status; `activity` tells us they are at the console."""
    side.svc.presence_active(side.user.id)
    if message.get("type") == "activity":
        return
    try:
        status = await routing.check_set_status(side.svc, side.user, message.get("status"))
    except DomainError as exc:
        conn.push(error_frame("status", None, exc.code, exc.message))
        return
    conn.push(status_frame(status))


async def _serve(request: Request, ws: WebsocketImplProtocol, conn: Connection,
                 side: Side) -> None:
    hub = _runtime(request).hub
    hub.register(conn)
    try:
        await _receive_loop(_lean(request), conn, side,
                            _runtime(request).config.ws_ping_seconds)
    finally:
        hub.unregister(conn)
        if conn.closed is not None:  # let the close frame (and what precedes it) go out
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(conn.closed), timeout=5)


async def _receive_loop(lean: LeanSocket, conn: Connection, side: Side,
                        interval: int) -> None:
    """Answer frames in order; ping, and drop the peer after 2.5 silent intervals."""
    silent = 0.0
    while not conn.closing:
        frame = await lean.recv(timeout=interval)
        if frame is None:
            if lean.closed:
                return
            silent += interval
            if silent >= interval * 2.5:
                conn.end(CLOSE_HEARTBEAT, "heartbeat timeout", None)
                return
            conn.push(PING)
            continue
        silent = 0.0
        message = _parse(frame)
        kind = None if message is None else message.get("type")
        if kind == "ping":
            conn.push(PONG)
        elif kind == "pong":
            continue
        elif message is not None and kind in conversation_frames.CONVERSATION_FRAMES:
            if isinstance(side, AgentSide):
                side.svc.presence_active(side.user.id)
            await conversation_frames.handle(side, message, conn.push,
                                             lambda: conn.room(interval * 2.5))
        elif message is not None and kind in ("status", "activity") and isinstance(
                side, AgentSide):
            await _agent_status(side, message, conn)
        else:
            conn.end(CLOSE_BAD_FRAME, "frames must be JSON objects of a known type", None)
            return
