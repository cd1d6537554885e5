"""Full-text search over conversation history, in the sites the searcher may see."""

from __future__ import annotations

from appliance.domain import validation as v
from appliance.domain.conversations import Message
from appliance.domain.model import User
from appliance.domain.search import QUERY_MAX, match_expression
from appliance.services.context import Services
from appliance.services.sites import access_site
from appliance.storage import conversations as store
from appliance.storage import search_index


async def search(svc: Services, actor: User, query: str, site_id: int | None,
                 limit: int) -> list[tuple[Message, int]]:
    text = v.clean_name(query, "q", max_len=QUERY_MAX)
    expression = match_expression(text)
    if expression is None:
        return []
    site_ids = None if actor.role.manages_install else list(actor.site_ids)
    if site_id is not None:
        await access_site(svc, actor, site_id)
        site_ids = [site_id]
    await catch_up(svc)
    return await svc.db.read(store.search_messages, expression, site_ids, limit)


async def catch_up(svc: Services) -> None:
    """Index what was sent since the last batch, so a search finds a message sent just before
    it (a backlog larger than `search_index.CATCH_UP` messages — a fresh upgrade — is left to
    the loop)."""
    if not await svc.db.read(search_index.pending):
        return
    for _ in range(-(-search_index.CATCH_UP // search_index.BATCH)):
        # A job that found fewer than a whole batch indexed everything there was.
        if await svc.db.write(search_index.index_batch) < search_index.BATCH:
            return


async def index_behind(svc: Services) -> None:
    """The background loop's step: index everything that is waiting, batch by batch."""
    if not await svc.db.read(search_index.pending):
        return
    while await svc.db.write(search_index.index_batch) == search_index.BATCH:
        pass  # a whole batch: there may be more
