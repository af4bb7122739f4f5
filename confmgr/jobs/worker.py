"""``confmgr worker`` (workers in a process of their own) and ``confmgr jobs list``."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select

from confmgr.jobs.models import ACTIVE, BackgroundJob
from confmgr.jobs.queue import Bridge, Event, JobQueue
from confmgr.settings import Settings


def refusal(settings: Settings) -> str | None:
    """Why a separate worker cannot run with these settings (None when it can)."""
    if settings.database.is_sqlite:
        return (
            "Không chạy worker riêng trên SQLite: ở chế độ nhúng, máy chủ tự chạy các việc nền.\n"
            "Refusing to run a separate worker on SQLite: in the embedded mode the server runs the jobs itself "
            "(only one process may write the SQLite file). Use PostgreSQL (CONFMGR_DATABASE_URL)."
        )
    if not settings.redis_url:
        return (
            "Worker riêng cần CONFMGR_REDIS_URL (hàng đợi và tiến độ trực tiếp).\n"
            "A separate worker needs CONFMGR_REDIS_URL: the queue and the live progress go through Redis."
        )
    return None


@contextmanager
def loop_thread(settings: Settings) -> Iterator[Bridge]:
    """An event loop in a thread of its own, with the database and Redis, for the worker threads."""
    from litestar.channels.backends.redis import RedisChannelsPubSubBackend
    from redis.asyncio import Redis

    from confmgr.db import WriterQueue, create_engine, create_session_maker
    from confmgr.live.events import frame, new_event_id

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="confmgr-jobs-loop", daemon=True)
    thread.start()
    engine = create_engine(settings.database)
    session_maker = create_session_maker(engine, writer_queue=WriterQueue())
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    backend = RedisChannelsPubSubBackend(redis=redis) if redis is not None else None

    async def publish(events: list[Event]) -> None:
        if backend is None:
            return
        for channel, event, data in events:
            await backend.publish(frame(event, data, new_event_id()), [channel])

    try:
        yield Bridge(settings, session_maker, publish, loop)
    finally:
        async def close() -> None:
            await engine.dispose()
            if redis is not None:
                await redis.aclose()

        asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


def run_worker(settings: Settings, workers: int | None = None) -> int:
    reason = refusal(settings)
    if reason:
        print(reason, file=sys.stderr)
        return 2
    if workers:
        from dataclasses import replace

        settings = replace(settings, jobs=replace(settings.jobs, workers=workers))
    import logging

    import confmgr.models  # noqa: F401  (every table, for the relationships the jobs touch)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    queue = JobQueue(settings)
    with loop_thread(settings) as bridge:
        queue.bridge = bridge
        queue.recover(sole_process=False)
        consumer = queue.consumer(in_process=False)
        try:
            # Huey's consumer: SIGINT stops after the message in hand, SIGTERM at once (the
            # message's row is "sending" and goes back to the queue: see invitations.delivery).
            consumer.run()
        finally:
            queue.stopping.set()
    return 0


async def _list(settings: Settings, show_all: bool) -> list[tuple[BackgroundJob, Any]]:
    from confmgr.cli_support import session_scope
    from confmgr.invitations.delivery import job_progress

    async with session_scope(settings) as db:
        stmt = select(BackgroundJob).order_by(BackgroundJob.id.desc())
        stmt = stmt.limit(20) if show_all else stmt.where(BackgroundJob.status.in_(ACTIVE))
        jobs = list(await db.scalars(stmt))
        return [(job, await job_progress(db, job, failures=False)) for job in jobs]


def list_jobs(settings: Settings, show_all: bool = False) -> int:
    import confmgr.models  # noqa: F401
    rows = asyncio.run(_list(settings, show_all))
    queue = JobQueue(settings)
    try:
        print(f"Hàng đợi / queue: {queue.pending()} chờ chạy / waiting, {queue.scheduled()} hẹn giờ / scheduled")
    except Exception as exc:  # the queue's store may be unreachable; the jobs are still listed
        print(f"Hàng đợi / queue: không đọc được / unreadable ({exc})")
    if not rows:
        print("Không có việc nào đang chờ hoặc đang chạy. / No job is queued or running.")
        return 0
    print(f"{'id':>6}  {'kind':<10} {'meeting':>7}  {'status':<8} {'total':>6} {'sent':>6} {'failed':>6} {'waiting':>7}  held by")
    for job, p in rows:
        holder = job.lease_owner if job.lease_owner else "-"
        print(
            f"{job.id:>6}  {job.kind:<10} {job.meeting_id or '-':>7}  {job.status:<8} {p.total:>6} {p.sent:>6} "
            f"{p.failed:>6} {p.waiting:>7}  {holder}"
        )
    return 0
