"""The SMTP rate is a budget per relay, not per process: with Redis configured, limiters
of different processes share it (confmgr.jobs.queue.SharedRateLimiter)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

import pytest
import redis

from confmgr.jobs.queue import JobQueue, RateLimiter, SharedRateLimiter

RATE = 20


def _run(limiters: list[RateLimiter], seconds: float) -> list[float]:
    """Each limiter in a thread of its own, taking permits as fast as it is let for
    ``seconds``; the moments the permits were given."""
    moments: list[float] = []
    lock = threading.Lock()
    stop = threading.Event()
    end = time.monotonic() + seconds

    def use(limiter: RateLimiter) -> None:
        while True:
            limiter.wait(stop)
            moment = time.monotonic()
            if moment >= end:
                return
            with lock:
                moments.append(moment)

    threads = [threading.Thread(target=use, args=(limiter,)) for limiter in limiters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(moments)


def _most_in_a_second(moments: list[float]) -> int:
    return max(sum(1 for m in moments[i:] if m < start + 1.0) for i, start in enumerate(moments))


def test_two_processes_share_one_budget_per_relay(settings: Any) -> None:
    if not settings.redis_url:
        pytest.skip("the shared budget lives in Redis (production mode)")
    # Two limiters with clients of their own, as two processes would have: nothing shared but Redis.
    first = SharedRateLimiter(RATE, redis.Redis.from_url(settings.redis_url), "relay.example.vn:25")
    second = SharedRateLimiter(RATE, redis.Redis.from_url(settings.redis_url), "relay.example.vn:25")
    moments = _run([first, second], 2.0)
    # Together never more than the rate (one permit of slack for the edges of a window).
    assert _most_in_a_second(moments) <= RATE + 1, moments
    assert len(moments) >= 2 * RATE - 4  # and the budget is used, not starved
    # Another relay has a budget of its own.
    other = SharedRateLimiter(RATE, redis.Redis.from_url(settings.redis_url), "other.example.vn:25")
    assert other.reserve() == pytest.approx(0, abs=0.01)


def test_the_queue_shares_the_budget_only_with_redis(settings: Any) -> None:
    limited = replace(settings, mail=replace(settings.mail, rate=5.0))
    limiter = JobQueue(limited).limiter("relay.example.vn:25")
    assert type(limiter) is (SharedRateLimiter if settings.redis_url else RateLimiter)
    assert type(JobQueue(settings).limiter("relay.example.vn:25")) is RateLimiter  # no rate: nothing to share
