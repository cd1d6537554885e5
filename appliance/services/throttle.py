"""Limits on what one visitor and one client address may do on the widget's routes, so that
a script cannot flood agents, disks or mailboxes while a person typing fast never notices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from appliance.domain.errors import RateLimited
from appliance.domain.ratelimit import RateLimit

MINUTE, HOUR = 60.0, 3600.0


@dataclass(frozen=True, slots=True)
class WidgetLimits:
    """The settings of the same names (appliance/config.py, docs/configuration.md)."""

    visitor_sessions_per_minute: int = 30
    address_new_visitors_per_minute: int = 120
    visitor_messages_per_minute: int = 30
    address_messages_per_minute: int = 600
    visitor_uploads_per_hour: int = 30
    address_uploads_per_hour: int = 300
    visitor_upload_quota_bytes: int = 52_428_800
    visitor_left_messages_per_hour: int = 5
    address_left_messages_per_hour: int = 30
    visitor_transcripts_per_hour: int = 3
    address_transcripts_per_hour: int = 20
    visitor_signals_per_minute: int = 120
    address_signals_per_minute: int = 2400
    visitor_polls_per_minute: int = 120
    address_polls_per_minute: int = 2400
    visitor_pages_per_minute: int = 60
    address_pages_per_minute: int = 6000

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


# action: (per-visitor limit, per-address limit, window, what the visitor is told)
_ACTIONS: dict[str, tuple[str | None, str | None, float, str]] = {
    "session": ("visitor_sessions_per_minute", None, MINUTE, "Too many page loads"),
    "new_visitor": (None, "address_new_visitors_per_minute", MINUTE,
                    "Too many new chats from your network"),
    "message": ("visitor_messages_per_minute", "address_messages_per_minute", MINUTE,
                "Too many messages"),
    # a message refused for "message" is looked up in the database in case it is a resend of
    # one already stored (its ack was lost): as many look-ups as messages, in buckets of their
    # own, so that a flood of refused sends cannot turn into a flood of reads
    "resend_check": ("visitor_messages_per_minute", "address_messages_per_minute", MINUTE,
                     "Too many messages"),
    "upload": ("visitor_uploads_per_hour", "address_uploads_per_hour", HOUR,
               "Too many files"),
    "left_message": ("visitor_left_messages_per_hour", "address_left_messages_per_hour", HOUR,
                     "Too many left messages"),
    "transcript": ("visitor_transcripts_per_hour", "address_transcripts_per_hour", HOUR,
                   "Too many transcripts"),
    # typing and read frames (each reaches every agent of the site), closing and rating
    "signal": ("visitor_signals_per_minute", "address_signals_per_minute", MINUTE,
               "Too many typing and read signals"),
    # long-poll requests and availability checks: each one reads the database
    "poll": ("visitor_polls_per_minute", "address_polls_per_minute", MINUTE,
             "Too many requests"),
    # the presence module's page, tab and invitation frames: each may be a write
    "page": ("visitor_pages_per_minute", "address_pages_per_minute", MINUTE,
             "Too many page views"),
}
ACTIONS = tuple(_ACTIONS)


class Throttle:
    """One token bucket per action for visitors (by id) and one for client addresses (as
    `client_ip` reads them: only trusted proxies' X-Forwarded-For counts, as for login)."""

    def __init__(self, limits: WidgetLimits, monotonic: Callable[[], float]) -> None:
        self._clock = monotonic
        self._limits: dict[str, list[tuple[RateLimit, str]]] = {}
        for action, (per_visitor, per_address, window, _) in _ACTIONS.items():
            self._limits[action] = [
                (RateLimit(getattr(limits, name), window), kind)
                for name, kind in ((per_visitor, "visitor"), (per_address, "address"))
                if name is not None]

    def check(self, action: str, *, visitor_id: int | None = None, address: str = "") -> None:
        """Count one `action`, or refuse it (RateLimited, with the seconds to wait)."""
        now = self._clock()
        # Every visitor frame passes here: each bucket is read once, then spent.
        counted = []
        wait = 0
        for limit, kind in self._limits[action]:
            key = self._key(kind, visitor_id, address)
            if key is not None:
                tokens = limit.available(key, now)
                wait = max(wait, limit.wait_given(tokens))
                counted.append((limit, key, tokens))
        if wait:
            message = _ACTIONS[action][3]
            raise RateLimited(f"{message}; please wait {wait} s and try again",
                              retry_after=wait)
        for limit, key, tokens in counted:
            limit.spend(key, tokens, now)

    def give_back(self, action: str, *, visitor_id: int | None = None,
                  address: str = "") -> None:
        """The counted action cost nothing after all (a resend of a stored message)."""
        now = self._clock()
        for limit, kind in self._limits[action]:
            key = self._key(kind, visitor_id, address)
            if key is not None:
                limit.give_back(key, now)

    @staticmethod
    def _key(kind: str, visitor_id: int | None, address: str) -> str | None:
        if kind == "visitor":
            return None if visitor_id is None else str(visitor_id)
        return address or None
