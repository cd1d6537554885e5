"""Request helpers shared by handlers: JSON bodies, the signed-in principal, cookies."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit

from sanic import Request
from sanic.headers import parse_content_header
from sanic.request.form import parse_multipart_form
from sanic.response import HTTPResponse, json

from appliance.domain import validation as v
from appliance.domain.errors import (
    BadJson,
    BadRequest,
    CsrfFailed,
    Forbidden,
    Invalid,
    TooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)
from appliance.domain.model import Principal, Role
from appliance.services.auth import SignIn, access_principal, csrf_matches
from appliance.services.context import Services
from appliance.services.uploads import size_text
from appliance.wire import json_in

SESSION_COOKIE = "kefu_session"
CSRF_COOKIE = "kefu_csrf"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What a client (portal) account may reach: its own account and the portal, nothing else.
CLIENT_PATHS = frozenset({"/api/me", "/api/me/password", "/api/auth/logout", "/api/portal"})
CLIENT_PREFIX = "/api/portal/"


def ok(body: dict[str, Any], status: int = 200) -> HTTPResponse:
    """A JSON answer, Chinese kept readable."""
    return json(body, status=status, ensure_ascii=False)


def query_int(request: Request, name: str, default: int | None, maximum: int, *,
              minimum: int = 0) -> int | None:
    """A number from the query string: ASCII digits within [minimum, maximum], else 400."""
    raw_value = request.args.get(name)
    if raw_value in (None, ""):
        return default
    return v.clean_digits(raw_value, low=minimum, high=maximum, field=name)


def query_limit(request: Request, *, default: int, maximum: int) -> int:
    """A list's `limit` from the query string: 1 to `maximum` (0 would be an empty page, so it
    is refused like any number out of range), `default` when absent."""
    found = query_int(request, "limit", default, maximum, minimum=1)
    return default if found is None else found


def services(request: Request) -> Services:
    return cast(Services, request.app.ctx.runtime.services)


def client_ip(request: Request) -> str:
    return str(request.remote_addr or request.ip or "")


def own_origin(request: Request) -> str:
    """Our origin as a browser states it (a WebSocket's Origin is the page's http(s) one):
    the configured public URL's when the request comes from it (behind a reverse proxy that
    passes the upstream address as Host, as nginx does by default), else the request's."""
    public = public_origin(request.app.ctx.runtime.config.public_url)
    if public and request.headers.get("origin") == public:
        return public
    scheme = {"ws": "http", "wss": "https"}.get(request.scheme, request.scheme)
    return f"{scheme}://{request.host}"


def public_origin(public_url: str) -> str:
    """`scheme://host[:port]` of the configured public URL ("" when none)."""
    if not public_url:
        return ""
    parts = urlsplit(public_url)
    if not parts.hostname:
        return ""
    scheme, host = parts.scheme.lower(), parts.hostname
    host = f"[{host}]" if ":" in host else host
    # As a browser states it: a scheme's own port (https:443, http:80) is left out.
    port = parts.port
    return f"{scheme}://{host}" + ("" if port in (None, DEFAULT_PORTS.get(scheme)) else f":{port}")


DEFAULT_PORTS = {"http": 80, "https": 443}


def base_url(request: Request) -> str:
    """Where browsers reach us: the configured public URL, else what this request used."""
    configured = request.app.ctx.runtime.config.public_url
    return configured.rstrip("/") if configured else own_origin(request)


def check_origin(request: Request) -> None:
    """Refuse requests a page of another origin made in the user's name."""
    origin = request.headers.get("origin")
    if origin is not None and origin != own_origin(request):
        raise CsrfFailed("Request from another origin refused")


def read_json(request: Request) -> Any:
    if len(request.body) > request.app.ctx.runtime.config.max_body_bytes:
        raise TooLarge("Request body too large")
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType("Send the body as application/json")
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJson("The body is not valid UTF-8") from exc
    return json_in.loads(text) if text else {}


def read_json_or_nothing(request: Request) -> Any:
    """A body that may be left out (docs/api.md says "no body"): none at all is `{}`."""
    return read_json(request) if request.body else {}


