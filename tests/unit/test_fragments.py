"""Fragments rendered once for everyone asking at the same moment (confmgr.web.fragments):
a caller is only ever given a rendering that started after it asked."""

from __future__ import annotations

import asyncio

import pytest

from confmgr.web.fragments import SharedFragments


def test_callers_arriving_during_a_rendering_share_the_next_one() -> None:
    async def scenario() -> tuple[list[str], list[str], int]:
        shared = SharedFragments()
        data = {"version": 1}
        release = asyncio.Event()

        async def render() -> str:
            seen = data["version"]  # what the rendering reads, when it starts
            await release.wait()
            return f"v{seen}"

        first = asyncio.create_task(shared.get("board", render))
        await asyncio.sleep(0.01)  # the first rendering is under way...
        data["version"] = 2  # ...when a change commits, and four viewers refresh for it
        later = [asyncio.create_task(shared.get("board", render)) for _ in range(4)]
        await asyncio.sleep(0.01)
        release.set()
        return [await first], await asyncio.gather(*later), shared.renders

    first, later, renders = asyncio.run(scenario())
    assert first == ["v1"]
    assert later == ["v2"] * 4  # never the rendering that started before them
    assert renders == 2


def test_keys_are_rendered_apart_and_nothing_is_kept_afterwards() -> None:
    async def scenario() -> tuple[list[str], int]:
        shared = SharedFragments()
        calls = 0

        def renderer(text: str):  # noqa: ANN202
            async def render() -> str:
                nonlocal calls
                calls += 1
                return text
            return render

        got = [await shared.get(k, renderer(k)) for k in ("a", "b", "a")]
        return got, calls

    got, calls = asyncio.run(scenario())
    assert got == ["a", "b", "a"]
    assert calls == 3  # one after the other: each asked after the last one ended


def test_a_failed_rendering_fails_its_callers_and_the_next_one_reads_again() -> None:
    async def scenario() -> tuple[list[object], str]:
        shared = SharedFragments()
        started = asyncio.Event()

        async def failing() -> str:
            started.set()
            await asyncio.sleep(0.01)
            raise RuntimeError("database gone")

        async def working() -> str:
            return "<p>ok</p>"

        leader = asyncio.create_task(shared.get("k", failing))
        await started.wait()
        joined = asyncio.create_task(shared.get("k", failing))  # waits for the next one
        results = await asyncio.gather(leader, joined, return_exceptions=True)
        return list(results), await shared.get("k", working)

    results, after = asyncio.run(scenario())
    assert all(isinstance(r, RuntimeError) for r in results)
    assert after == "<p>ok</p>"


def test_when_the_caller_rendering_goes_away_a_waiter_renders_in_its_place() -> None:
    async def scenario() -> tuple[list[str], int]:
        shared = SharedFragments()
        release = asyncio.Event()
        calls = 0

        async def render() -> str:
            nonlocal calls
            calls += 1
            await release.wait()
            return "<p>state</p>"

        running = asyncio.create_task(shared.get("k", render))
        await asyncio.sleep(0.01)
        waiting = asyncio.create_task(shared.get("k", render))  # the next rendering's leader
        joined = [asyncio.create_task(shared.get("k", render)) for _ in range(3)]
        await asyncio.sleep(0.01)
        waiting.cancel()  # its phone went away before its rendering started
        with pytest.raises(asyncio.CancelledError):
            await waiting
        release.set()
        await running
        return list(await asyncio.gather(*joined)), calls

    joined, calls = asyncio.run(scenario())
    assert joined == ["<p>state</p>"] * 3
    assert calls == 2  # the first, and one for the three that were waiting
