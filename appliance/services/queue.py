"""Waiting visitors' places in line, announced coalesced: a sale-day burst must not melt the
appliance.

A change to a site's queue only marks the site. Its line is read and its positions computed
at most once per `interval` (the first change after a quiet spell is announced at once, later
ones at the end of the interval), in one pass over the waiting chats, oldest first. Each
visitor gets a `QueueUpdate` only when their position or estimate changed — so at most one
per interval — and the site's agents get one `QueueSummary` instead of a frame per waiting
chat.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import datetime

from appliance.domain.events import ConversationChanged, Event, QueueSummary, QueueUpdate
from appliance.domain.routing import OFFLINE, estimated_wait_seconds
from appliance.services.context import Services
from appliance.storage import routing as store

log = logging.getLogger(__name__)


class QueueNotices:
    """One per running appliance (`Services.queue_board`, and a consumer of conversation
    events); lives on the event loop."""

    def __init__(self, interval: float = 1.0) -> None:
        self._svc: Services | None = None  # bound once the services exist (runtime.py)
        self.interval = interval
        self._last: dict[int, float] = {}  # site -> when its line was last read
        self._due: set[int] = set()  # sites with an announcement scheduled
        self._sent: dict[int, dict[int, tuple[int, int]]] = {}  # site -> chat -> (place, wait)
        self._summary: dict[int, QueueSummary] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.reads = 0  # lines read (for tests and benchmarks)

    def bind(self, svc: Services) -> None:
        self._svc = svc

    @property
    def svc(self) -> Services:
        assert self._svc is not None, "QueueNotices.bind was not called"
        return self._svc

    def changed(self, site_id: int) -> None:
        """The site's queue may have changed: announce it within `interval` seconds."""
        if site_id in self._due or self._svc is None:
            return
        self._due.add(site_id)
        last = self._last.get(site_id)
        delay = 0.0 if last is None else max(0.0, last + self.interval - self.svc.monotonic())
        asyncio.get_running_loop().call_later(delay, self._start, site_id)

    def on_conversation(self, event: ConversationChanged) -> None:
        """Any change of a conversation (claimed, closed by either side, transferred) may move
        the line of its site."""
        self.changed(event.conversation.site_id)

    def _start(self, site_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self._announce(site_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _announce(self, site_id: int) -> None:
        self._last[site_id] = self.svc.monotonic()
        self._due.discard(site_id)  # changes from now on are announced next time
        try:
            line = await self.svc.db.read(store.waiting_line, site_id)
            records = await self.svc.db.read(store.agents_of_site, site_id) if line else []
        except Exception:
            log.exception("reading the queue of site %s failed", site_id)
            return
        self.reads += 1
        present = sum(1 for r in records if self.svc.presence.status(r.user_id) != OFFLINE)
        self.svc.publish(*self._changes(site_id, line, present))

    def _changes(self, site_id: int, line: list[tuple[int, int, int | None, datetime]],
                 present: int) -> list[Event]:
        before = self._sent.get(site_id, {})
        now: dict[int, tuple[int, int]] = {}
        places: Counter[int | None] = Counter()
        events: list[Event] = []
        for conversation_id, visitor_id, team_id, _ in line:
            places[team_id] += 1
            place = (places[team_id], estimated_wait_seconds(places[team_id], present))
            now[conversation_id] = place
            if before.get(conversation_id) != place:
                events.append(QueueUpdate(conversation_id, site_id, visitor_id, *place))
        oldest = line[0][3] if line else None
        summary = QueueSummary(site_id, len(line), tuple(sorted(
            places.items(), key=lambda item: (item[0] is not None, item[0] or 0))),
            oldest)
        if self._summary.get(site_id) != summary:
            events.append(summary)
        self._summary[site_id] = summary  # one per site: an empty queue is told once
        if line:
            self._sent[site_id] = now
        else:
            self._sent.pop(site_id, None)
        return events
