"""The supervisors' live board: agents and their load, visitors online, the queue, and today
against the same weekday last week; and the consoles watching it (pushed when it changes)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from appliance.domain import report_metrics as rm
from appliance.domain.errors import DomainError, Forbidden, Invalid
from appliance.domain.events import ConversationChanged, PageViewed
from appliance.domain.model import Role, User
from appliance.domain.reports import local_date, zone
from appliance.services.availability import serves
from appliance.services.context import Services
from appliance.services.report_views import Scope, access_report
from appliance.storage import accounts
from appliance.storage import report_reads as store
from appliance.storage import sites as site_store
from appliance.wire.frames import board_frame, error_frame

log = logging.getLogger(__name__)
DAY_METRICS = ("chats", "missed", "visits", "leads", "heat", "visit_hours")
REFRESH_SECONDS = 1.0
QUIET_SECONDS = 5.0  # recomputed this often without events (visitors leave silently)
RESEND_SECONDS = 30.0


async def access_board(svc: Services, actor: User, company_id: int,
                       site_id: str | None) -> Scope:
    if actor.role is not Role.CLIENT and actor.role.rank < Role.SUPERVISOR.rank:
        raise Forbidden("The live board is for supervisors, admins and owners")
    return await access_report(svc, actor, company_id, "board", {"site_id": site_id})


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"


async def _day(svc: Services, scope: Scope, site_ids: list[int], day: Any) -> dict[str, Any]:
    rows = await svc.db.read(lambda: store.read(
        scope.company.id, DAY_METRICS, [], [(rm.day_period(day), rm.day_period(day))],
        site_ids=site_ids, team_id=None, agent_id=None))
    counts = {name: 0 for name in ("chats", "missed", "visits", "leads")}
    hours, visit_hours = [0] * 24, [0] * 24
    for metric, _, _, key, n, _ in rows:
        if metric == "heat":
            hours[int(key.split("-")[1])] += n
        elif metric == "visit_hours":
            visit_hours[int(key)] += n
        else:
            counts[metric] += n
    return {"date": day.isoformat(), **counts, "chats_by_hour": hours,
            "visits_by_hour": visit_hours}


async def board(svc: Services, scope: Scope) -> dict[str, Any]:
    company = scope.company
    site_ids = scope.site_ids
    if site_ids is None:
        site_ids = await svc.db.read(site_store.site_ids_of_company, company.id)
    now = svc.now()
    tz = zone(company.settings.timezone)
    today = local_date(now, tz)
    load, chatting, waiting, oldest = await svc.db.read(store.live_load, site_ids)
    # Everyone who can take these sites' chats: their agents and supervisors, and owners and
    # admins (who serve every site without being assigned to one).
    people = [u for u in await svc.db.read(accounts.list_users)
              if u.role is not Role.CLIENT and any(serves(u, s) for s in site_ids)]
    agents = [{"id": u.id, "name": u.display_name, "status": svc.presence.status(u.id),
               "load": load.get(u.id, 0),
               "max_chats": u.max_chats if u.max_chats is not None else company.max_chats}
              for u in sorted(people, key=lambda u: u.id)]
    online = svc.live.counts(frozenset(site_ids))
    last = await _day(svc, scope, site_ids, today - timedelta(days=7))
    hour = rm.local(now, tz).hour
    return {"company_id": company.id, "at": _iso(now), "timezone": company.settings.timezone,
            "site_ids": sorted(site_ids), "agents": agents,
            "visitors_online": sum(online.get(s, 0) for s in site_ids),
            "chatting": chatting,
            "queue": {"waiting": waiting, "oldest_queued_at": _iso(oldest),
                      "longest_wait_seconds": max(0, int((now - oldest).total_seconds()))
                      if oldest else 0},
            "today": await _day(svc, scope, site_ids, today), "last_week": last,
            "last_week_until_now": {"chats": sum(last["chats_by_hour"][:hour + 1]),
                                    "visits": sum(last["visits_by_hour"][:hour + 1])}}


# -- consoles watching ----------------------------------------------------------------------------

class Pushable(Protocol):
    user_id: int | None

    def push(self, message: dict[str, Any], wire: bytes | None = None) -> bool: ...


@dataclass
class _Watch:
    company_id: int
    site_id: str | None
    last: str = ""
    sent_at: float = 0.0
    computed_at: float = 0.0


@dataclass
class BoardWatchers:
    """Consoles showing a live board (at most one board each)."""

    svc: Services
    watches: dict[Any, _Watch] = field(default_factory=dict)
    dirty: bool = False
    _version: int = 0

    def on_conversation(self, event: ConversationChanged) -> None:
        del event
        self.dirty = True

    def on_page_viewed(self, event: PageViewed) -> None:
        del event
        self.dirty = True

    async def watch(self, conn: Pushable, actor: User, company_id: Any,
                    site_id: Any) -> None:
        """Check the caller may see it, send it now, and keep it live."""
        scope = await access_board(self.svc, actor, _company(company_id),
                                   None if site_id is None else str(site_id))
        self.watches[conn] = _Watch(scope.company.id, None if site_id is None else str(site_id))
        await self._send(conn, self.watches[conn], scope, force=True)

    def unwatch(self, conn: Any) -> None:
        self.watches.pop(conn, None)

    async def refresh(self) -> None:
        """The loop's step: recompute boards that may have changed, push those that did."""
        now = time.monotonic()
        version = getattr(self.svc.aggregator, "version", 0)
        dirty, self.dirty = self.dirty or version != self._version, False
        self._version = version
        for conn, watch in list(self.watches.items()):
            if not dirty and now - watch.computed_at < QUIET_SECONDS:
                continue
            try:
                actor = await self.svc.db.read(accounts.get_user, conn.user_id)
                if not actor.active:
                    raise Forbidden("deactivated")
                scope = await access_board(self.svc, actor, watch.company_id, watch.site_id)
            except DomainError as exc:
                self.watches.pop(conn, None)
                conn.push(error_frame("board_watch", None, exc.code, exc.message, exc.field))
                continue
            await self._send(conn, watch, scope, force=now - watch.sent_at >= RESEND_SECONDS)

    async def _send(self, conn: Pushable, watch: _Watch, scope: Scope, *, force: bool) -> None:
        body = await board(self.svc, scope)
        now = time.monotonic()
        watch.computed_at = now
        same = json.dumps({k: v for k, v in body.items() if k not in ("at", "queue")},
                          sort_keys=True) + json.dumps(body["queue"]["waiting"])
        if force or same != watch.last:
            watch.last, watch.sent_at = same, now
            conn.push(board_frame(body))


def _company(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**62:
        raise Invalid("company_id must be a company's id", field="company_id")
    return value
