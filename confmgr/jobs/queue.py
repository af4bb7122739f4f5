"""The job queue: Huey carries "run job N" to a worker thread.

- Embedded (no ``CONFMGR_REDIS_URL``): ``SqliteHuey`` in the data dir (``jobs.sqlite3``,
  beside the database, a file of its own so its polling never takes the application's
  write lock), workers as threads inside the server process.
- Production (``CONFMGR_REDIS_URL``): ``RedisHuey``; workers in the server processes, or,
  with ``CONFMGR_JOBS_IN_PROCESS=0``, in ``confmgr worker`` processes of their own.

The queue is only a doorbell. What must survive a restart (the job, who holds it, one
row per item of work) is in the application's database, so a message lost by the queue
(a worker killed while running it) costs nothing: every worker re-enqueues the
unfinished jobs when it starts (:func:`JobQueue.recover`), and a job's lease keeps two
workers from running it at once.

Worker threads never touch the database themselves: :class:`Bridge` runs the job's short
database steps as coroutines on an event loop (the server's own, so on SQLite they queue
with every other writer of the process; or the worker process's loop) and publishes
their live events after commit.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, TypeVar

import redis
from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer
from litestar.channels import ChannelsPlugin
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from confmgr.live.events import PENDING_KEY, publish
from confmgr.settings import Settings
from confmgr.sites.tokens import SiteKeys

log = logging.getLogger("confmgr.jobs")
T = TypeVar("T")
Event = tuple[str, str, str]

TASK_NAME = "confmgr.run_job"


def make_huey(settings: Settings) -> Huey:
    if settings.redis_url:
        return RedisHuey("confmgr-jobs", url=settings.redis_url, results=False, utc=True)
    return SqliteHuey("confmgr-jobs", filename=str(settings.data_dir / "jobs.sqlite3"), results=False, utc=True)


class Bridge:
    """Runs coroutines ``fn(bridge, *args)`` on ``loop`` from worker threads."""

    def __init__(
        self, settings: Settings, session_maker: async_sessionmaker[AsyncSession],
        publish: Callable[[list[Event]], Awaitable[None] | None], loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.settings = settings
        self.session_maker = session_maker
        self.site_keys = SiteKeys(settings.server.secret_key)
        self._publish = publish
        self.loop = loop
        # A worker that stops renewing its lease (killed, machine lost) gives the job up
        # after this (CONFMGR_JOB_LEASE_SECONDS); it is renewed at each step of the job.
        self.lease = timedelta(seconds=settings.jobs.lease_seconds)

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        return asyncio.run_coroutine_threadsafe(fn(self, *args), self.loop).result()

    @asynccontextmanager
    async def transaction(self) -> Any:
        """A session in a transaction; its live events go out after the commit."""
        async with self.session_maker() as db:
            async with db.begin():
                yield db
            events = db.info.pop(PENDING_KEY, [])
        if events:
            await self.publish(events)

    async def publish(self, events: Iterable[Event]) -> None:
        result = self._publish(list(events))
        if result is not None:
            await result


class RateLimiter:
    """At most ``rate`` messages a second to one relay, across the worker threads of this
    process: each call takes the next free slot (``1/rate`` after the previous one) and
    waits for it. Enough for the embedded mode, where one process sends everything."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take the next slot; the seconds to wait for it."""
        with self._lock:
            moment = self.clock()
            slot = max(self._next, moment)
            self._next = slot + self.interval
        return slot - moment

    def wait(self, stop: threading.Event) -> None:
        if not self.interval:
            return
        delay = self.reserve()
        if delay > 0:
            stop.wait(delay)


# The relay's next free slot, in microseconds of Redis's own clock (one clock for every
# machine); kept a second past its use. Returns the microseconds to wait for the slot taken.
_RESERVE_SLOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local after = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', math.ceil((after - now) / 1000) + 1000)
return slot - now
"""


class SharedRateLimiter(RateLimiter):
    """The same budget for every process that sends through the relay (servers' worker
    threads, ``confmgr worker`` processes, on any machine): the relay's next free slot is
    kept in Redis, one key per relay (``host:port``), and taken by one atomic script.
    Should Redis fail, this process falls back to its own budget until it answers again."""

    def __init__(self, rate: float, client: redis.Redis, relay: str) -> None:
        super().__init__(rate)
        self.key = f"confmgr:smtp-rate:{relay}"
        self._script = client.register_script(_RESERVE_SLOT)
        self._interval_us = max(1, round(self.interval * 1_000_000))
        self._alone = False  # Redis failed: this process's own budget is used meanwhile

    def reserve(self) -> float:
        try:
            delay = int(self._script(keys=[self.key], args=[self._interval_us])) / 1_000_000
        except redis.RedisError as exc:
            if not self._alone:
                log.warning("SMTP rate limit: Redis unavailable (%s); this process keeps its own budget meanwhile", exc)
            self._alone = True
            return super().reserve()
        self._alone = False
        return delay


class _InProcessConsumer(Consumer):  # type: ignore[misc]
    def _set_signal_handlers(self) -> None:
        """The server owns the process's signals; it stops the consumer on shutdown."""


