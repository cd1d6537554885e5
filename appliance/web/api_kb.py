"""Handlers for the knowledge base: entries, import and export, synonyms, the bot's settings,
agents' suggestions and the "to improve" list."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw

from appliance.domain import validation as v
from appliance.domain.errors import Invalid
from appliance.services import bot_llm, kb
from appliance.web.http import (
    query_int,
    query_limit,
    read_json,
    read_nothing,
    require_principal,
    services,
    uploaded_file,
)
from appliance.wire.kb import (
    bot_settings_json,
    decision_json,
    entry_json,
    improve_json,
    llm_settings_json,
    llm_test_json,
    synonym_json,
)

bp = Blueprint("kb", url_prefix="/api")
ID_MAX = 2**62  # as every other query id (api_leads, api_conversations)
OFFSET_MAX = 10**9

_FILE_NAMES = {"csv": "knowledge-base.csv", "xlsx": "knowledge-base.xlsx",
               "jsonl": "knowledge-base.jsonl"}


def _ok(body: dict[str, Any], status: int = 200) -> HTTPResponse:
    return json(body, status=status, ensure_ascii=False)


def _flag(request: Request, name: str) -> bool:
    value = (request.args.get(name) or "").lower()
    if value not in ("", "0", "1", "true", "false"):
        raise Invalid(f"{name} must be 0 or 1", field=name)
    return value in ("1", "true")


# -- entries --------------------------------------------------------------------------------

@bp.get("/companies/<company_id:int>/kb/entries")
async def list_entries(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    total, entries = await kb.list_entries(
        services(request), actor, company_id,
        site_id=query_int(request, "site_id", None, ID_MAX, minimum=1),
        text=request.args.get("q", ""), category=request.args.get("category"),
        offset=query_int(request, "offset", 0, OFFSET_MAX) or 0,
        limit=query_limit(request, default=50, maximum=kb.PAGE_MAX))
    return _ok({"entries": [entry_json(e) for e in entries], "total": total})


@bp.post("/companies/<company_id:int>/kb/entries")
async def create_entry(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    entry = await kb.check_create_entry(services(request), actor, company_id,
                                        read_json(request))
    return _ok({"entry": entry_json(entry)}, 201)


@bp.get("/kb/entries/<entry_id:int>")
async def get_entry(request: Request, entry_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    return _ok({"entry": entry_json(await kb.access_entry(services(request), actor, entry_id))})


@bp.patch("/kb/entries/<entry_id:int>")
async def update_entry(request: Request, entry_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    entry = await kb.check_update_entry(services(request), actor, entry_id, read_json(request))
    return _ok({"entry": entry_json(entry)})


@bp.delete("/kb/entries/<entry_id:int>")
async def delete_entry(request: Request, entry_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    await kb.do_delete_entry(services(request), actor, entry_id)
    return _ok({"ok": True})


@bp.get("/companies/<company_id:int>/kb/categories")
async def list_categories(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    return _ok({"categories": await kb.categories(services(request), actor, company_id)})


# -- import and export ----------------------------------------------------------------------

@bp.post("/companies/<company_id:int>/kb/import")
async def import_entries(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    await kb.access_manage(services(request), actor, company_id)  # scope before the upload
    result = await kb.check_import(
        services(request), actor, company_id, **uploaded_file(request),
        fmt=request.args.get("format"), mode=request.args.get("mode", "append"),
        dry_run=_flag(request, "dry_run"))
    return _ok({"imported": result.imported, "valid": result.valid,
                "errors": [{"row": e.row, "message": e.message} for e in result.errors]},
               201 if result.imported else 200)


@bp.get("/companies/<company_id:int>/kb/export")
async def export_entries(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    fmt = request.args.get("format", "csv")
    body, media_type = await kb.export(services(request), actor, company_id, fmt)
    return raw(body, content_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{_FILE_NAMES[fmt]}"',
        "X-Content-Type-Options": "nosniff"})


# -- synonyms -------------------------------------------------------------------------------

@bp.get("/companies/<company_id:int>/kb/synonyms")
async def list_synonyms(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    groups = await kb.list_synonyms(services(request), actor, company_id)
    return _ok({"synonyms": [synonym_json(g) for g in groups]})


@bp.post("/companies/<company_id:int>/kb/synonyms")
async def create_synonym(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    group = await kb.check_create_synonym(services(request), actor, company_id,
                                          read_json(request))
    return _ok({"synonym": synonym_json(group)}, 201)


@bp.patch("/kb/synonyms/<group_id:int>")
async def update_synonym(request: Request, group_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    group = await kb.check_update_synonym(services(request), actor, group_id,
                                          read_json(request))
    return _ok({"synonym": synonym_json(group)})


@bp.delete("/kb/synonyms/<group_id:int>")
async def delete_synonym(request: Request, group_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    await kb.do_delete_synonym(services(request), actor, group_id)
    return _ok({"ok": True})


# -- the bot's settings and agents' suggestions ---------------------------------------------

@bp.get("/sites/<site_id:int>/bot")
async def get_bot(request: Request, site_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    settings = await kb.bot_settings(services(request), actor, site_id)
    return _ok({"bot": bot_settings_json(settings)})


@bp.patch("/sites/<site_id:int>/bot")
async def update_bot(request: Request, site_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    settings = await kb.check_save_bot_settings(services(request), actor, site_id,
                                                read_json(request))
    return _ok({"bot": bot_settings_json(settings)})


@bp.get("/companies/<company_id:int>/bot/llm")
async def get_llm(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    settings = await bot_llm.access_settings(services(request), actor, company_id)
    return _ok({"llm": llm_settings_json(settings)})


@bp.patch("/companies/<company_id:int>/bot/llm")
async def update_llm(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    settings = await bot_llm.check_save(services(request), actor, company_id,
                                        read_json(request))
    return _ok({"llm": llm_settings_json(settings)})


@bp.post("/companies/<company_id:int>/bot/llm/test")
async def test_llm(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    body = read_json(request) if request.body else {}
    outcome = await bot_llm.check_test(services(request), actor, company_id, body)
    return _ok({"test": llm_test_json(outcome.status, outcome.seconds, outcome.detail)})


@bp.post("/sites/<site_id:int>/kb/suggest")
async def suggest(request: Request, site_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    body = v.only_fields(read_json(request), ("text", "limit"))
    decision = await kb.suggest(services(request), actor, site_id, body.get("text"),
                                body.get("limit", 3))
    return _ok({"suggestions": decision_json(decision)["candidates"]})


@bp.post("/sites/<site_id:int>/bot/preview")
async def preview(request: Request, site_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    body = v.only_fields(read_json(request), ("text",))
    decision = await kb.preview(services(request), actor, site_id, body.get("text"))
    return _ok({"decision": decision_json(decision)})


# -- the "to improve" list ------------------------------------------------------------------

@bp.get("/companies/<company_id:int>/kb/improve")
async def list_improve(request: Request, company_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    items = await kb.list_improve(services(request), actor, company_id,
                                  resolved=_flag(request, "resolved"))
    return _ok({"questions": [improve_json(i) for i in items]})


@bp.post("/kb/improve/<item_id:int>/entry")
async def make_entry(request: Request, item_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    entry, item = await kb.check_make_entry(services(request), actor, item_id,
                                            read_json(request))
    return _ok({"entry": entry_json(entry), "question": improve_json(item)}, 201)


@bp.post("/kb/improve/<item_id:int>/phrasing")
async def add_phrasing(request: Request, item_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    entry, item = await kb.check_add_phrasing(services(request), actor, item_id,
                                              read_json(request))
    return _ok({"entry": entry_json(entry), "question": improve_json(item)})


@bp.post("/kb/improve/<item_id:int>/dismiss")
async def dismiss(request: Request, item_id: int) -> HTTPResponse:
    actor = (await require_principal(request)).user
    read_nothing(request)
    item = await kb.do_dismiss(services(request), actor, item_id)
    return _ok({"question": improve_json(item)})
