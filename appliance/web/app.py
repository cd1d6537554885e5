"""The Sanic app factory: the composition root that wires handlers to the runtime."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging

from sanic import Request, Sanic
from sanic.response import HTTPResponse

from appliance.services import routing
from appliance.services.auth import do_delete_expired_sessions
from appliance.web import (
    api_account,
    api_admin,
    api_conversations,
    api_offline,
    api_routing,
    api_widget,
    pages,
    sockets,
)
from appliance.web.errors import handle_exception
from appliance.web.runtime import Runtime
from appliance.web.static import load_bundle

log = logging.getLogger(__name__)
_names = itertools.count()
SESSION_SWEEP_SECONDS = 3600


def create_app(runtime: Runtime) -> Sanic:
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
        "REQUEST_MAX_HEADER_SIZE": 16_384,
        "WEBSOCKET_MAX_SIZE": 65_536,
        "PROXIES_COUNT": config.proxies_count or None,
        "KEEP_ALIVE_TIMEOUT": 30,
    })
    app.ctx.runtime = runtime
    app.ctx.webui = load_bundle("webui")
    app.ctx.embed = load_bundle("embed")
    for bp in (api_account.bp, api_admin.bp, api_conversations.bp, api_routing.bp,
               api_widget.bp, api_offline.bp, pages.bp, sockets.bp):
        app.blueprint(bp)
    app.error_handler.add(Exception, handle_exception)
    app.on_response(_security_headers)
    app.after_server_start(_start_housekeeping)
    app.before_server_stop(_stop_housekeeping)
    app.after_server_start(_start_routing_watch)
    app.before_server_stop(_stop_routing_watch)
    app.after_server_start(api_offline.start_background)
    app.before_server_stop(api_offline.stop_background)
    return app


async def _security_headers(request: Request, response: HTTPResponse) -> None:
    api_widget.add_cors_headers(request, response)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")


async def _housekeeping(app: Sanic) -> None:
    while True:
        try:
            await do_delete_expired_sessions(app.ctx.runtime.services)
        except Exception:
            log.exception("session sweep failed")
        await asyncio.sleep(SESSION_SWEEP_SECONDS)


async def _start_housekeeping(app: Sanic) -> None:
    app.ctx.housekeeping = asyncio.get_running_loop().create_task(_housekeeping(app))


async def _stop_housekeeping(app: Sanic) -> None:
    task = getattr(app.ctx, "housekeeping", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


ROUTING_WATCH_SECONDS = 5


async def _routing_watch(app: Sanic) -> None:
    """Re-offer chats their agent has not answered in time."""
    while True:
        await asyncio.sleep(ROUTING_WATCH_SECONDS)
        try:
            await routing.reoffer_unanswered(app.ctx.runtime.services)
        except Exception:
            log.exception("re-offering unanswered chats failed")


async def _start_routing_watch(app: Sanic) -> None:
    app.ctx.routing_watch = asyncio.get_running_loop().create_task(_routing_watch(app))


async def _stop_routing_watch(app: Sanic) -> None:
    task = getattr(app.ctx, "routing_watch", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
