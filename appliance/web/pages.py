"""Handlers for pages, static files, the widget loader and the health check."""

from __future__ import annotations

from typing import cast

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw, redirect

from appliance import __version__
from appliance.services import sites
from appliance.services.health import ping
from appliance.services.setup import needs_setup
from appliance.web.errors import error_response
from appliance.web.http import services
from appliance.web.static import Asset

bp = Blueprint("pages")

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
            "img-src 'self' data: blob: http: https:; connect-src 'self'; "
            "media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")


def serve_asset(request: Request, asset: Asset | None, *, page: bool = False) -> HTTPResponse:
    if asset is None:
        return error_response(404, "not_found", "Not found")
    headers = {"ETag": asset.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if page:
        headers["Content-Security-Policy"] = PAGE_CSP
        headers["X-Frame-Options"] = "DENY"
    if request.headers.get("if-none-match") == asset.etag:
        return HTTPResponse(status=304, headers=headers)
    body = asset.body
    if asset.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    return raw(body, content_type=asset.content_type, headers=headers)


def _webui(request: Request, name: str) -> Asset | None:
    return cast(Asset | None, request.app.ctx.webui.get(name))


@bp.get("/")
async def root(request: Request) -> HTTPResponse:
    return redirect("/setup" if await needs_setup(services(request)) else "/app/")


@bp.get("/setup")
async def setup_page(request: Request) -> HTTPResponse:
    if not await needs_setup(services(request)):
        return redirect("/login")
    return serve_asset(request, _webui(request, "setup.html"), page=True)


@bp.get("/login")
async def login_page(request: Request) -> HTTPResponse:
    return serve_asset(request, _webui(request, "login.html"), page=True)


@bp.get("/app/", strict_slashes=False)
async def app_page(request: Request) -> HTTPResponse:
    return serve_asset(request, _webui(request, "app.html"), page=True)


@bp.get("/ui/<path:path>")
async def ui_file(request: Request, path: str) -> HTTPResponse:
    return serve_asset(request, _webui(request, path))


def _cross_origin(response: HTTPResponse) -> HTTPResponse:
    """Host pages on other origins load these scripts (as ES modules, which need CORS)."""
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/embed.js")
async def embed_loader(request: Request) -> HTTPResponse:
    return _cross_origin(serve_asset(request, request.app.ctx.embed.get("loader.js")))


@bp.get("/embed/<path:path>")
async def embed_file(request: Request, path: str) -> HTTPResponse:
    return _cross_origin(serve_asset(request, request.app.ctx.embed.get(path)))


CHAT_PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                 "img-src 'self' data: blob: http: https:; connect-src 'self'; "
                 "media-src 'self' blob:; object-src 'none'; base-uri 'none'; "
                 "form-action 'self'; frame-ancestors 'self'")


@bp.get("/chat/<site_key:str>")
async def chat_page(request: Request, site_key: str) -> HTTPResponse:
    """The standalone chat page of a site (app web views, WeChat menus, e-mail signatures).
    Unlike the console it may be framed, but only by the site's own allowed origins."""
    response = serve_asset(request, request.app.ctx.embed.get("chat.html"))
    if response.status in (200, 304):
        origins = await sites.framing_origins(services(request), site_key)
        response.headers["Content-Security-Policy"] = " ".join((CHAT_PAGE_CSP, *origins))
    return response


@bp.get("/healthz")
async def healthz(request: Request) -> HTTPResponse:
    db = request.app.ctx.runtime.db
    try:
        ok = await db.read(ping)
    except Exception:
        ok = False
    return json({"status": "ok" if ok else "error", "version": __version__,
                 "database": "ok" if ok else "error"}, status=200 if ok else 503)
