"""Running one job in a worker thread: take its lease, run its kind, give it back.

A job kind is a module with ``takeover(db, job_id)`` (make the rows a dead holder left
half-done safe to do again) and ``run(queue, job_id, owner)`` (do the work; return
``None`` when finished or the seconds to wait before the next attempt).
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from confmgr.jobs.models import ACTIVE, DONE, RUNNING, BackgroundJob
from confmgr.jobs.queue import Bridge, JobQueue
from confmgr.timeutil import now

log = logging.getLogger("confmgr.jobs")

KINDS = {"invitation": "confmgr.invitations.delivery", "reminder": "confmgr.invitations.delivery"}
# After an unexpected error the job is tried again this much later (the rows it did stay done).
ERROR_DELAY_SECONDS = 30.0


def kind_module(kind: str) -> Any:
    return importlib.import_module(KINDS[kind])


@dataclass(frozen=True)
class Acquired:
    state: str  # run, busy, done
    kind: str = ""
    busy_until: datetime | None = None


async def acquire(bridge: Bridge, job_id: int, owner: str) -> Acquired:
    async with bridge.transaction() as db:
        job = await db.get(BackgroundJob, job_id, with_for_update=True)
        if job is None or job.status == DONE:
            return Acquired("done")
        moment = now()
        if job.lease_owner and job.lease_owner != owner and job.lease_until and job.lease_until > moment:
            return Acquired("busy", job.kind, job.lease_until)
        took_over = bool(job.lease_owner)
        job.lease_owner, job.lease_until, job.status = owner, moment + bridge.lease, RUNNING
        job.started_at = job.started_at or moment
        if took_over:
            await kind_module(job.kind).takeover(db, job.id)
        return Acquired("run", job.kind)


async def release(bridge: Bridge, job_id: int, owner: str) -> None:
    async with bridge.transaction() as db:
        job = await db.get(BackgroundJob, job_id, with_for_update=True)
        if job is None or job.lease_owner != owner:
            return
        job.lease_owner, job.lease_until = "", None
        await kind_module(job.kind).takeover(db, job.id)


async def renew(bridge: Bridge, db: Any, job_id: int, owner: str) -> BackgroundJob:
    """The job, its lease extended; LostLease when another worker took it meanwhile."""
    job = await db.get(BackgroundJob, job_id, with_for_update=True)
    if job is None or job.lease_owner != owner:
        raise LostLease(job_id)
    job.lease_until = now() + bridge.lease
    return job  # type: ignore[no-any-return]


class LostLease(RuntimeError):
    pass


async def recover(bridge: Bridge, sole_process: bool) -> list[int]:
    async with bridge.transaction() as db:
        jobs = list(await db.scalars(select(BackgroundJob).where(BackgroundJob.status.in_(ACTIVE)).order_by(BackgroundJob.id)))
        for job in jobs:
            if sole_process and job.lease_owner:
                job.lease_owner, job.lease_until = "", None
                await kind_module(job.kind).takeover(db, job.id)
        return [job.id for job in jobs]


def run_job(queue: JobQueue, job_id: int) -> None:
    bridge = queue.bridge
    if bridge is None or queue.stopping.is_set():
        return
    owner = queue.new_owner()
    got = bridge.call(acquire, job_id, owner)
    if got.state == "done":
        return
    if got.state == "busy":
        assert got.busy_until is not None
        queue.enqueue(job_id, delay=(got.busy_until - now()).total_seconds() + 1)
        return
    delay: float | None = None
    try:
        delay = kind_module(got.kind).run(queue, job_id, owner)
    except LostLease:
        log.warning("job %s was taken over by another worker", job_id)
        return
    except Exception:
        log.exception("job %s failed; it is tried again in %s s", job_id, ERROR_DELAY_SECONDS)
        delay = ERROR_DELAY_SECONDS
    finally:
        try:
            bridge.call(release, job_id, owner)
        except Exception:
            log.exception("could not release job %s (its lease expires by itself)", job_id)
    if queue.stopping.is_set():
        # Stopped half-way: the queue keeps it for whichever worker runs next.
        queue.enqueue(job_id, delay=1.0)
    elif delay is not None:
        queue.enqueue(job_id, delay=delay)
