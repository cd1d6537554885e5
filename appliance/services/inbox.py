"""Agents' conversation lists (mine, waiting, open, closed, pending, missed), a visitor's
earlier conversations, and the colleagues a conversation can go to."""

from __future__ import annotations

from typing import Any

from appliance.domain.conversations import (
    BOT,
    CLOSED,
    OPEN,
    PENDING,
    Conversation,
    Message,
)
from appliance.domain.errors import Invalid
from appliance.domain.model import Role, User
from appliance.services.context import Services
from appliance.services.sites import access_site
from appliance.storage import accounts
from appliance.storage import conversations as store

VIEWS = ("mine", "waiting", "open", "closed", "pending", "missed", "bot")


async def list_for_agent(svc: Services, actor: User, view: str, site_id: int | None,
                         before: Any, limit: int) -> list[Conversation]:
    if view not in VIEWS:
        raise Invalid(f"view must be one of: {', '.join(VIEWS)}", field="view")
    site_ids = None if actor.role.manages_install else list(actor.site_ids)
    if site_id is not None:
        await access_site(svc, actor, site_id)
        site_ids = [site_id]
    assignee: int | str | None = "any"
    status = OPEN
    if view == "mine":
        assignee = actor.id
    elif view == "waiting":
        assignee = None
    elif view in ("closed", "pending", "bot"):
        status = {"closed": CLOSED, "pending": PENDING, "bot": BOT}[view]
    elif view == "missed":
        return await svc.db.read(lambda: store.list_conversations(
            site_ids=site_ids, status=None, missed=True, before=before, limit=limit))
    elif actor.role.rank < Role.SUPERVISOR.rank:  # agents' "open": their own and waiting
        mine = await svc.db.read(lambda: store.list_conversations(
            site_ids=site_ids, status=OPEN, assignee=actor.id, before=before, limit=limit))
        waiting = await svc.db.read(lambda: store.list_conversations(
            site_ids=site_ids, status=OPEN, assignee=None, before=before, limit=limit))
        merged = sorted(mine + waiting, key=lambda c: (c.last_activity_at, c.id), reverse=True)
        return merged[:limit]
    return await svc.db.read(lambda: store.list_conversations(
        site_ids=site_ids, status=status, assignee=assignee, before=before, limit=limit))


async def bot_exchanges(svc: Services, conversations: list[Conversation]
                        ) -> dict[int, tuple[Message, ...]]:
    """The latest question and reply of each chat the bot serves (the "with the bot" list)."""
    ids = [c.id for c in conversations if c.status == BOT]
    return await svc.db.read(store.bot_exchanges, ids) if ids else {}


async def previous_conversations(svc: Services, conversation: Conversation) -> list[Conversation]:
    found = await svc.db.read(lambda: store.list_conversations(
        site_ids=None, status=None, visitor_id=conversation.visitor_id, limit=20))
    return [c for c in found if c.id != conversation.id]


async def active_agents(svc: Services, actor: User) -> list[User]:
    """Active staff who could take over one of the actor's conversations: owners and admins
    (they serve every site) and those sharing a site with the actor (all staff for owners and
    admins); never a client account, whose portal serves no chat."""
    users = await svc.db.read(accounts.list_users)
    mine = set(actor.site_ids)
    return [u for u in users if u.active and not u.role.is_client and (
        actor.role.manages_install or u.role.manages_install or mine & set(u.site_ids))]
