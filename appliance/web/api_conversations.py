"""Handlers for agents' conversation lists, history, actions, search and canned replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from appliance.domain import validation as v
from appliance.domain.conversations import AGENT, CLOSED, OPEN
from appliance.domain.errors import Invalid
from appliance.services import actions, canned, customers, inbox, search, uploads
from appliance.services import conversations as conv_service
from appliance.services.devices import describe
from appliance.services.participants import AgentSide, read
from appliance.web.http import (
    query_int,
    query_limit,
    read_json,
    read_nothing,
    require_principal,
    services,
    uploaded_file,
)
from appliance.wire.accounts import colleague_json
from appliance.wire.conversations import (
    attachment_json,
    conversation_json,
    message_json,
    search_result_json,
    visitor_json,
)
from appliance.wire.frames import ack_frame
from appliance.wire.sites import canned_json

bp = Blueprint("conversations", url_prefix="/api")


def _ok(body: dict[str, Any], status: int = 200) -> HTTPResponse:
    return json(body, status=status, ensure_ascii=False)


@bp.get("/conversations")
async def list_conversations(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    before_raw = request.args.get("before")
    before = None
    if before_raw:
        try:
            before = datetime.fromisoformat(before_raw.rstrip("Z"))
        except ValueError as exc:
            raise Invalid("before must be a time like 2026-11-24T08:00:00Z",
                          field="before") from exc
    found = await inbox.list_for_agent(
        services(request), actor, request.args.get("view", "open"),
        query_int(request, "site_id", None, 2**62), before,
        query_limit(request, default=50, maximum=200))
    exchanges = await inbox.bot_exchanges(services(request), found)
    return _ok({"conversations": [conversation_json(c, bot_exchange=exchanges.get(c.id))
                                  for c in found]})


@bp.get("/conversations/<conversation_id:int>")
async def get_conversation(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    svc = services(request)
    conversation = await conv_service.access_conversation(svc, actor, conversation_id)
    visitor = await conv_service.visitor_of(svc, conversation)
    previous = await inbox.previous_conversations(svc, conversation)
    exchanges = await inbox.bot_exchanges(svc, [conversation])
    return _ok({"conversation": conversation_json(conversation,
                                                  bot_exchange=exchanges.get(conversation.id)),
                "visitor": visitor_json(
                    visitor, device=describe(visitor.user_agent),
                    online=request.app.ctx.runtime.hub.visitor_online(visitor.id)),
                "previous": [conversation_json(c) for c in previous]})


@bp.get("/conversations/<conversation_id:int>/messages")
async def messages(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    svc = services(request)
    conversation = await conv_service.access_conversation(svc, actor, conversation_id)
    after = query_int(request, "after_seq", 0, 2**62) or 0
    result = await conv_service.sync(svc, conversation, after, for_visitor=False)
    limit = query_limit(request, default=200, maximum=1000)
    return _ok({"messages": [message_json(m) for m in result.messages[:limit]],
                "last_seq": result.last_seq})


@bp.post("/conversations/<conversation_id:int>/messages")
async def send(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    sent = await conv_service.check_agent_send(services(request), actor, conversation_id,
                                               read_json(request))
    return _ok(ack_frame(sent.message))


@bp.post("/conversations/<conversation_id:int>/claim")
async def claim(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    read_nothing(request)
    conversation = await actions.do_claim(services(request), actor, conversation_id)
    return _ok({"conversation": conversation_json(conversation)})


@bp.post("/conversations/<conversation_id:int>/take-over")
async def take_over(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    read_nothing(request)
    conversation = await actions.do_take_over(services(request), actor, conversation_id)
    return _ok({"conversation": conversation_json(conversation)})


@bp.post("/conversations/<conversation_id:int>/transfer")
async def transfer(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    conversation = await actions.check_transfer(services(request), actor, conversation_id,
                                                     read_json(request))
    return _ok({"conversation": conversation_json(conversation)})


@bp.post("/conversations/<conversation_id:int>/close")
async def close(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    read_nothing(request)
    conversation = await actions.do_set_status(services(request), actor, conversation_id,
                                                    CLOSED)
    return _ok({"conversation": conversation_json(conversation)})


@bp.post("/conversations/<conversation_id:int>/reopen")
async def reopen(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    read_nothing(request)
    conversation = await actions.do_set_status(services(request), actor, conversation_id,
                                                    OPEN)
    return _ok({"conversation": conversation_json(conversation)})


@bp.post("/conversations/<conversation_id:int>/read")
async def mark_read(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    body = v.only_fields(read_json(request), ("seq",))
    seq = await read(AgentSide(services(request), actor), conversation_id, body.get("seq"))
    return _ok({"ok": True, "seq": seq})


@bp.post("/conversations/<conversation_id:int>/upload")
async def upload(request: Request, conversation_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    svc = services(request)
    conversation = await conv_service.access_conversation(svc, actor, conversation_id)
    attachment = await uploads.check_upload(
        svc, request.app.ctx.runtime.uploads_dir, site_id=conversation.site_id,
        uploader_type=AGENT, uploader_id=actor.id, **uploaded_file(request),
        max_bytes=request.app.ctx.runtime.config.upload_max_bytes)
    return _ok({"attachment": attachment_json(attachment)})


@bp.get("/search")
async def search_messages(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    found = await search.search(services(request), actor, request.args.get("q", ""),
                                query_int(request, "site_id", None, 2**62),
                                query_limit(request, default=50, maximum=200))
    return _ok({"results": [search_result_json(m, site_id) for m, site_id in found]})


@bp.get("/agents")
async def agents(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    company_id = query_int(request, "company_id", None, 2**62)
    found = await (inbox.active_agents(services(request), actor) if company_id is None
                   else customers.possible_owners(services(request), actor, company_id))
    return _ok({"agents": [colleague_json(u) for u in found]})


@bp.get("/canned-replies")
async def list_canned(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    found = await canned.list_for(services(request), actor,
                                  query_int(request, "site_id", None, 2**62))
    return _ok({"canned_replies": [canned_json(r) for r in found]})


@bp.post("/canned-replies")
async def create_canned(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    reply = await canned.check_create(services(request), actor, read_json(request))
    return _ok({"canned_reply": canned_json(reply)}, 201)


@bp.patch("/canned-replies/<reply_id:int>")
async def update_canned(request: Request, reply_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    reply = await canned.check_update(services(request), actor, reply_id, read_json(request))
    return _ok({"canned_reply": canned_json(reply)})


@bp.delete("/canned-replies/<reply_id:int>")
async def delete_canned(request: Request, reply_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    await canned.do_delete(services(request), actor, reply_id)
    return _ok({"ok": True})
