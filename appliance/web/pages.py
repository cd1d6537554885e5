"""Handlers for pages, static files, the widget loader and the health check."""

from __future__ import annotations

import re
from typing import cast

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw, redirect

from appliance import __version__
from appliance.services import sites
from appliance.services.health import ping
from appliance.services.setup import needs_setup
from appliance.web.errors import error_response
from appliance.web.http import services
from appliance.web.static import Asset, bundle_version, make_asset

bp = Blueprint("pages")

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
            "img-src 'self' data: blob: http: https:; connect-src 'self'; "
            "media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")


def serve_asset(request: Request, asset: Asset | None, *, page: bool = False,
                cache: str = "no-cache") -> HTTPResponse:
    if asset is None:
        return error_response(404, "not_found", "Not found")
    headers = {"ETag": asset.etag, "Cache-Control": cache, "Vary": "Accept-Encoding"}
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


# The snippet's /embed.js is cached briefly, so that an upgrade reaches pages within minutes;
# /embed/<version>/<file> never changes (the version is a hash of every widget file), so a host
# may pin /embed/<version>/loader.js with Subresource Integrity (embed/README.md).
LOADER_CACHE = "public, max-age=300"
IMMUTABLE = "public, max-age=31536000, immutable"
_VERSIONED = re.compile(r"([0-9a-f]{12})/(.+)")


def embed_version(request: Request) -> str:
    ctx = request.app.ctx
    if getattr(ctx, "embed_version", None) is None:
        ctx.embed_version = bundle_version(ctx.embed)
    return str(ctx.embed_version)


@bp.get("/embed.js")
async def embed_loader(request: Request) -> HTTPResponse:
    asset = request.app.ctx.embed.get("loader.js")
    return _cross_origin(serve_asset(request, asset, cache=LOADER_CACHE))


@bp.get("/embed/<path:path>")
async def embed_file(request: Request, path: str) -> HTTPResponse:
    bundle = request.app.ctx.embed
    version = embed_version(request)
    if path == "manifest.json":
        loader = bundle["loader.js"]
        return _cross_origin(json({"version": version, "loader": f"/embed/{version}/loader.js",
                                   "integrity": loader.integrity},
                                  headers={"Cache-Control": "no-cache"}))
    found = _VERSIONED.fullmatch(path)
    if found is None:
        return _cross_origin(serve_asset(request, bundle.get(path)))
    # An older version's files are gone with the upgrade: a 404, never other bytes.
    asset = bundle.get(found[2]) if found[1] == version else None
    return _cross_origin(serve_asset(request, asset, cache=IMMUTABLE))


# The chat page in an English site's language: its <html lang>, title and no-script line (the
# template is in zh-CN; the page's script follows the site's language from its catalogues).
_CHAT_PAGE_EN = tuple((zh.encode(), en.encode()) for zh, en in (
    ('<html lang="zh-CN">', '<html lang="en">'),
    ("<title>在线客服</title>", "<title>Chat</title>"),
    ("请启用 JavaScript 以使用在线客服。", "Please enable JavaScript to chat.")))


def _chat_html(request: Request, language: str) -> Asset | None:
    """chat.html loading this version's page.js (its imports follow from that address), in the
    site's language (zh-CN or en)."""
    ctx = request.app.ctx
    pages: dict[str, Asset] | None = getattr(ctx, "embed_chat_pages", None)
    if pages is None:
        template = ctx.embed.get("chat.html")
        if template is None:
            return None
        body = template.body.replace(b'src="../embed/page.js"',
                                     f'src="../embed/{embed_version(request)}/page.js"'.encode())
        english = body
        for zh, en in _CHAT_PAGE_EN:
            english = english.replace(zh, en)
        pages = ctx.embed_chat_pages = {"zh-CN": make_asset("chat.html", body),
                                        "en": make_asset("chat.html", english)}
    return pages.get(language, pages["zh-CN"])


CHAT_PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                 "img-src 'self' data: blob: http: https:; connect-src 'self'; "
                 "media-src 'self' blob:; object-src 'none'; base-uri 'none'; "
                 "form-action 'self'; frame-ancestors 'self'")


@bp.get("/chat/<site_key:str>")
async def chat_page(request: Request, site_key: str) -> HTTPResponse:
    """A site's chat page: on its own (app web views, WeChat menus, e-mail signatures), or the
    widget's panel in an iframe of the site's pages. Only the site's allowed origins may frame
    it (the browser enforces `frame-ancestors`), as only they may call the widget API."""
    origins, language = await sites.chat_page_site(services(request), site_key)
    response = serve_asset(request, _chat_html(request, language))
    if response.status in (200, 304):
        response.headers["Content-Security-Policy"] = " ".join((CHAT_PAGE_CSP, *origins))
        response.headers["Vary"] = "Accept-Encoding"
    return response


@bp.get("/healthz")
async def healthz(request: Request) -> HTTPResponse:
    db = request.app.ctx.runtime.db
    try:
        ok = await db.read(ping)
    except Exception:
        ok = False
    # Reading is not enough: a disk that is full, or a database file another user owns,
    # still answers reads while every write fails.
    ok = ok and db.write_failure is None
    return json({"status": "ok" if ok else "error", "version": __version__,
                 "database": "ok" if ok else "error"}, status=200 if ok else 503)
