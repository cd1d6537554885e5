"""Sliding-window failure counters for login and setup attempts (clock passed in)."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field


@dataclass(slots=True)
class FailureWindow:
    """Remembers failure times per key; a key with `limit` failures in `window` s is blocked.

    The number of keys is bounded so that a flood of distinct keys cannot grow memory without
    limit; when full, the key with the oldest latest failure is forgotten.
    """

    limit: int
    window: float
    max_keys: int = 10_000
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _prune(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def retry_after(self, key: str, now: float) -> int:
        """Seconds until `key` may try again; 0 when it may try now."""
        times = self._prune(key, now)
        if times is None or len(times) < self.limit:
            return 0
        return max(1, math.ceil(times[len(times) - self.limit] + self.window - now))

    def fail(self, key: str, now: float) -> None:
        times = self._prune(key, now)
        if times is None:
            if len(self._failures) >= self.max_keys:
                oldest = min(self._failures, key=lambda k: self._failures[k][-1])
                del self._failures[oldest]
            times = self._failures[key] = deque()
        times.append(now)

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)
