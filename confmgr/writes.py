"""Grouped writes: small transactions that arrive together commit together.

On the morning of a national meeting thousands of sites answer within minutes. On
SQLite only one transaction writes at a time, and a request's transaction written
statement by statement from the event loop holds that lock while the loop serves
everybody else between its statements. Here a write is a *job*: a plain function of
a connection that reads what it needs and writes with a few Core statements. The
jobs waiting when the database is free run one after the other in a thread, each
under a savepoint, and commit once: one lock, one fsync, one trip to the thread for
the whole group. A job that fails rolls back to its savepoint and its caller gets the
exception; the others still commit. If the commit fails, every caller of the group
gets the error, so nobody is told "saved" for something that was not.

Live events a job emits (:meth:`Job.emit`) go out only after the commit, as with a
request's own transaction (see confmgr.live.events).

On PostgreSQL there is no single writer: each job runs at once in a transaction of
its own (several workers write side by side).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from confmgr.db import WriterQueue, create_sqlite_thread_engine

I = TypeVar("I")
R = TypeVar("R")
Event = tuple[str, str, str]  # channel, event name, data
log = logging.getLogger("confmgr")

# Enough to take every waiting answer of 64 clients in one go, small enough that the
# write lock is never held for long.
MAX_GROUP = 128


@dataclass
class Job:
    """What a batch function receives: the connection and a place for its live events."""

    connection: Connection
    events: list[Event] = field(default_factory=list)

    def emit(self, channel: str, event: str, data: str = "") -> None:
        self.events.append((channel, event, data))


# A batch function writes several items of one kind in the transaction it is given
# and returns, for each item in order, its result or the exception (a domain error:
# not found, too late...) its caller is to get. It writes nothing for an item whose
# outcome is an exception; raising means the whole batch is retried item by item.
BatchFunction = Callable[[Job, list[I]], list[R | Exception]]


class WriteFailed(RuntimeError):
    """The group's commit failed: this write was not saved."""


@dataclass
class _Waiting(Generic[I, R]):
    function: BatchFunction[I, R]
    item: I
    future: asyncio.Future[R]
    outcome: R | Exception | None = None


