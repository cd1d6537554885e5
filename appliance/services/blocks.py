"""Blocking visitors: by visitor, address or range, with a reason; checked on every session,
message and page view (blocked visitors see the widget as offline and are not tracked)."""

from __future__ import annotations

from typing import Any

from appliance.domain.blocks import VISITOR, Block, blocking, clean_block
from appliance.domain.errors import Forbidden, Invalid, NotFound
from appliance.domain.model import Role, Site, User
from appliance.domain.permissions import can_access_site
from appliance.services.context import Services
from appliance.storage import blocks as store
from appliance.storage import conversations as conv_store
from appliance.storage import sites as site_store

LIST_MAX = 500


async def _blocks(svc: Services) -> list[Block]:
    if svc.blocks.blocks is None:
        svc.blocks.blocks = await svc.db.read(store.active_blocks)
    return svc.blocks.blocks


async def block_of(svc: Services, site: Site, visitor_id: int | None, address: str,
                   ) -> Block | None:
    """The block that keeps this visitor (or address) from the site, if any."""
    found = await _blocks(svc)
    if not found:
        return None
    return blocking(found, company_id=site.company_id, site_id=site.id,
                    visitor_id=visitor_id, address=address)


def _require_supervisor(actor: User) -> None:
    if actor.role.rank < Role.SUPERVISOR.rank:
        raise Forbidden("Only supervisors and up can block visitors")


def _may_manage(actor: User, company_sites: list[Site], site_id: int | None) -> bool:
    """Owners and admins: every block. Supervisors: blocks of a site they serve, and
    company-wide blocks of a company all of whose sites they serve."""
    if actor.role.manages_install:
        return True
    if site_id is not None:
        return can_access_site(actor, site_id)
    return bool(company_sites) and all(can_access_site(actor, s.id) for s in company_sites)


async def list_blocks(svc: Services, actor: User, site_id: int | None,
                      include_removed: bool) -> list[Block]:
    _require_supervisor(actor)
    sites = await svc.db.read(site_store.list_sites)
    if site_id is not None:
        site = next((s for s in sites if s.id == site_id), None)
        if site is None or not can_access_site(actor, site_id):
            raise Forbidden("You are not assigned to this site", field="site_id")
        companies = [site.company_id]
    else:
        companies = sorted({s.company_id for s in sites if can_access_site(actor, s.id)})
    found = await svc.db.read(store.list_blocks, companies, include_removed, LIST_MAX)
    if site_id is not None:
        found = [b for b in found if b.site_id in (None, site_id)]
    return [b for b in found if b.site_id is None or can_access_site(actor, b.site_id)]


async def check_block(svc: Services, actor: User, data: Any) -> Block:
    """Block a visitor (on their site, or on every site of its company), an address or a
    range. `site_id` null: every site of the company — the visitor's company for a visitor
    block, otherwise `company_id`, which may be left out when the actor's sites belong to
    one company. A `company_id` given beside a visitor or a site must be theirs."""
    _require_supervisor(actor)
    site_id, named, kind, value, reason = clean_block(data)
    sites = await svc.db.read(site_store.list_sites)
    served = {s.company_id for s in sites if can_access_site(actor, s.id)}
    if named is not None and named not in served:
        raise NotFound("No such company", field="company_id")
    if kind == VISITOR:
        try:
            visitor = await svc.db.read(conv_store.get_visitor, int(value))
        except NotFound:
            visitor = None
        if visitor is None or not can_access_site(actor, visitor.site_id):
            raise NotFound("No such visitor", field="value")
        if site_id is not None and site_id != visitor.site_id:
            raise Forbidden("A visitor is blocked on their own site", field="site_id")
        company_id = next(s.company_id for s in sites if s.id == visitor.site_id)
    elif site_id is not None:
        site = next((s for s in sites if s.id == site_id), None)
        if site is None or not can_access_site(actor, site_id):
            raise Forbidden("You are not assigned to this site", field="site_id")
        company_id = site.company_id
    elif named is not None:
        company_id = named
    else:
        if len(served) != 1:
            raise Forbidden("Name the company (company_id) or the site (site_id): your sites "
                            "belong to several companies", field="company_id")
        company_id = next(iter(served))
    if named is not None and named != company_id:
        raise Invalid("company_id is not the company of this visitor or site",
                      field="company_id")
    if not _may_manage(actor, [s for s in sites if s.company_id == company_id], site_id):
        raise Forbidden("Only owners and admins block on every site of a company",
                        field="site_id")
    block = await svc.db.write(store.create_block, company_id, site_id, kind, value, reason,
                               actor.id, svc.now())
    svc.blocks.invalidate()
    if kind == VISITOR:
        svc.live.drop(int(value))
    return block


async def do_remove(svc: Services, actor: User, block_id: int) -> Block:
    _require_supervisor(actor)
    block = await svc.db.read(store.get_block, block_id)
    sites = await svc.db.read(site_store.list_sites)
    company_sites = [s for s in sites if s.company_id == block.company_id]
    if not (actor.role.manages_install or any(can_access_site(actor, s.id)
                                               for s in company_sites)):
        raise NotFound("No such block")
    if not _may_manage(actor, company_sites, block.site_id):
        raise Forbidden("Only owners and admins unblock on every site of a company")
    removed = await svc.db.write(store.remove_block, block_id, actor.id, svc.now())
    svc.blocks.invalidate()
    return removed
