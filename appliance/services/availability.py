"""Whether a site's widget offers a chat, a leave-a-message form, or nothing right now."""

from __future__ import annotations

from collections.abc import Callable

from appliance.domain.availability import CHAT, HIDDEN, LEAVE_MESSAGE, Availability
from appliance.domain.hours import is_open, next_opening, weekly_json
from appliance.domain.model import Site, User
from appliance.services.context import Services
from appliance.storage import accounts


def serves(user: User, site_id: int) -> bool:
    return user.active and (user.role.manages_install or site_id in user.site_ids)


async def agents_online(svc: Services, site: Site, is_online: Callable[[int], bool]) -> bool:
    """Someone who serves the site is online. The one place to swap in agents' status."""
    users = await svc.db.read(accounts.list_users)
    return any(serves(u, site.id) and is_online(u.id) for u in users)


async def availability_of(svc: Services, site: Site,
                          is_online: Callable[[int], bool]) -> Availability:
    now = svc.now()
    within_hours = is_open(site.business_hours, now)
    online = await agents_online(svc, site, is_online)
    hours = weekly_json(site.business_hours)
    if within_hours and online:
        return Availability(CHAT, within_hours, online, None, hours)
    mode = HIDDEN if site.offline_mode == "hide" else LEAVE_MESSAGE
    opens_at = None if within_hours else next_opening(site.business_hours, now)
    return Availability(mode, within_hours, online, opens_at, hours)
