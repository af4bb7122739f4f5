"""SQLite writers of one process queue in order; readers do not queue; a session
marked read-only cannot write by mistake."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from confmgr.db import READ_ONLY, ReadOnlySessionWrite, WriterQueue, create_engine, create_session_maker
from confmgr.settings import DatabaseSettings


def _setup(tmp_path: Path) -> DatabaseSettings:
    settings = DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'q.sqlite3'}")
    return settings


def test_concurrent_writers_all_commit_without_busy_errors(tmp_path: Path) -> None:
    async def scenario() -> int:
        engine = create_engine(_setup(tmp_path))
        maker = create_session_maker(engine, writer_queue=WriterQueue())
        async with maker() as db:
            await db.execute(text("CREATE TABLE t (n INTEGER)"))
            await db.commit()

        async def writer(n: int) -> None:
            async with maker() as db:
                # Read, then write: the pattern that fails in SQLite when another
                # writer commits in between, unless writers queue.
                await db.execute(text("SELECT COUNT(*) FROM t"))
                await asyncio.sleep(0)
                await db.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
                await db.commit()

        async def reader() -> int:
            async with maker() as db:
                db.sync_session.info[READ_ONLY] = True
                return int((await db.execute(text("SELECT COUNT(*) FROM t"))).scalar_one())

        await asyncio.gather(*(writer(n) for n in range(64)), *(reader() for _ in range(16)))
        async with maker() as db:
            count = int((await db.execute(text("SELECT COUNT(*) FROM t"))).scalar_one())
        await engine.dispose()
        return count

    assert asyncio.run(scenario()) == 64


def test_read_only_session_refuses_to_write(tmp_path: Path) -> None:
    async def scenario() -> None:
        engine = create_engine(_setup(tmp_path))
        maker = create_session_maker(engine, writer_queue=WriterQueue())
        async with maker() as db:
            await db.execute(text("CREATE TABLE t (n INTEGER)"))
            await db.commit()
        from confmgr.agency.models import Agency

        async with maker() as db:
            db.sync_session.info[READ_ONLY] = True
            db.add(Agency(name="Sở Nội vụ", parent_name="", abbreviation="SNV", place_name="Bình Định"))
            with pytest.raises(ReadOnlySessionWrite):
                await db.flush()
        await engine.dispose()

    asyncio.run(scenario())
