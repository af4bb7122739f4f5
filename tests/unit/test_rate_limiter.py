"""The SMTP rate limiter of one process (confmgr.jobs.queue.RateLimiter), on a clock the
test moves by hand."""

from __future__ import annotations

import threading

from confmgr.jobs.queue import RateLimiter


class Clock:
    """A clock that only moves when someone waits on it (the limiter's ``stop.wait``)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> bool:  # the stop event's wait: time passes, nobody stops it
        self.waits.append(seconds)
        self.now += seconds
        return False


def _permits(limiter: RateLimiter, clock: Clock, count: int) -> list[float]:
    times = []
    for _ in range(count):
        limiter.wait(clock)  # type: ignore[arg-type]
        times.append(clock.now)
    return times


def test_calls_are_spaced_one_interval_apart() -> None:
    clock = Clock()
    limiter = RateLimiter(4, clock=clock)
    assert _permits(limiter, clock, 5) == [1000.0, 1000.25, 1000.5, 1000.75, 1001.0]
    assert clock.waits == [0.25] * 4


def test_an_idle_relay_gives_no_burst_afterwards() -> None:
    clock = Clock()
    limiter = RateLimiter(2, clock=clock)
    _permits(limiter, clock, 2)
    clock.now += 60  # nothing sent for a minute: the unused slots are not saved up
    assert _permits(limiter, clock, 3) == [1060.5, 1061.0, 1061.5]


def test_threads_take_distinct_slots() -> None:
    clock = Clock()
    limiter = RateLimiter(10, clock=clock)
    delays: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(25):
            delay = limiter.reserve()
            with lock:
                delays.append(round(delay, 6))

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The clock stood still: 100 calls got the 100 next slots, 0.1 s apart, none shared.
    assert sorted(delays) == [round(i * 0.1, 6) for i in range(100)]


def test_no_rate_means_no_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(0, clock=clock)
    assert _permits(limiter, clock, 100) == [1000.0] * 100
    assert clock.waits == []
