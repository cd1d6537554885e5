"""Canned replies (快捷回复) and scripts (话术): personal ones, and shared ones per site or per
company (every site of a client company) for supervisors and up."""

from __future__ import annotations

from typing import Any

from appliance.domain import validation as v
from appliance.domain.conversations import CannedReply
from appliance.domain.errors import Forbidden, Invalid
from appliance.domain.model import Role, User
from appliance.domain.permissions import require_site_access
from appliance.services.context import Services
from appliance.services.customers import access_company, require_staff
from appliance.services.sites import access_site
from appliance.storage import canned as store
from appliance.storage import sites as site_store

SHORTCUT_MAX, BODY_MAX = 30, 2000


def _clean(data: Any, creating: bool) -> dict[str, Any]:
    body = v.only_fields(data, ("shortcut", "body", "site_id", "company_id") if creating
                         else ("shortcut", "body"))
    fields: dict[str, Any] = {}
    if creating or "shortcut" in body:
        shortcut = v.clean_name(body.get("shortcut"), "shortcut", max_len=SHORTCUT_MAX)
        shortcut = shortcut.lstrip("/")
        if not shortcut or any(ch.isspace() for ch in shortcut):
            raise Invalid("shortcut must be one word", field="shortcut")
        fields["shortcut"] = shortcut
    if creating or "body" in body:
        fields["body"] = v.clean_text(body.get("body"), "body", max_len=BODY_MAX)
        if not fields["body"]:
            raise Invalid("body is required", field="body")
    if creating:
        site_id, company_id = body.get("site_id"), body.get("company_id")
        fields["site_id"] = None if site_id is None else v.clean_id(site_id, "site_id")
        fields["company_id"] = None if company_id is None else v.clean_id(company_id,
                                                                          "company_id")
        if fields["site_id"] is not None and fields["company_id"] is not None:
            raise Invalid("A shared reply belongs to a site or to a company, not both",
                          field="company_id")
    return fields


async def _require_can_edit(svc: Services, actor: User, reply: CannedReply) -> None:
    if reply.owner_id == actor.id:
        return
    if actor.role.rank >= Role.SUPERVISOR.rank:
        if reply.site_id is not None:
            require_site_access(actor, reply.site_id)
            return
        if reply.company_id is not None:
            await access_company(svc, actor, reply.company_id)
            return
    raise Forbidden("You cannot change this canned reply")


async def list_for(svc: Services, actor: User, site_id: int | None) -> list[CannedReply]:
    require_staff(actor)
    site_ids = None if actor.role.manages_install else list(actor.site_ids)
    company_ids = None
    if site_ids is not None:
        company_ids = sorted(await svc.db.read(site_store.company_ids_of_sites, actor.site_ids))
    if site_id is not None:
        await access_site(svc, actor, site_id)
        site_ids = [site_id]
        company_ids = [(await svc.db.read(site_store.get_site, site_id)).company_id]
    return await svc.db.read(store.list_for, actor.id, site_ids, company_ids)


async def check_create(svc: Services, actor: User, data: Any) -> CannedReply:
    require_staff(actor)
    fields = _clean(data, creating=True)
    if fields["company_id"] is not None:
        if actor.role.rank < Role.SUPERVISOR.rank:
            raise Forbidden("Only supervisors and up can add a company's scripts")
        await access_company(svc, actor, fields["company_id"])
        fields["owner_id"] = None
    elif fields["site_id"] is None:
        fields["owner_id"] = actor.id
    else:
        if actor.role.rank < Role.SUPERVISOR.rank:
            raise Forbidden("Only supervisors and up can add shared canned replies")
        require_site_access(actor, fields["site_id"])
        await svc.db.read(site_store.get_site, fields["site_id"])  # 404 for an unknown site
        fields["owner_id"] = None
    return await svc.db.write(store.create, fields, svc.now())


async def check_update(svc: Services, actor: User, reply_id: int, data: Any) -> CannedReply:
    fields = _clean(data, creating=False)
    await _require_can_edit(svc, actor, await svc.db.read(store.get, reply_id))
    return await svc.db.write(store.update, reply_id, fields, svc.now())


async def do_delete(svc: Services, actor: User, reply_id: int) -> None:
    await _require_can_edit(svc, actor, await svc.db.read(store.get, reply_id))
    await svc.db.write(store.delete, reply_id)
