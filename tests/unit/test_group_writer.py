"""The group writer: writes that arrive together commit together, each caller gets
its own result or error, nothing is reported saved that was not, and live events go
out only after the commit."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from confmgr.db import WriterQueue, create_engine, create_session_maker
from confmgr.settings import DatabaseSettings
from confmgr.writes import GroupWriter, Job, WriteFailed

SCHEMA = (
    "CREATE TABLE item (name TEXT PRIMARY KEY)",
    "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
    "CREATE TABLE child (parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)",
)


class Harness:
    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "w.sqlite3"
        self.engine = create_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{self.path}"))
        self.queue = WriterQueue()
        self.published: list[tuple[list[Any], list[str]]] = []
        self.writer = GroupWriter(self.engine, self.queue, self.publish)
        self.batches: list[list[str]] = []

    def publish(self, events: list[Any]) -> None:
        # What another connection sees at the moment the events go out.
        with sqlite3.connect(self.path) as other:
            stored = [row[0] for row in other.execute("SELECT name FROM item ORDER BY name")]
        self.published.append((events, stored))

    def stored(self) -> list[str]:
        with sqlite3.connect(self.path) as other:
            return [row[0] for row in other.execute("SELECT name FROM item ORDER BY name")]

    def add_items(self, job: Job, names: list[str]) -> list[str | Exception]:
        """Inserts each name; refuses names starting with "bad" as a domain error."""
        self.batches.append(list(names))
        outcomes: list[str | Exception] = []
        for name in names:
            if name.startswith("bad"):
                outcomes.append(ValueError(f"refused {name}"))
                continue
            job.connection.execute(text("INSERT INTO item (name) VALUES (:n)"), {"n": name})
            job.emit("items", "added", name)
            outcomes.append(name.upper())
        return outcomes

    def add_orphans(self, job: Job, names: list[str]) -> list[str | Exception]:
        for name in names:
            job.connection.execute(text("INSERT INTO item (name) VALUES (:n)"), {"n": name})
            # Checked only at COMMIT: the group's commit fails.
            job.connection.execute(text("INSERT INTO child (parent_id) VALUES (999)"))
            job.emit("items", "added", name)
        return list(names)

    async def pile_up(self, function: Any, items: list[str]) -> list[Any]:
        """Writes that arrive while another writer holds the database, then run."""
        await self.queue.lock.acquire()
        written_before = list(self.batches)
        calls = [asyncio.create_task(self.writer.run(function, item)) for item in items]
        await asyncio.sleep(0.05)
        assert self.batches == written_before and not any(call.done() for call in calls)
        self.queue.lock.release()
        return await asyncio.gather(*calls, return_exceptions=True)

    async def __aenter__(self) -> Harness:
        async with self.engine.begin() as conn:
            for statement in SCHEMA:
                await conn.execute(text(statement))
        return self

    async def __aexit__(self, *_exc: Any) -> None:
        await self.writer.close()
        await self.engine.dispose()


def test_writes_waiting_together_commit_as_one_batch(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[str], Harness]:
        async with Harness(tmp_path) as h:
            return await h.pile_up(h.add_items, [f"site-{n:02d}" for n in range(40)]), h

    results, h = asyncio.run(scenario())
    assert results == [f"SITE-{n:02d}" for n in range(40)]  # each caller gets its own result
    assert h.batches == [[f"site-{n:02d}" for n in range(40)]]
    assert h.stored() == [f"site-{n:02d}" for n in range(40)]
    # One publication, after the commit: every row was visible to another connection.
    assert len(h.published) == 1
    events, visible = h.published[0]
    assert [e[2] for e in events] == visible == [f"site-{n:02d}" for n in range(40)]


def test_a_refused_item_gets_its_error_and_the_others_commit(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[Any], Harness]:
        async with Harness(tmp_path) as h:
            return await h.pile_up(h.add_items, ["a", "bad-b", "c"]), h

    results, h = asyncio.run(scenario())
    assert results[0] == "A" and results[2] == "C"
    assert isinstance(results[1], ValueError) and str(results[1]) == "refused bad-b"
    assert h.stored() == ["a", "c"]
    assert [e[2] for e in h.published[0][0]] == ["a", "c"]


def test_a_batch_that_fails_is_written_item_by_item(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[Any], Harness]:
        async with Harness(tmp_path) as h:
            assert await h.writer.run(h.add_items, "x") == "X"
            # "x" again breaks the primary key: the batch fails as a whole, then each
            # item is tried alone and only that one fails.
            return await h.pile_up(h.add_items, ["p", "x", "q"]), h

    results, h = asyncio.run(scenario())
    assert results[0] == "P" and results[2] == "Q"
    assert isinstance(results[1], IntegrityError)
    assert h.batches[1:] == [["p", "x", "q"], ["p"], ["x"], ["q"]]
    assert h.stored() == ["p", "q", "x"]
    assert [e[2] for e in h.published[-1][0]] == ["p", "q"]


def test_a_failed_commit_fails_every_caller_and_announces_nothing(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[Any], Harness]:
        async with Harness(tmp_path) as h:
            await h.queue.lock.acquire()
            calls = [
                asyncio.create_task(h.writer.run(h.add_items, "kept-apart")),
                asyncio.create_task(h.writer.run(h.add_orphans, "orphan")),
            ]
            await asyncio.sleep(0.01)
            h.queue.lock.release()
            results = await asyncio.gather(*calls, return_exceptions=True)
            # The writer goes on working after a failed group.
            results.append(await h.writer.run(h.add_items, "after"))
            return results, h

    results, h = asyncio.run(scenario())
    assert all(isinstance(r, WriteFailed) for r in results[:2])
    assert results[2] == "AFTER"
    assert h.stored() == ["after"]
    assert [[e[2] for e in events] for events, _ in h.published] == [["after"]]


def test_a_task_whose_own_session_writes_cannot_wait_for_itself(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with Harness(tmp_path) as h:
            maker = create_session_maker(h.engine, writer_queue=h.queue)
            async with maker() as session:
                await session.execute(text("SELECT count(*) FROM item"))  # now holds the queue
                # The timeout only guards the test: the writer must refuse at once.
                with pytest.raises(RuntimeError, match="writes"):
                    async with asyncio.timeout(5):
                        await h.writer.run(h.add_items, "x")
                await session.rollback()
            assert await h.writer.run(h.add_items, "y") == "Y"

    asyncio.run(scenario())


def test_a_caller_that_goes_away_does_not_withdraw_its_write(tmp_path: Path) -> None:
    async def scenario() -> Harness:
        async with Harness(tmp_path) as h:
            await h.queue.lock.acquire()
            call = asyncio.create_task(h.writer.run(h.add_items, "gone"))
            await asyncio.sleep(0.01)
            call.cancel()
            h.queue.lock.release()
            await h.writer.run(h.add_items, "next")
            return h

    h = asyncio.run(scenario())
    assert h.stored() == ["gone", "next"]


def test_the_log_is_copied_back_beside_the_writer(tmp_path: Path) -> None:
    """The writer's own commits do not checkpoint; the checkpointer does, soon after."""

    def rows_in_database_file() -> int:
        # The main file alone, without its write-ahead log: only checkpointed rows.
        copy = tmp_path / "copy.sqlite3"
        copy.write_bytes((tmp_path / "w.sqlite3").read_bytes())
        with sqlite3.connect(copy) as db:
            return int(db.execute("SELECT count(*) FROM item").fetchone()[0])

    async def scenario() -> list[int]:
        async with Harness(tmp_path) as h:
            # The schema itself went through the other engine's connection; copy it back.
            async with h.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            seen = [rows_in_database_file()]
            await asyncio.gather(*(h.writer.run(h.add_items, f"n{n}") for n in range(20)))
            for _ in range(100):
                if rows_in_database_file() == 20:
                    break
                await asyncio.sleep(0.05)
            seen.append(rows_in_database_file())
            return seen

    assert asyncio.run(scenario()) == [0, 20]
