"""The registry of open sockets; turns committed events into messages and disconnections."""

from __future__ import annotations

from collections import defaultdict

from appliance.domain.events import Event, SessionsEnded
from appliance.realtime.connection import CLOSE_SESSION_ENDED, Connection


class Hub:
    """Single process, so this in-memory registry is the truth about who is connected."""

    def __init__(self) -> None:
        self._by_user: dict[int, set[Connection]] = defaultdict(set)

    def register(self, conn: Connection) -> None:
        if conn.user_id is not None:
            self._by_user[conn.user_id].add(conn)

    def unregister(self, conn: Connection) -> None:
        if conn.user_id is None:
            return
        conns = self._by_user.get(conn.user_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self._by_user[conn.user_id]

    def connections_of(self, user_id: int) -> list[Connection]:
        return list(self._by_user.get(user_id, ()))

    def count(self) -> int:
        return sum(len(c) for c in self._by_user.values())

    def publish(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, SessionsEnded):
                self._end_sessions(event)

    def _end_sessions(self, event: SessionsEnded) -> None:
        for conn in self.connections_of(event.user_id):
            if event.session_ids and conn.session_id not in event.session_ids:
                continue
            if event.keep_session_id is not None and conn.session_id == event.keep_session_id:
                continue
            conn.end(CLOSE_SESSION_ENDED, event.reason,
                     {"type": "session_ended", "reason": event.reason})
