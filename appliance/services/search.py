"""Full-text search over conversation history, in the sites the searcher may see."""

from __future__ import annotations

from appliance.domain import validation as v
from appliance.domain.conversations import Message
from appliance.domain.model import User
from appliance.domain.permissions import require_conversation_access
from appliance.domain.search import QUERY_MAX, match_expression
from appliance.services.context import Services
from appliance.storage import conversations as store


async def search(svc: Services, actor: User, query: str, site_id: int | None,
                 limit: int) -> list[tuple[Message, int]]:
    text = v.clean_name(query, "q", max_len=QUERY_MAX)
    expression = match_expression(text)
    if expression is None:
        return []
    site_ids = None if actor.role.manages_install else list(actor.site_ids)
    if site_id is not None:
        require_conversation_access(actor, site_id)
        site_ids = [site_id]
    return await svc.db.read(store.search_messages, expression, site_ids, limit)
