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


@dataclass(slots=True)
class RateLimit:
    """At most `count` actions per `per` seconds for each key, taken in bursts of up to
    `count` (a token bucket that refills `count` tokens evenly over `per` seconds).

    Each key costs two floats; the number of keys is bounded (the least recently used is
    forgotten, which can only make that key's next action allowed)."""

    count: int
    per: float
    max_keys: int = 50_000
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # tokens, at

    def _tokens(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.count), now))
        return min(float(self.count), tokens + max(0.0, now - at) * self.count / self.per)

    def wait(self, key: str, now: float, cost: float = 1.0) -> int:
        """Seconds until `key` may act (0: it may act now); changes nothing."""
        return self.wait_given(self._tokens(key, now), cost)

    def take(self, key: str, now: float, cost: float = 1.0) -> None:
        """Spend `cost` tokens of `key` (call after `wait` said 0)."""
        self.spend(key, self._tokens(key, now), now, cost)

    def available(self, key: str, now: float) -> float:
        """The tokens `key` has now: `wait_given` and `spend` take them, so that checking
        and counting an action reads the bucket once."""
        return self._tokens(key, now)

    def wait_given(self, tokens: float, cost: float = 1.0) -> int:
        """`wait` for a bucket holding `tokens` (from `available`)."""
        missing = cost - tokens
        return 0 if missing <= 0 else max(1, math.ceil(missing * self.per / self.count))

    def spend(self, key: str, tokens: float, now: float, cost: float = 1.0) -> None:
        """`take` for a bucket holding `tokens` (from `available` at `now`)."""
        tokens -= cost
        self._buckets.pop(key, None)
        self._buckets[key] = (tokens, now)  # re-inserted: dicts keep the most recent last
        if len(self._buckets) > self.max_keys:
            del self._buckets[next(iter(self._buckets))]

    def give_back(self, key: str, now: float, cost: float = 1.0) -> None:
        """Undo a `take` whose action turned out to cost nothing (a resent message)."""
        if key in self._buckets:
            self._buckets[key] = (min(float(self.count), self._tokens(key, now) + cost), now)
