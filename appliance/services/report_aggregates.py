"""Keeps the report aggregates behind the raw rows: committed events name the conversations and
invitations that changed; a loop (and every report, before it reads) applies them, reads the
growing sources above their marks, and records agents' status spans. Every step is a writer
job of its own (storage/report_aggregates.py), so a crash loses nothing and counts nothing
twice; on start a full comparison of facts and rows catches what events a crash took along."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from appliance.domain.events import ConversationChanged, InvitationChanged, MessageCreated
from appliance.services.context import Services, on_writer
from appliance.storage import report_aggregates as store
from appliance.storage import report_rebuild

log = logging.getLogger(__name__)
WINDOW = 2000  # the newest conversations and invitations compared on each pass
TRACKED = ("online", "busy", "away")
COMPARE_SECONDS = 1.0


class Aggregator:
    """One per process (runtime.py); reports call `catch_up` before they read."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.dirty: dict[str, set[int]] = {"conversation": set(), "invitation": set()}
        self.full_scan = True  # on start: compare every fact with its row
        self.fresh_to: datetime | None = None
        self._lock = asyncio.Lock()
        self._status: dict[int, tuple[str, datetime]] = {}
        self._compared_at = float("-inf")
        self.version = 0  # bumped when the aggregates changed (live boards recompute)

    # -- event consumers (runtime.py) --------------------------------------------------------

    def on_conversation(self, event: ConversationChanged) -> None:
        self.dirty["conversation"].add(event.conversation.id)

    def on_message(self, event: MessageCreated) -> None:
        self.dirty["conversation"].add(event.conversation.id)

    def on_invitation(self, event: InvitationChanged) -> None:
        self.dirty["invitation"].add(event.invitation.id)
        if event.invitation.conversation_id is not None:
            self.dirty["conversation"].add(event.invitation.conversation_id)

    # -- the work -----------------------------------------------------------------------------

    async def catch_up(self, *, compare_every: float = COMPARE_SECONDS) -> datetime:
        """Bring the aggregates up to everything committed before this call. The newest rows
        are compared with their facts (changes no event names: a lead edited, rows written
        by another process) at most every `compare_every` seconds."""
        started = self.svc.now()
        async with self._lock:
            db = self.svc.db
            for company_id in await db.read(store.rezone_needed):
                await db.write(store.rezone, company_id)
                self.full_scan = True
            while await db.read(store.pending) and await db.write(store.grow_batch) > 0:
                self.version += 1
            for source, ids in self.dirty.items():
                taken = sorted(ids)
                ids.clear()
                for i in range(0, len(taken), store.FACT_BATCH):
                    chunk = taken[i:i + store.FACT_BATCH]
                    if await db.write(store.sync_facts, source, chunk):
                        self.version += 1
            now = self.svc.monotonic()
            if self.full_scan or now - self._compared_at >= compare_every:
                full, self.full_scan = self.full_scan, False
                for source in store.FACTS:
                    await self._compare(source, full)
                self._compared_at = now
                self.fresh_to = started
        return self.fresh_to or started

    async def _compare(self, source: str, full: bool) -> None:
        db = self.svc.db
        after = 0 if full else max(0, await db.read(store.top_id, source) - WINDOW)
        while True:
            ids = await db.read(store.stale, source, after, store.FACT_BATCH)
            if not ids:
                break
            await db.write(store.sync_facts, source, ids)
            self.version += 1
            after = ids[-1]
        # A fact whose row is gone (a retention purge, a deleted site) stays: reports keep
        # history, as for deleted visits and page views, until a rebuild.

    async def rebuild(self) -> None:
        """Forget the aggregates and make them again from the raw rows: set-based, in bounded
        chunks, each a short writer job of its own (the appliance keeps serving between them;
        its reports wait for the end). Whatever changed meanwhile is caught by the full
        comparison that follows."""
        async with self._lock:
            db = self.svc.db
            await db.write(store.reset)
            for source in store.GROWING:
                while await db.write(report_rebuild.rebuild_growing, source):
                    self.version += 1
            for source in store.FACTS:
                after = 0
                while after := await db.write(report_rebuild.rebuild_facts, source, after):
                    self.version += 1
            self.full_scan = True
        await self.catch_up(compare_every=0)

    async def sample_presence(self, *, closing: bool = False) -> None:
        """Record each agent's spans of effective status as they end (checked every few
        seconds: spans are as precise as that)."""
        now = self.svc.now()
        presence: Any = self.svc.presence
        known = set(getattr(presence, "known_agents", lambda: ())()) | set(self._status)
        ended: list[tuple[int, str, datetime, datetime]] = []
        for user_id in sorted(known):
            status = "offline" if closing else presence.status(user_id)
            before = self._status.get(user_id)
            if before is not None and before[0] == status:
                continue
            if before is not None and before[0] in TRACKED and now > before[1]:
                ended.append((user_id, before[0], before[1], now))
            if status in TRACKED:
                self._status[user_id] = (status, now)
            else:
                self._status.pop(user_id, None)
        if ended:
            await self.svc.commit(on_writer(store.record_spans, ended), lambda _: [])


async def check(svc: Services) -> list[tuple[Any, ...]]:
    """Differences between the stored aggregates and ones rebuilt from the raw rows, without
    changing anything: the rebuild runs in a copy (a savepoint rolled back)."""
    stored = await svc.db.read(store.all_rows)
    rebuilt = await svc.db.write(report_rebuild.rebuilt_rows)
    return sorted(set(stored) ^ set(rebuilt))