def read_nothing(request: Request) -> None:
    """A request documented with the body `{}`: no body or `{}`; a key is refused like any
    unknown field (docs/api.md, "Strict JSON"), before anything changes."""
    if request.body:
        v.only_fields(read_json(request), ())


def uploaded_file(request: Request) -> dict[str, Any]:
    """The `file` field of a multipart upload, as the name and bytes the services expect."""
    kind, parameters = parse_content_header(request.headers.get("content-type") or "")
    file = None
    if kind == "multipart/form-data":
        # Parsed here: Sanic's own parsing logs a body it cannot read, and answers a broken
        # one (truncated, no part to be found) with no fields at all, as an empty form.
        try:
            form, files = parse_multipart_form(request.body,
                                               str(parameters["boundary"]).encode())
        except Exception as exc:  # any failure to read it is the client's
            raise BadRequest("The multipart body could not be read") from exc
        if not form and not files:
            raise BadRequest("The multipart body could not be read")
        if len(files.getlist("file") or ()) > 1:
            raise Invalid("Send one file in the 'file' field", field="file")
        file = files.get("file")
    if file is None:
        raise Invalid("Send the file as multipart/form-data with a 'file' field", field="file")
    limit = request.app.ctx.runtime.config.upload_max_bytes
    if len(file.body) > limit:  # every file: uploads, and imports too
        raise TooLarge(f"Files may be at most {size_text(limit)}", field="file")
    return {"name": file.name, "data": file.body}


async def optional_principal(request: Request) -> Principal | None:
    if not hasattr(request.ctx, "principal"):
        token = request.cookies.get(SESSION_COOKIE)
        request.ctx.principal = await access_principal(services(request), token)
    return cast(Principal | None, request.ctx.principal)


async def require_principal(request: Request) -> Principal:
    """The signed-in user; state-changing requests must also carry the CSRF token."""
    principal = await optional_principal(request)
    if principal is None:
        raise Unauthenticated("Please sign in")
    if principal.user.role is Role.CLIENT and not (
            request.path in CLIENT_PATHS or request.path.startswith(CLIENT_PREFIX)):
        raise Forbidden("Client accounts see their portal only")
    if request.method in UNSAFE_METHODS:
        check_origin(request)
        if not csrf_matches(principal, request.headers.get(CSRF_HEADER)):
            raise CsrfFailed("Missing or wrong CSRF token; reload the page")
    return principal


def _secure(request: Request) -> bool:
    mode = request.app.ctx.runtime.config.cookie_secure
    return mode == "always" or (mode == "auto" and request.scheme in ("https", "wss"))


def set_session_cookies(request: Request, response: HTTPResponse, sign_in: SignIn) -> None:
    _add_session_cookies(request, response, sign_in.token, sign_in.session.csrf_token)


def _add_session_cookies(request: Request, response: HTTPResponse, token: str,
                         csrf_token: str) -> None:
    request.ctx.cookies_set = True
    days = request.app.ctx.runtime.config.session_days
    secure = _secure(request)
    response.add_cookie(SESSION_COOKIE, token, path="/", httponly=True,
                        samesite="Lax", secure=secure, max_age=days * 86400)
    response.add_cookie(CSRF_COOKIE, csrf_token, path="/", httponly=False,
                        samesite="Strict", secure=secure, max_age=days * 86400)


def renew_session_cookies(request: Request, response: HTTPResponse) -> None:
    """A session in use lives on (`session_days` from its last use): when its expiry was moved
    on by this request, so is its cookies' (else a browser drops them `session_days` after
    the sign-in, in use or not)."""
    principal = getattr(request.ctx, "principal", None)
    token = request.cookies.get(SESSION_COOKIE)
    if (principal is not None and principal.renewed and token
            and not getattr(request.ctx, "cookies_set", False)):
        _add_session_cookies(request, response, token, principal.session.csrf_token)


def clear_session_cookies(request: Request, response: HTTPResponse) -> None:
    request.ctx.cookies_set = True
    secure = _secure(request)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.add_cookie(name, "", path="/", max_age=0, secure=secure,
                            httponly=name == SESSION_COOKIE, samesite="Lax")