class GroupWriter:
    """Runs the server's grouped writes (see the module's documentation)."""

    def __init__(
        self,
        engine: AsyncEngine,
        writer_queue: WriterQueue | None,
        publish: Callable[[list[Event]], None],
        *,
        max_group: int = MAX_GROUP,
    ) -> None:
        self._engine = engine
        self._queue = writer_queue if engine.dialect.name == "sqlite" else None
        self._publish = publish
        self._max_group = max_group
        self._waiting: list[_Waiting[Any, Any]] = []
        self._drainer: asyncio.Task[None] | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._thread_engine: Engine | None = None
        self._checkpointer: Checkpointer | None = None
        if self._queue is not None:
            self._thread_engine = create_sqlite_thread_engine(engine, autocheckpoint=False)
            self._checkpointer = Checkpointer(engine)

    async def run(self, function: BatchFunction[I, R], item: I) -> R:
        """Write ``item`` with ``function``; return its result once committed."""
        queue = self._queue
        if queue is not None and queue.holder is not None and queue.holder is asyncio.current_task():
            raise RuntimeError(
                "this task's own session holds the SQLite writer queue: a route that writes through "
                "the group writer must declare opt={'writes': False}"
            )
        loop = asyncio.get_running_loop()
        waiting: _Waiting[I, R] = _Waiting(function, item, loop.create_future())
        self._waiting.append(waiting)
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain())
        # Shielded: a client that goes away does not withdraw a write that may be
        # committing; the write completes and nobody reads the result.
        return await asyncio.shield(waiting.future)

    async def _drain(self) -> None:
        while self._waiting:
            group = self._waiting[: self._max_group]
            del self._waiting[: len(group)]
            try:
                events = await self._write(group)
            except BaseException as exc:
                log.exception("a group of %d writes failed to commit", len(group))
                for waiting in group:
                    if not waiting.future.done():
                        waiting.future.set_exception(WriteFailed("the changes could not be saved"))
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for waiting in group:
                if waiting.future.done():
                    continue
                if isinstance(waiting.outcome, Exception):
                    waiting.future.set_exception(waiting.outcome)
                else:
                    waiting.future.set_result(waiting.outcome)
            self._announce(events)

    async def _write(self, group: list[_Waiting[Any, Any]]) -> list[Event]:
        if self._queue is None:
            # PostgreSQL: the statements go out from the event loop; other workers
            # write beside this one (batch functions lock rows in a fixed order).
            async with self._engine.connect() as connection:
                return await connection.run_sync(self._run_group, group)
        assert self._thread_engine is not None
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="confmgr-writer")
        thread_engine = self._thread_engine

        def in_thread() -> list[Event]:
            with thread_engine.connect() as connection:
                return self._run_group(connection, group)

        async with self._queue.lock:
            events = await asyncio.get_running_loop().run_in_executor(self._thread, in_thread)
        assert self._checkpointer is not None
        self._checkpointer.after_commit()
        return events

    def _run_group(self, connection: Connection, group: list[_Waiting[Any, Any]]) -> list[Event]:
        """Each kind of write as one batch, then one commit. Returns the live events
        of what committed."""
        batches: dict[Any, list[_Waiting[Any, Any]]] = {}
        for waiting in group:
            batches.setdefault(waiting.function, []).append(waiting)
        events: list[Event] = []
        with connection.begin():
            for function, members in batches.items():
                self._run_batch(connection, function, members, events)
        return events

    def _run_batch(
        self, connection: Connection, function: BatchFunction[Any, Any], members: list[_Waiting[Any, Any]],
        events: list[Event],
    ) -> None:
        job = Job(connection)
        savepoint = connection.begin_nested()
        try:
            outcomes = function(job, [waiting.item for waiting in members])
        except Exception as exc:
            savepoint.rollback()
            if len(members) == 1:
                members[0].outcome = exc
                return
            # Something no item was checked for (a constraint, say): write each item
            # alone, so that only the one at fault fails.
            for waiting in members:
                self._run_batch(connection, function, [waiting], events)
            return
        savepoint.commit()
        for waiting, outcome in zip(members, outcomes, strict=True):
            waiting.outcome = outcome
        events.extend(job.events)

    def _announce(self, events: list[Event]) -> None:
        if not events:
            return
        try:
            self._publish(events)
        except Exception:  # a live update that fails must not turn a saved write into an error
            log.exception("publishing live events failed")

    async def close(self) -> None:
        """Finish the writes still waiting, then release the thread and its connection."""
        if self._drainer is not None and not self._drainer.done():
            await asyncio.shield(self._drainer)
        if self._checkpointer is not None:
            await self._checkpointer.close()
        if self._thread is not None and self._thread_engine is not None:
            engine = self._thread_engine
            # The connection belongs to the writer thread: close it there.
            await asyncio.get_running_loop().run_in_executor(self._thread, engine.dispose)
            self._thread.shutdown(wait=True)
            self._thread = None


# How often, at most, the WAL is copied back while writes keep coming.
CHECKPOINT_EVERY_S = 1.0


class Checkpointer:
    """Copies SQLite's write-ahead log back into the database file beside the writer.

    Left to SQLite, the commit that takes the log past 1,000 pages does the copy and
    its fsync itself, and every answer waiting behind it waits too (tens of ms on a
    busy 2-core machine). Here the writer's connection does not checkpoint; after a
    commit, at most once a second, a connection of its own runs a PASSIVE checkpoint
    in another thread: it copies what no reader still needs and never blocks the
    writer or the readers. (Other connections keep SQLite's automatic checkpoint, so
    the log stays bounded whatever writes it.)
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = create_sqlite_thread_engine(engine)
        self._thread: ThreadPoolExecutor | None = None
        self._running: asyncio.Future[None] | None = None
        self._last = 0.0

    def after_commit(self) -> None:
        now = time.monotonic()
        if (self._running is not None and not self._running.done()) or now - self._last < CHECKPOINT_EVERY_S:
            return
        self._last = now
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="confmgr-checkpoint")
        self._running = asyncio.get_running_loop().run_in_executor(self._thread, self._checkpoint)
        self._running.add_done_callback(_log_failure)

    def _checkpoint(self) -> None:
        # The raw connection: SQLAlchemy would open a transaction (BEGIN IMMEDIATE)
        # first, and a checkpoint must not hold the write lock.
        raw = self._engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            raw.close()

    async def close(self) -> None:
        if self._running is not None:
            await asyncio.wait([self._running])
        if self._thread is not None:
            await asyncio.get_running_loop().run_in_executor(self._thread, self._engine.dispose)
            self._thread.shutdown(wait=True)
            self._thread = None


def _log_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("WAL checkpoint failed", exc_info=future.exception())
