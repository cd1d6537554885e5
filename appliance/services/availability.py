"""Whether a site's widget offers a chat, a leave-a-message form, or nothing right now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from appliance.domain.hours import is_open
from appliance.domain.model import Site, User
from appliance.services.context import Services
from appliance.storage import accounts

CHAT, LEAVE_MESSAGE, HIDDEN = "chat", "leave_message", "hidden"


@dataclass(frozen=True, slots=True)
class Availability:
    mode: str  # chat | leave_message | hidden
    open: bool  # within business hours
    agents_online: bool


def serves(user: User, site_id: int) -> bool:
    return user.active and (user.role.manages_install or site_id in user.site_ids)


async def agents_online(svc: Services, site: Site, is_online: Callable[[int], bool]) -> bool:
    """Someone who serves the site is online. The one place to swap in agents' status."""
    users = await svc.db.read(accounts.list_users)
    return any(serves(u, site.id) and is_online(u.id) for u in users)


async def availability_of(svc: Services, site: Site,
                          is_online: Callable[[int], bool]) -> Availability:
    within_hours = is_open(site.business_hours, svc.now())
    online = await agents_online(svc, site, is_online)
    if within_hours and online:
        return Availability(CHAT, within_hours, online)
    mode = HIDDEN if site.offline_mode == "hide" else LEAVE_MESSAGE
    return Availability(mode, within_hours, online)
