"""``db.after_commit``: what may only follow a commit runs once the session's own
transaction commits, whoever commits it; never after a rollback, nor after the
rollback of the savepoint it was queued in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.db import WriterQueue, after_commit, create_engine, create_session_maker
from confmgr.settings import DatabaseSettings


def _run(tmp_path: Path, scenario: Callable[[AsyncSession, list[str]], Awaitable[None]], *, queued: bool = True) -> list[str]:
    ran: list[str] = []

    async def main() -> None:
        engine = create_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'c.sqlite3'}"))
        maker = create_session_maker(engine, writer_queue=WriterQueue() if queued else None)
        async with maker() as db:
            await db.execute(text("CREATE TABLE IF NOT EXISTS t (n INTEGER)"))
            await db.commit()
        async with maker() as db:
            await scenario(db, ran)
        await engine.dispose()

    asyncio.run(main())
    return ran


def _note(ran: list[str], name: str) -> Callable[[], None]:
    return lambda: ran.append(name)


async def _write(db: AsyncSession, n: int) -> None:
    await db.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})


def test_runs_once_the_transaction_commits_and_only_then(tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    async def scenario(db: AsyncSession, ran: list[str]) -> None:
        await _write(db, 1)
        after_commit(db, _note(ran, "committed"))
        await db.flush()
        seen["before"] = list(ran)
        await db.commit()
        seen["after"] = list(ran)
        await db.commit()  # a second commit runs nothing again
        seen["again"] = list(ran)

    _run(tmp_path, scenario)
    assert seen == {"before": [], "after": ["committed"], "again": ["committed"]}


def test_every_kind_of_session(tmp_path: Path) -> None:
    """Not only the server's queued sessions: a plain one (the command line's) too."""

    async def scenario(db: AsyncSession, ran: list[str]) -> None:
        await _write(db, 1)
        after_commit(db, _note(ran, "plain"))
        await db.commit()

    assert _run(tmp_path, scenario, queued=False) == ["plain"]


def test_never_after_a_rollback_or_a_close_without_commit(tmp_path: Path) -> None:
    async def scenario(db: AsyncSession, ran: list[str]) -> None:
        await _write(db, 1)
        after_commit(db, _note(ran, "rolled back"))
        await db.rollback()
        await _write(db, 2)
        after_commit(db, _note(ran, "closed"))
        await db.close()
        await _write(db, 3)
        await db.commit()

    assert _run(tmp_path, scenario) == []


def test_a_savepoint_rolled_back_takes_its_callbacks_with_it(tmp_path: Path) -> None:
    async def scenario(db: AsyncSession, ran: list[str]) -> None:
        await _write(db, 1)
        after_commit(db, _note(ran, "outer"))
        async with db.begin_nested():
            after_commit(db, _note(ran, "released"))
        try:
            async with db.begin_nested():
                after_commit(db, _note(ran, "inner rolled back"))
                async with db.begin_nested():
                    after_commit(db, _note(ran, "nested deeper"))
                raise RuntimeError("refused")
        except RuntimeError:
            pass
        assert ran == []  # releasing a savepoint is no commit
        await db.commit()

    assert _run(tmp_path, scenario) == ["outer", "released"]


def test_a_failing_callback_is_logged_and_the_others_run(tmp_path: Path, caplog: Any) -> None:
    def fail() -> None:
        raise OSError("disk gone")

    async def scenario(db: AsyncSession, ran: list[str]) -> None:
        await _write(db, 1)
        after_commit(db, fail)
        after_commit(db, _note(ran, "second"))
        await db.commit()

    assert _run(tmp_path, scenario) == ["second"]
    assert "after-commit callback failed" in caplog.text
