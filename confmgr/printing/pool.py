"""Building printed documents off the event loop: one pool of worker processes.

A national meeting's minutes (3,321 sites) take seconds of pure Python (ReportLab,
python-docx); even the agenda's PDF takes a while for a long programme. Built on the
event loop, that worker would answer nobody for that time, live heartbeats included.
So every printed document (the minutes and the notice, PDF and DOCX; the printable
agenda) is built by :func:`run` in a pool of worker processes
(``CONFMGR_DOCUMENT_WORKERS``, default 1; 0 builds in a thread of this process, which
frees the loop between the builder's steps but still shares its interpreter).

The pool belongs to the process and is made on first use: every app of the process
(tests make many) shares it, and a worker that died is replaced on the next build.
A job sent here is a plain module-level function fed plain data (no database object,
nothing of the web application), so that it can travel to another process.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from confmgr.printing.fonts import load_fonts

T = TypeVar("T")

_lock = threading.Lock()
_pools: dict[int, Executor] = {}


def _warm_up() -> None:
    """In a new worker: register the bundled fonts before the first build needs them."""
    load_fonts(None)


def _start_worker() -> None:
    """A worker's first act: end with its server. A server that is killed (not stopped)
    cannot stop its pool, and the worker would wait for work forever."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="confmgr-documents-parent", daemon=True).start()
    _warm_up()


def pool(workers: int) -> Executor:
    """The process's pool of ``workers`` processes (0: a thread pool of one)."""
    with _lock:
        found = _pools.get(workers)
        if found is None:
            if workers <= 0:
                found = ThreadPoolExecutor(max_workers=1, thread_name_prefix="confmgr-documents")
            else:
                # "spawn": a fresh interpreter, never a fork of a process that runs threads
                # and an event loop.
                found = ProcessPoolExecutor(
                    max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
                )
            _pools[workers] = found
        return found


def warm(workers: int) -> None:
    """Start the pool's processes now (a server at start), so that the first download
    does not wait for a new interpreter to import the builders."""
    executor = pool(workers)
    for _ in range(max(1, workers)):
        executor.submit(_warm_up)


def _discard(workers: int, broken: Executor) -> None:
    with _lock:
        if _pools.get(workers) is broken:
            del _pools[workers]
    broken.shutdown(wait=False, cancel_futures=True)


async def run(workers: int, build: Callable[..., T], *args: Any) -> T:
    """``build(*args)`` in the pool; the event loop keeps serving meanwhile."""
    loop = asyncio.get_running_loop()
    executor = pool(workers)
    try:
        return await loop.run_in_executor(executor, build, *args)
    except BrokenProcessPool:
        # A worker died (killed, out of memory): a new pool takes the build once more.
        _discard(workers, executor)
        return await loop.run_in_executor(pool(workers), build, *args)


def shutdown() -> None:
    """Stop every pool of the process (at exit; tests may call it)."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for executor in pools:
        executor.shutdown(wait=True, cancel_futures=True)
