"""Client-side rate limits: token buckets that pace requests and tokens per minute."""

from __future__ import annotations

import asyncio

import pytest

from letterguard.batch.limits import Bucket, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_bucket_refills_at_the_per_minute_rate() -> None:
    clock = Clock()
    bucket = Bucket(60, clock)  # one a second, holds one
    assert bucket.wait_time() == 0
    bucket.take(1)
    assert bucket.wait_time() < 1e-6
    bucket.take(2)  # debt of two
    assert bucket.wait_time() == pytest.approx(2, rel=1e-3)
    clock.now += 2.5
    assert bucket.wait_time() == 0


def test_rpm_limit_paces_letters() -> None:
    clock = Clock()
    limiter = RateLimiter(rpm=120, clock=clock, sleep=clock.sleep)  # two a second

    async def run() -> None:
        for _ in range(10):
            await limiter.acquire()

    asyncio.run(run())
    assert clock.now == pytest.approx(4.0, abs=0.6)  # ten letters at two per second, minus the initial burst


def test_tpm_limit_charges_real_usage_and_learns_the_estimate() -> None:
    clock = Clock()
    limiter = RateLimiter(tpm=60_000, token_estimate=1000, clock=clock, sleep=clock.sleep)  # 1,000 tokens/s

    async def run() -> None:
        for _ in range(5):
            reserved = await limiter.acquire()
            limiter.settle(reserved, requests=1, tokens=3000)

    asyncio.run(run())
    assert clock.now >= 8  # 15,000 tokens at 1,000/s, minus the first second's allowance
    assert limiter.token_estimate == pytest.approx(3000)


def test_no_limits_never_waits() -> None:
    limiter = RateLimiter()
    assert not limiter.active
    assert asyncio.run(limiter.acquire()) == 0.0
    with pytest.raises(ValueError):
        Bucket(0)
