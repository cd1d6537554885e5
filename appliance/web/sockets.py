"""The agent console's WebSocket: authenticated by cookie, ended when the session ends."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from sanic import Blueprint, Request
from sanic.server.websockets.impl import WebsocketImplProtocol

from appliance.realtime.connection import (
    CLOSE_BAD_FRAME,
    CLOSE_FORBIDDEN,
    CLOSE_HEARTBEAT,
    CLOSE_SESSION_ENDED,
    Connection,
)
from appliance.services.auth import access_principal
from appliance.web.http import SESSION_COOKIE, own_origin, services
from appliance.web.wire import user_json

bp = Blueprint("sockets")


def _parse(frame: Any) -> dict[str, Any] | None:
    if not isinstance(frame, str):
        return None
    try:
        message = json.loads(frame)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


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
    hub = request.app.ctx.runtime.hub
    conn = Connection(user_id=principal.user.id, session_id=principal.session.id,
                      send=ws.send, close=lambda code, reason: ws.close(code, reason))
    hub.register(conn)
    sender = asyncio.create_task(conn.run_sender())
    conn.push({"type": "hello", "user": user_json(principal.user)})
    interval = request.app.ctx.runtime.config.ws_ping_seconds
    try:
        await _receive_loop(ws, conn, interval)
    finally:
        hub.unregister(conn)
        if not conn.closing:
            sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(sender, timeout=5)


async def _receive_loop(ws: WebsocketImplProtocol, conn: Connection, interval: int) -> None:
    """Answer pings, send our own, and drop the peer after 2.5 silent intervals."""
    silent = 0.0
    while not conn.closing:
        frame = await ws.recv(timeout=interval)
        if frame is None:
            if ws.ws_proto.state.name in ("CLOSING", "CLOSED"):
                return
            silent += interval
            if silent >= interval * 2.5:
                conn.end(CLOSE_HEARTBEAT, "heartbeat timeout", None)
                return
            conn.push({"type": "ping"})
            continue
        silent = 0.0
        message = _parse(frame)
        if message is None:
            conn.end(CLOSE_BAD_FRAME, "frames must be JSON objects", None)
            return
        kind = message.get("type")
        if kind == "ping":
            conn.push({"type": "pong"})
        elif kind != "pong":
            conn.end(CLOSE_BAD_FRAME, "unknown message type", None)
            return
