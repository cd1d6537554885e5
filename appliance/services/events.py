"""The event bus: hands each committed event to the consumers registered for its type."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from appliance.domain.events import Event

log = logging.getLogger(__name__)
Consumer = Callable[[Any], None]  # takes one event of the type it is registered for


class EventBus:
    """A table from event type to consumers, not a chain of type checks. Consumers run on the
    event loop right after the commit; one that fails is logged and the others still run (the
    change has committed: its announcement must not fail the use case)."""

    def __init__(self, table: Mapping[type[Event], Sequence[Consumer]]) -> None:
        self.table: dict[type[Event], tuple[Consumer, ...]] = {
            kind: tuple(consumers) for kind, consumers in table.items()}

    def publish(self, events: list[Event]) -> None:
        for event in events:
            for consumer in self.table.get(type(event), ()):
                try:
                    consumer(event)
                except Exception:
                    log.exception("%s failed on a %s event", _name(consumer), event.type)


def _name(consumer: Consumer) -> str:
    return getattr(consumer, "__qualname__", repr(consumer))
