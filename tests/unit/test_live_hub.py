"""The live hub: retry with jitter, Last-Event-ID, the cached state, bounded slots,
fan-out in batches that let other work run."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend

from confmgr.live import hub as hub_module
from confmgr.live.events import decode, frame
from confmgr.live.hub import KEEP_ALIVE, SLOT_BACKLOG, Hub, Slot

CHANNEL = "meeting:1:live"


def _run(scenario: Any) -> Any:
    async def main() -> Any:
        plugin = ChannelsPlugin(backend=MemoryChannelsBackend(), arbitrary_channels_allowed=True)
        async with plugin:
            return await scenario(plugin, Hub(plugin))

    return asyncio.run(main())


async def _next(stream: Any) -> bytes:
    while True:
        message: bytes = await asyncio.wait_for(stream.__anext__(), 2)
        if message != KEEP_ALIVE:
            return message


def test_retry_delays_are_spread() -> None:
    delays = {int(hub_module.retry_frame().split()[1]) for _ in range(200)}
    assert all(hub_module.RETRY_MIN_MS <= d <= hub_module.RETRY_MAX_MS for d in delays)
    assert len(delays) > 50  # not one value for everybody


def test_last_event_id_gets_what_was_missed_nothing_or_the_state() -> None:
    readings = 0

    async def initial() -> list[tuple[str, str]]:
        nonlocal readings
        readings += 1
        return [("live", "read-from-database")]

    async def scenario(plugin: ChannelsPlugin, hub: Hub) -> dict[str, Any]:
        first = hub.stream([CHANNEL], initial, state_event="live")
        await _next(first)  # retry
        assert decode(await _next(first)) == ("live", "read-from-database")
        for n in range(1, 4):
            plugin.publish(frame("live", f"state-{n}", f"id-{n}"), CHANNEL)
            assert decode(await _next(first)) == ("live", f"state-{n}")
        await first.aclose()
        out: dict[str, Any] = {}
        resumed = hub.stream([CHANNEL], initial, state_event="live", last_event_id="id-1")
        await _next(resumed)
        out["missed"] = [decode(await _next(resumed)) for _ in range(2)]
        await resumed.aclose()
        current = hub.stream([CHANNEL], initial, state_event="live", last_event_id="id-3")
        await _next(current)
        plugin.publish(frame("live", "state-4", "id-4"), CHANNEL)
        out["up_to_date_next"] = decode(await _next(current))  # nothing replayed before it
        await current.aclose()
        unknown = hub.stream([CHANNEL], initial, state_event="live", last_event_id="from-before-a-restart")
        await _next(unknown)
        out["unknown"] = decode(await _next(unknown))
        await unknown.aclose()
        return out

    out = _run(scenario)
    assert out["missed"] == [("live", "state-2"), ("live", "state-3")]
    assert out["up_to_date_next"] == ("live", "state-4")
    # The state after a change is the last whole-state event, served without a reading.
    assert out["unknown"] == ("live", "state-4")
    assert readings == 1


def test_new_streams_share_the_cached_state() -> None:
    readings = 0

    async def initial() -> list[tuple[str, str]]:
        nonlocal readings
        readings += 1
        await asyncio.sleep(0.01)
        return [("live", "now")]

    async def scenario(plugin: ChannelsPlugin, hub: Hub) -> list[tuple[str, str]]:
        streams = [hub.stream([CHANNEL], initial, state_event="live") for _ in range(50)]
        got = []
        for s in streams[:1]:
            await _next(s)
            got.append(decode(await _next(s)))
        for s in streams[1:]:
            await _next(s)
            got.append(decode(await _next(s)))
        for s in streams:
            await s.aclose()
        return got

    got = _run(scenario)
    assert got == [("live", "now")] * 50
    assert readings == 1


def test_a_stream_that_does_not_read_keeps_a_bounded_backlog_then_gets_the_state() -> None:
    async def initial() -> list[tuple[str, str]]:
        return [("live", "start")]

    async def scenario(plugin: ChannelsPlugin, hub: Hub) -> tuple[int, bool, tuple[str, str]]:
        slot = Slot()
        stream = hub.stream([CHANNEL], initial, slot=slot, state_event="live")
        await _next(stream)
        await _next(stream)
        for n in range(SLOT_BACKLOG * 3):
            plugin.publish(frame("live", f"state-{n}", f"id-{n}"), CHANNEL)
        for _ in range(50):
            await asyncio.sleep(0)
        backlog, resync = len(slot.pending), slot.resync
        after = decode(await _next(stream))
        await stream.aclose()
        return backlog, resync, after

    backlog, resync, after = _run(scenario)
    assert backlog <= SLOT_BACKLOG and resync
    assert after == ("live", f"state-{SLOT_BACKLOG * 3 - 1}")


def test_fan_out_lets_other_work_run_between_batches(monkeypatch: Any) -> None:
    monkeypatch.setattr(hub_module, "FANOUT_BATCH", 100)

    async def initial() -> list[tuple[str, str]]:
        return [("live", "start")]

    async def scenario(plugin: ChannelsPlugin, hub: Hub) -> tuple[int, int]:
        slots = [Slot() for _ in range(1000)]
        streams = [hub.stream([CHANNEL], initial, slot=s) for s in slots]
        for s in streams:
            await _next(s)
            await _next(s)
        progress: list[int] = []

        async def request() -> None:  # some other work of the event loop
            for _ in range(100):
                progress.append(sum(1 for s in slots if s.pending))
                await asyncio.sleep(0)

        plugin.publish(frame("live", "change", "id-1"), CHANNEL)
        await asyncio.gather(request(), asyncio.sleep(0.05))
        reached = sum(1 for s in slots if s.pending)
        for s in streams:
            await s.aclose()
        # The other work ran while some slots had the frame and others not yet.
        return sum(1 for p in progress if 0 < p < 1000), reached

    partial, reached = _run(scenario)
    assert reached == 1000
    assert partial >= 5


def test_close_site_ends_only_that_sites_streams() -> None:
    async def initial() -> list[tuple[str, str]]:
        return [("live", "start")]

    async def scenario(plugin: ChannelsPlugin, hub: Hub) -> tuple[list[bool], int]:
        slots = [hub.admit(7, 0.0), hub.admit(7, 0.0), hub.admit(8, 0.0)]
        streams = [hub.stream([CHANNEL], initial, slot=s) for s in slots]
        for s in streams:
            await _next(s)
            await _next(s)
        assert hub.streams_of_site(7) == 2
        hub.close_site(7)
        ended = []
        for s in streams:
            try:
                await asyncio.wait_for(s.__anext__(), 0.2)
                ended.append(False)
            except StopAsyncIteration:
                ended.append(True)
            except asyncio.TimeoutError:
                ended.append(False)
        await streams[2].aclose()
        return ended, hub.streams_of_site(8)

    ended, left = _run(scenario)
    assert ended == [True, True, False]
    assert left == 0


def test_heartbeats_go_only_to_channels_quiet_for_a_while() -> None:
    """A channel that just carried a change needs no keep-alive (10,000 streams each
    written to for nothing); a quiet one gets it."""
    busy, quiet = "meeting:1:live", "meeting:2:live"

    async def initial() -> list[tuple[str, str]]:
        return [("live", "state")]

    async def scenario(plugin: ChannelsPlugin, hub: Hub) -> tuple[bytes, bytes | None]:
        streams = {name: hub.stream([name], initial, state_event="live") for name in (busy, quiet)}
        for stream in streams.values():
            await _next(stream)  # retry
            await _next(stream)  # the state
        plugin.publish(frame("live", "changed", "id-1"), busy)
        assert decode(await _next(streams[busy])) == ("live", "changed")
        await hub.beat_once()
        quiet_got = await asyncio.wait_for(streams[quiet].__anext__(), 2)
        try:
            busy_got = await asyncio.wait_for(streams[busy].__anext__(), 0.2)
        except asyncio.TimeoutError:
            busy_got = None
        for stream in streams.values():
            await stream.aclose()
        return quiet_got, busy_got

    quiet_got, busy_got = _run(scenario)
    assert quiet_got == KEEP_ALIVE
    assert busy_got is None
