"""Handlers for first-run setup, signing in and out, and the signed-in user's own account."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from appliance.services import auth, setup
from appliance.web.http import (
    base_url,
    check_origin,
    clear_session_cookies,
    client_ip,
    read_json,
    read_nothing,
    require_principal,
    services,
    set_session_cookies,
)
from appliance.wire.accounts import company_json, user_json
from appliance.wire.sites import site_json

bp = Blueprint("account", url_prefix="/api")


def _ua(request: Request) -> str:
    return request.headers.get("user-agent", "")


@bp.get("/setup/status")
async def setup_status(request: Request) -> HTTPResponse:
    return json({"needs_setup": await setup.needs_setup(services(request))})


@bp.post("/setup")
async def run_setup(request: Request) -> HTTPResponse:
    check_origin(request)
    result = await setup.check_setup(services(request), read_json(request),
                                     ip=client_ip(request), user_agent=_ua(request))
    response = json({"user": user_json(result.owner), "company": company_json(result.company),
                     "site": site_json(result.site, base_url(request))}, status=201,
                    ensure_ascii=False)
    assert result.sign_in is not None
    set_session_cookies(request, response, result.sign_in)
    return response


@bp.post("/auth/login")
async def login(request: Request) -> HTTPResponse:
    check_origin(request)
    sign_in = await auth.check_login(services(request), read_json(request),
                                     ip=client_ip(request), user_agent=_ua(request))
    response = json({"user": user_json(sign_in.user)}, ensure_ascii=False)
    set_session_cookies(request, response, sign_in)
    return response


@bp.post("/auth/logout")
async def logout(request: Request) -> HTTPResponse:
    principal = await require_principal(request)
    read_nothing(request)
    await auth.do_logout(services(request), principal)
    response = json({"ok": True})
    clear_session_cookies(request, response)
    return response


@bp.get("/me")
async def me(request: Request) -> HTTPResponse:
    principal = await require_principal(request)
    return json({"user": user_json(principal.user), "csrf_token": principal.session.csrf_token},
                ensure_ascii=False)


@bp.patch("/me")
async def update_me(request: Request) -> HTTPResponse:
    principal = await require_principal(request)
    user = await auth.check_update_me(services(request), principal, read_json(request))
    return json({"user": user_json(user)}, ensure_ascii=False)


@bp.post("/me/password")
async def change_password(request: Request) -> HTTPResponse:
    principal = await require_principal(request)
    await auth.check_change_own_password(services(request), principal, read_json(request))
    return json({"ok": True})

