"""Delivers the outbox: each queued item goes to the handler of its kind, with retries and
backoff, until it is sent or given up. One delivery at a time, so nothing is sent twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from appliance.domain.errors import NotFound
from appliance.domain.events import OutboxChanged
from appliance.domain.outbox import SENT, OutboxItem, retry_at, should_give_up
from appliance.storage import outbox as store
from appliance.storage.database import Database

log = logging.getLogger(__name__)
BATCH = 20
# How long a sent (or given-up) item is kept: its text served only the delivery.
KEEP_DELIVERED = timedelta(days=7)


class DeliveryFailed(Exception):
    """This attempt failed; the item is tried again later (or given up after a day)."""


class Delivery(Protocol):
    """Hands one item of its kind to the outside world (an SMTP server, a webhook…)."""

    async def deliver(self, item: OutboxItem) -> None: ...


@dataclass(frozen=True, slots=True)
class Attempt:
    item: OutboxItem  # as it is after the attempt
    sent: bool
    error: str


class OutboxDispatcher:
    """Drains the outbox: on a timer, when woken after an item was queued, and on demand."""

    def __init__(self, db: Database, clock: Callable[[], datetime],
                 handlers: Mapping[str, Delivery], retry_seconds: float,
                 poll_seconds: float = 30) -> None:
        self.db = db
        self.clock = clock
        self.handlers = dict(handlers)
        self.retry_seconds = retry_seconds
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def wake(self) -> None:
        self._wake.set()

    def on_outbox_changed(self, event: OutboxChanged) -> None:
        del event
        self.wake()

    async def run(self) -> None:
        while True:
            try:
                await self.send_due()
            except Exception:
                log.exception("outbox delivery failed")
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can lose a cancellation
            # that comes as the event is set, and the worker would outlive its stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(self.poll_seconds, self.retry_seconds)):
                    await self._wake.wait()
            self._wake.clear()

    async def send_due(self) -> list[Attempt]:
        return [await self.attempt(item.id)
                for item in await self.db.read(store.due, self.clock(), BATCH)]

    async def attempt(self, item_id: int) -> Attempt:
        async with self._lock:
            item = await self.db.read(store.get, item_id)
            if item.status == SENT:
                return Attempt(item, True, "")
            error = ""
            handler = self.handlers.get(item.kind)
            try:
                if handler is None:
                    raise DeliveryFailed(f"nothing delivers outbox items of kind {item.kind!r}")
                await handler.deliver(item)
            except DeliveryFailed as exc:
                error = str(exc)
            now = self.clock()
            if not error:
                await self.db.write(store.mark_sent, item.id, now)
            else:
                retry = None if should_give_up(item, now) else retry_at(
                    item.attempts + 1, now, self.retry_seconds)
                await self.db.write(store.mark_attempt_failed, item.id, error, retry)
                log.warning("outbox %s %d not delivered (%s)%s", item.kind, item.id, error,
                            "" if retry else "; giving up")
            try:
                item = await self.db.read(store.get, item.id)
            except NotFound:  # erased meanwhile (privacy): it was delivered or tried as it was
                pass
            return Attempt(item, not error, error)

    async def forget_delivered(self) -> int:
        """Delete what was sent or given up more than `KEEP_DELIVERED` ago."""
        return await self.db.write(store.forget_delivered, self.clock() - KEEP_DELIVERED)
