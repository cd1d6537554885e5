"""The Sanic app around an assembled `Runtime` (appliance/runtime.py): routes, error
mapping, security headers, and the runtime's background loops tied to the server's life."""

from __future__ import annotations

import itertools

from sanic import Request, Sanic
from sanic.response import HTTPResponse

from appliance.runtime import Runtime
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
from appliance.web.server import App
from appliance.web.static import load_bundle

_names = itertools.count()


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
    app.signal("websocket.handler.before")(sockets.lean_socket)
    app.error_handler.add(Exception, handle_exception)
    app.on_response(_security_headers)
    app.after_server_start(_start_background)
    app.before_server_stop(_stop_background)
    return app


async def _security_headers(request: Request, response: HTTPResponse) -> None:
    api_widget.add_cors_headers(request, response)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")


async def _start_background(app: App) -> None:
    app.ctx.runtime.start_background()


async def _stop_background(app: App) -> None:
    await app.ctx.runtime.stop_background()