class JobQueue:
    """One per process: the Huey instance, its task, and the consumer when it runs here."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.huey = make_huey(settings)
        self.bridge: Bridge | None = None
        self.stopping = threading.Event()
        self.owner_prefix = f"{os.uname().nodename}:{os.getpid()}:"
        self._limiters: dict[str, RateLimiter] = {}
        self._limiters_lock = threading.Lock()
        self._consumer: Consumer | None = None
        self.task = self.huey.task(name=TASK_NAME)(self._run)

    # ---- enqueueing (any process) ----

    def enqueue(self, job_id: int, delay: float | None = None) -> None:
        if delay:
            self.task.schedule(args=(job_id,), delay=max(1.0, delay))
        else:
            self.task(job_id)

    def pending(self) -> int:
        return int(self.huey.pending_count())

    def scheduled(self) -> int:
        return int(self.huey.scheduled_count())

    def new_owner(self) -> str:
        return self.owner_prefix + uuid.uuid4().hex[:12]

    def limiter(self, relay: str) -> RateLimiter:
        """The budget of messages a second to ``relay``: shared through Redis by every
        process when Redis is configured, this process's own otherwise (embedded mode)."""
        with self._limiters_lock:
            if relay not in self._limiters:
                rate = self.settings.mail.rate
                if self.settings.redis_url and rate > 0:
                    client = redis.Redis.from_url(self.settings.redis_url)
                    self._limiters[relay] = SharedRateLimiter(rate, client, relay)
                else:
                    self._limiters[relay] = RateLimiter(rate)
            return self._limiters[relay]

    # ---- running (worker threads) ----

    def _run(self, job_id: int) -> None:
        from confmgr.jobs.runner import run_job  # the runner imports this module (Bridge, JobQueue)

        run_job(self, job_id)

    def consumer(self, *, in_process: bool) -> Consumer:
        cls = _InProcessConsumer if in_process else Consumer
        return cls(
            self.huey, workers=self.settings.jobs.workers, periodic=False, worker_type="thread",
            initial_delay=0.1, backoff=1.15, max_delay=1.0, check_worker_health=not in_process,
            shutdown_timeout=20,
        )

    def recover(self, *, sole_process: bool) -> int:
        """Enqueue every unfinished job again (see the module's documentation)."""
        from confmgr.jobs.runner import recover  # the runner imports this module (Bridge, JobQueue)

        assert self.bridge is not None
        ids = self.bridge.call(recover, sole_process)
        for job_id in ids:
            self.enqueue(job_id)
        if ids:
            log.info("resumed %d unfinished job(s): %s", len(ids), ids)
        return len(ids)

    # ---- workers inside the server process ----

    async def start_in_process(self, app: Any) -> None:
        channels = app.plugins.get(ChannelsPlugin)
        self.bridge = Bridge(
            self.settings, app.state.session_maker, lambda events: publish(channels, events), asyncio.get_running_loop()
        )
        self.stopping.clear()
        self._consumer = self.consumer(in_process=True)
        self._consumer.start()
        # On SQLite only this process writes the database: whatever a job held was held by
        # a process that is gone, so it is taken over at once instead of after its lease.
        sole = self.settings.database.is_sqlite
        await asyncio.get_running_loop().run_in_executor(None, lambda: self.recover(sole_process=sole))

    async def stop_in_process(self) -> None:
        if self._consumer is None:
            return
        self.stopping.set()
        consumer, self._consumer = self._consumer, None
        # The workers finish the message in hand (their database steps run on this loop,
        # so the wait happens in a thread).
        await asyncio.get_running_loop().run_in_executor(None, lambda: consumer.stop(graceful=True))
        self.huey.storage.close() if hasattr(self.huey.storage, "close") else None
