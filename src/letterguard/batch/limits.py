"""Client-side rate limits (requests and tokens per minute) for a batch run.

A provider answers too many requests with 429s; the transport retries them, but a
cohort of thousands would spend most of its time bouncing. Pacing ourselves below the
limit is cheaper. Each limit is a token bucket holding about one second's worth, so a
run starts promptly yet never bursts far above the average rate. A letter's cost is
known only afterwards (re-asks, tokens used), so callers reserve an estimate first and
``settle`` the difference: the bucket may go into debt, which delays later letters.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["Bucket", "RateLimiter"]


class Bucket:
    """A token bucket refilled at ``per_minute / 60`` per second; debt is allowed."""

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0:
            raise ValueError("a rate limit must be positive")
        self.rate = per_minute / 60.0
        self.capacity = max(self.rate, 1.0)
        self.level = self.capacity
        self._clock = clock
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        self.level = min(self.capacity, self.level + (now - self._stamp) * self.rate)
        self._stamp = now

    def wait_time(self) -> float:
        """Seconds until the bucket is out of debt (0 when a request may start now)."""
        self._refill()
        return 0.0 if self.level > 0 else (-self.level + 1e-9) / self.rate

    def take(self, amount: float) -> None:
        self._refill()
        self.level -= amount


class RateLimiter:
    """Requests-per-minute and tokens-per-minute limits shared by all workers."""

    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        *,
        token_estimate: float = 1500.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.requests = Bucket(rpm, clock) if rpm else None
        self.tokens = Bucket(tpm, clock) if tpm else None
        self.token_estimate = token_estimate
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._seen = 0

    @property
    def active(self) -> bool:
        return self.requests is not None or self.tokens is not None

    async def acquire(self) -> float:
        """Wait for room for one more letter; return the tokens reserved for it."""
        if not self.active:
            return 0.0
        async with self._lock:  # first come, first served
            while (delay := self._delay()) > 0:
                await self._sleep(delay)
            reserved = self.token_estimate if self.tokens else 0.0
            if self.requests:
                self.requests.take(1)
            if self.tokens:
                self.tokens.take(reserved)
            return reserved

    def _delay(self) -> float:
        return max(bucket.wait_time() for bucket in (self.requests, self.tokens) if bucket)

    def settle(self, reserved: float, requests: int, tokens: int) -> None:
        """Charge what a letter really cost: extra attempts and actual tokens."""
        if self.requests and requests > 1:
            self.requests.take(requests - 1)
        if self.tokens and tokens > 0:
            self.tokens.take(tokens - reserved)
            self._seen += 1
            weight = 1.0 / min(self._seen, 20)  # running mean, then a slow moving average
            self.token_estimate += weight * (tokens - self.token_estimate)
