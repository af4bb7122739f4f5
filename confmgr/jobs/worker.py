"""``confmgr worker`` (workers in a process of their own) and ``confmgr jobs list``."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from litestar import Litestar
from litestar.channels import ChannelsPlugin
from sqlalchemy import select

import confmgr.models  # noqa: F401  (every table, for the relationships the jobs touch)
from confmgr.app import create_app
from confmgr.cli_support import session_scope
from confmgr.invitations.delivery import job_progress
from confmgr.jobs.models import ACTIVE, BackgroundJob
from confmgr.jobs.queue import Bridge, JobQueue
from confmgr.live.events import publish
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
def running_app(settings: Settings) -> Iterator[tuple[Litestar, Bridge]]:
    """The application without its HTTP side, on an event loop in a thread of its own:
    its database, its live channels (Redis) and its listeners, for the worker threads.

    A job's steps use the application's sessions, so their domain events (a mailing
    that makes a draft "invited") reach the same listeners as in the server, which
    tell the connected sites through Redis (see confmgr.events).
    """
    # The workers run here, in the consumer, not inside the application.
    app = create_app(replace(settings, jobs=replace(settings.jobs, in_process=False)))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="confmgr-jobs-loop", daemon=True)
    thread.start()
    started: Future[asyncio.Event] = Future()

    async def run() -> None:
        # One task from start to end: the lifespan's task groups must exit where they began.
        stop = asyncio.Event()
        try:
            async with app.lifespan():
                started.set_result(stop)
                await stop.wait()
        except BaseException as exc:
            if not started.done():
                started.set_exception(exc)
            raise

    lifespan = asyncio.run_coroutine_threadsafe(run(), loop)
    try:
        stop = started.result(timeout=60)
        try:
            channels = app.plugins.get(ChannelsPlugin)
            yield app, Bridge(settings, app.state.session_maker, lambda events: publish(channels, events), loop)
        finally:
            loop.call_soon_threadsafe(stop.set)
            lifespan.result(timeout=30)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


def run_worker(settings: Settings, workers: int | None = None) -> int:
    reason = refusal(settings)
    if reason:
        print(reason, file=sys.stderr)
        return 2
    if workers:
        settings = replace(settings, jobs=replace(settings.jobs, workers=workers))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    with running_app(settings) as (app, bridge):
        queue: JobQueue = app.state.jobs
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
    async with session_scope(settings) as db:
        stmt = select(BackgroundJob).order_by(BackgroundJob.id.desc())
        stmt = stmt.limit(20) if show_all else stmt.where(BackgroundJob.status.in_(ACTIVE))
        jobs = list(await db.scalars(stmt))
        return [(job, await job_progress(db, job, failures=False)) for job in jobs]


def list_jobs(settings: Settings, show_all: bool = False) -> int:
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
