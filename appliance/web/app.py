"""The Sanic app around an assembled `Runtime` (appliance/runtime.py): routes, error
mapping, security headers, and the runtime's background loops tied to the server's life."""

from __future__ import annotations

import asyncio
import itertools
import re

from sanic import Request, Sanic
from sanic.response import HTTPResponse

from appliance.realtime.hub import Hub
from appliance.runtime import Runtime
from appliance.web import (
    api_account,
    api_admin,
    api_conversations,
    api_customers,
    api_kb,
    api_leads,
    api_offline,
    api_reports,
    api_routing,
    api_visitors,
    api_widget,
    pages,
    sockets,
)
from appliance.web.errors import HEADERS_MAX_BYTES, handle_exception
from appliance.web.http import renew_session_cookies
from appliance.web.server import App
from appliance.web.sockets import CLOSE_GOING_AWAY
from appliance.web.static import load_bundle

_names = itertools.count()
NOTHING_CSP = "default-src 'none'; frame-ancestors 'none'"  # JSON, scripts, styles, errors
# `<id:int>` in a route matches ASCII digits that fit SQLite's 64-bit integers. Sanic's own
# pattern (`-?\d+`) also takes "-1", "١٢" and 30-digit numbers, which then reach the database
# and fail there; now such a path is simply not found.
ROUTE_INT = re.compile(r"[0-9]{1,18}")


def route_int(text: str) -> int:
    """The router tries this on a path segment; ValueError means "not this route"."""
    if ROUTE_INT.fullmatch(text) is None:
        raise ValueError(text)
    return int(text)


def create_app(runtime: Runtime) -> App:
    config = runtime.config
    n = next(_names)
    app = Sanic(f"kefu{n}" if n else "kefu", configure_logging=False)
    app.config.update({
        "TOUCHUP": False,  # it reads source code, which a compiled build does not have
        "ACCESS_LOG": False,
        "MOTD": False,
        "FALLBACK_ERROR_FORMAT": "json",
        # Uploads are the largest bodies; JSON bodies are held to max_body_bytes by read_json.
        "REQUEST_MAX_SIZE": max(config.max_body_bytes, config.upload_max_bytes + 65_536),
        "REQUEST_MAX_HEADER_SIZE": HEADERS_MAX_BYTES,
        "WEBSOCKET_MAX_SIZE": 65_536,
        # Heartbeats are ours (JSON `ping`/`pong` every ws_ping_seconds, a silent peer dropped:
        # web/sockets.py, docs/protocol.md); sanic's own protocol-level pings would be a second
        # timer and task per socket, one more for each page view on classic sites.
        "WEBSOCKET_PING_INTERVAL": None,
        "WEBSOCKET_PING_TIMEOUT": None,
        "PROXIES_COUNT": config.proxies_count or None,
        "KEEP_ALIVE_TIMEOUT": 30,
    })
    app.router.register_pattern("int", route_int, ROUTE_INT)
    app.ctx.runtime = runtime
    app.ctx.webui = load_bundle("webui")
    app.ctx.embed = load_bundle("embed")
    for bp in (api_account.bp, api_admin.bp, api_conversations.bp, api_routing.bp,
               api_widget.bp, api_offline.bp, api_kb.bp, api_visitors.bp, api_customers.bp,
               api_leads.bp, api_reports.bp, pages.bp, sockets.bp):
        app.blueprint(bp)
    app.signal("websocket.handler.before")(sockets.lean_socket)
    app.error_handler.add(Exception, handle_exception)
    app.on_response(_security_headers)
    app.after_server_start(_start_background)
    app.before_server_stop(_stop_background)
    return app


async def _security_headers(request: Request, response: HTTPResponse) -> None:
    """Every answer: nosniff, no framing (but the standalone chat page, whose CSP names the
    site's origins), a CSP (the pages' one on every HTML page, whatever route served it), and
    no caching of API answers."""
    api_widget.add_cors_headers(request, response)
    renew_session_cookies(request, response)
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith("/api/"):
        headers.setdefault("Cache-Control", "no-store")
    if "Content-Security-Policy" not in headers:
        html = "html" in (response.content_type or "")
        headers["Content-Security-Policy"] = pages.PAGE_CSP if html else NOTHING_CSP
    if not request.path.startswith("/chat/"):
        headers.setdefault("X-Frame-Options", "DENY")


async def _start_background(app: App) -> None:
    app.ctx.runtime.start_background()


async def _stop_background(app: App) -> None:
    await _close_sockets(app.ctx.runtime.hub)
    await app.ctx.runtime.stop_background()


async def _close_sockets(hub: Hub, wait: float = 2.0) -> None:
    """Tell every open socket the server is going away (1001, docs/protocol.md), and give
    their close frames a moment to leave before the server drops the connections."""
    hub.end_all(CLOSE_GOING_AWAY, "server shutting down")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while hub.count() and loop.time() < deadline:
        await asyncio.sleep(0.05)
