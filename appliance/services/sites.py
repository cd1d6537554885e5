"""Companies and sites: listing with scope, creating and editing (owners and admins)."""

from __future__ import annotations

import io
import secrets
from typing import Any

import segno

from appliance.domain import validation as v
from appliance.domain.company_settings import FIELDS as SETTINGS_FIELDS
from appliance.domain.company_settings import clean_settings
from appliance.domain.errors import Invalid
from appliance.domain.model import Company, CompanySettings, Site, User
from appliance.domain.permissions import (
    require_install_manager,
    require_site_access,
    visible_sites,
)
from appliance.domain.routing import MAX_CHATS_LIMIT
from appliance.domain.sites import clean_site_fields
from appliance.services.context import Services
from appliance.storage import sites as store


def new_widget_key() -> str:
    return secrets.token_urlsafe(16)  # 128 bits; public, but unguessable


async def list_companies(svc: Services, actor: User) -> list[Company]:
    companies = await svc.db.read(store.list_companies)
    if actor.role.manages_install:
        return companies
    mine = {s.company_id for s in await list_sites(svc, actor)}
    return [c for c in companies if c.id in mine]


async def check_create_company(svc: Services, actor: User, data: Any) -> Company:
    require_install_manager(actor)
    name = v.clean_name(v.only_fields(data, ("name",)).get("name"), "name")
    return await svc.db.write(store.create_company, name, svc.now())


async def check_rename_company(svc: Services, actor: User, company_id: int, data: Any) -> Company:
    require_install_manager(actor)
    body = v.only_fields(data, ("name", "max_chats", "settings"))
    current = await svc.db.read(store.get_company, company_id)
    name = v.clean_name(body["name"], "name") if "name" in body else current.name
    max_chats = None if "max_chats" not in body else v.clean_int(
        body["max_chats"], "max_chats", 1, MAX_CHATS_LIMIT)
    settings = None
    if "settings" in body:
        settings = clean_settings(v.only_fields(body["settings"], SETTINGS_FIELDS, "settings"),
                                  current.settings)

    return await svc.db.write(_update_company_job, company_id, name, max_chats, settings)


async def list_sites(svc: Services, actor: User) -> list[Site]:
    return visible_sites(actor, await svc.db.read(store.list_sites))


async def access_site(svc: Services, actor: User, site_id: int) -> Site:
    """A site the actor serves: one that does not exist is 404, one not theirs 403 (the
    admin UI tells the two apart; docs/api.md, "Not yours is not found")."""
    site = await svc.db.read(store.get_site, site_id)
    require_site_access(actor, site_id)
    return site


async def check_create_site(svc: Services, actor: User, data: Any) -> Site:
    require_install_manager(actor)
    fields = clean_site_fields(data, creating=True)
    if "company_id" not in fields:
        companies = await svc.db.read(store.list_companies)
        if len(companies) != 1:
            raise Invalid("company_id is required when there are several companies",
                            field="company_id")
        fields["company_id"] = companies[0].id
    site = await svc.db.write(store.create_site, fields, new_widget_key(), svc.now())
    return site


async def check_update_site(svc: Services, actor: User, site_id: int, data: Any) -> Site:
    require_install_manager(actor)
    fields = clean_site_fields(data, creating=False)
    site = await svc.db.write(store.update_site, site_id, fields, svc.now())
    return site


async def do_regenerate_widget_key(svc: Services, actor: User, site_id: int) -> Site:
    require_install_manager(actor)
    site = await svc.db.write(store.set_widget_key, site_id, new_widget_key(), svc.now())
    return site


async def do_regenerate_identity_secret(svc: Services, actor: User, site_id: int) -> Site:
    """A new secret for signing visitors' identities (the old signatures stop working)."""
    require_install_manager(actor)
    secret = secrets.token_hex(32)
    site = await svc.db.write(store.set_identity_secret, site_id, secret, svc.now())
    return site


def qr_svg(text: str) -> bytes:
    """A QR code of `text` as SVG, for printing the standalone chat page's address."""
    code = segno.make(text, error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", scale=6, border=2, xmldecl=False, dark="#111111")
    return out.getvalue()


async def company_name(svc: Services, company_id: int) -> str:
    return (await svc.db.read(store.get_company, company_id)).name


async def chat_page_site(svc: Services, widget_key: str) -> tuple[tuple[str, ...], str]:
    """What a site's chat page needs of it: who may show it in a frame (its allowed origins;
    none for an unknown key) and the language it speaks (zh-CN for an unknown key)."""
    site = await svc.db.read(store.get_site_by_widget_key, widget_key[:64])
    return ((), "zh-CN") if site is None else (site.allowed_origins, site.language)


def _update_company_job(company_id: int, name: str, max_chats: int | None,
                        settings: CompanySettings | None) -> Company:
    store.rename_company(company_id, name, max_chats)
    if settings is not None:
        store.save_company_settings(company_id, settings)
    return store.get_company(company_id)
