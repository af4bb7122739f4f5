"""Fragments rendered once for everyone asking at the same moment (confmgr.web.fragments)."""

from __future__ import annotations

import asyncio

import pytest

from confmgr.web.fragments import SharedFragments


def test_requests_for_a_fragment_being_rendered_wait_for_that_rendering() -> None:
    async def scenario() -> tuple[list[str], int]:
        shared = SharedFragments()
        release = asyncio.Event()
        calls = 0

        async def render() -> str:
            nonlocal calls
            calls += 1
            await release.wait()
            return f"<p>{calls}</p>"

        waiting = [asyncio.create_task(shared.get("k", render)) for _ in range(5)]
        await asyncio.sleep(0.01)
        release.set()
        return await asyncio.gather(*waiting), calls

    results, calls = asyncio.run(scenario())
    assert results == ["<p>1</p>"] * 5
    assert calls == 1


def test_a_rendered_fragment_is_kept_per_key_and_the_oldest_forgotten() -> None:
    async def scenario() -> tuple[list[str], int]:
        shared = SharedFragments(size=2)
        renders: list[str] = []

        def renderer(key: str):  # noqa: ANN202
            async def render() -> str:
                renders.append(key)
                return key.upper()
            return render

        got = [await shared.get(k, renderer(k)) for k in ("a", "a", "b", "a", "c", "b", "a")]
        return got, len(renders)

    got, renders = asyncio.run(scenario())
    assert got == ["A", "A", "B", "A", "C", "B", "A"]
    # a, b (a kept), c evicts b (a used more recently), b again evicts a, a again.
    assert renders == 5


def test_when_the_rendering_fails_each_waiter_renders_for_itself() -> None:
    async def scenario() -> tuple[BaseException | str, list[str], int]:
        shared = SharedFragments()
        started = asyncio.Event()
        attempts = 0

        async def failing() -> str:
            nonlocal attempts
            attempts += 1
            started.set()
            await asyncio.sleep(0.01)
            raise RuntimeError("database gone")

        async def working() -> str:
            nonlocal attempts
            attempts += 1
            return "<p>ok</p>"

        leader = asyncio.create_task(shared.get("k", failing))
        await started.wait()
        waiters = [asyncio.create_task(shared.get("k", working)) for _ in range(2)]
        first = await asyncio.gather(leader, return_exceptions=True)
        return first[0], await asyncio.gather(*waiters), attempts

    leader, waiters, attempts = asyncio.run(scenario())
    assert isinstance(leader, RuntimeError)
    assert waiters == ["<p>ok</p>", "<p>ok</p>"]
    # The first waiter renders again; the second waits for that one.
    assert attempts == 2


def test_a_cancelled_rendering_leaves_nothing_behind() -> None:
    async def scenario() -> str:
        shared = SharedFragments()

        async def slow() -> str:
            await asyncio.sleep(10)
            return "never"

        async def quick() -> str:
            return "<p>now</p>"

        task = asyncio.create_task(shared.get("k", slow))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return await shared.get("k", quick)

    assert asyncio.run(scenario()) == "<p>now</p>"
