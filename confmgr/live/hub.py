"""One process's live streams: one subscription per channel, shared by every stream.

With 10,000 phones following a meeting, the costs that matter are per stream, so the
hub keeps them to a few small objects and does the rest once per change:

- **One subscription per channel and process.** Litestar Channels (in memory, or Redis
  with several workers) delivers a change once to the hub; the hub hands the same
  already-framed bytes to every stream of the channel.
- **Fan-out in batches that yield.** Handing a frame to a stream wakes it; the hub
  wakes ``FANOUT_BATCH`` streams, then lets the event loop serve requests before the
  next batch, so a change to 10,000 streams never holds the loop for long.
- **Event ids and a ring.** Every published event carries an id (given once by the
  publisher, so every worker sees the same one). The hub keeps the last ``RING_SIZE``
  events per channel: a client that reconnects with ``Last-Event-ID`` gets what it
  missed, nothing if it missed nothing, or the current state when the ring no longer
  reaches back that far.
- **The current state, cached.** For channels whose events are whole states (a site's
  live view), the last such event *is* the current state: a new stream gets it from
  memory. Only when there is none (after a start) does one shared reading render it.
- **Heartbeats from one task**, in batches, instead of one timer per stream, and only
  to channels that sent nothing for a while: a channel busy with changes already keeps
  its connections alive, and a heartbeat is a fan-out of its own.
- **Streams of a site** are known, so a revoked or rotated link closes its streams at
  once (``close_site``, through the control channel so every worker hears it), and a
  link can be limited to a number of concurrent streams.

Memory per stream is bounded: a stream that does not read keeps at most
``SLOT_BACKLOG`` frames; past that its backlog is dropped and it is sent the current
state instead (what it missed is then of no use anyway).
"""

from __future__ import annotations

import asyncio
import random
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

from litestar import Litestar
from litestar.channels import ChannelsPlugin

from confmgr.live.events import CONTROL_CHANNEL, frame, parse_header

RING_SIZE = 128
FANOUT_BATCH = 250
SLOT_BACKLOG = 64
HEARTBEAT_SECONDS = 20.0
# A cached state older than this is read again (a safety net: every change replaces it).
STATE_TTL_SECONDS = 300.0
# Clients are told to come back after a delay drawn from this range (milliseconds), so
# that after a blip thousands of phones do not return in the same instant.
RETRY_MIN_MS = 1000
RETRY_MAX_MS = 6000
# A site whose link was closed this recently refuses streams that were checked before.
CLOSED_MEMORY_SECONDS = 120.0

KEEP_ALIVE = b": keep-alive\n\n"
_STATE_KEY = "confmgr_live_hub"

Initial = Callable[[], Awaitable[Iterable[tuple[str, str]]]]


def retry_frame() -> bytes:
    return f"retry: {random.randint(RETRY_MIN_MS, RETRY_MAX_MS)}\n\n".encode()


class Slot:
    """One open stream: what waits to be written, and how to wake it."""

    __slots__ = ("pending", "waiter", "closed", "resync", "site_id", "__weakref__")

    def __init__(self, site_id: int | None = None) -> None:
        self.pending: deque[bytes] = deque()
        self.waiter: asyncio.Future[None] | None = None
        self.closed = False
        self.resync = False
        self.site_id = site_id

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def push(self, data: bytes) -> None:
        if len(self.pending) >= SLOT_BACKLOG:
            # A stream this far behind gets the current state instead of the backlog.
            self.pending.clear()
            self.resync = True
        else:
            self.pending.append(data)
        self._wake()

    def close(self) -> None:
        self.closed = True
        self._wake()

    async def wait(self) -> None:
        if self.pending or self.closed or self.resync:
            return
        self.waiter = asyncio.get_running_loop().create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None


class Channel:
    __slots__ = ("name", "slots", "ring", "states", "seq", "ready", "task", "last_used", "last_frame_at")

    def __init__(self, name: str) -> None:
        self.name = name
        self.slots: set[Slot] = set()
        # (event id, event name, framed bytes), oldest first
        self.ring: deque[tuple[str, str, bytes]] = deque(maxlen=RING_SIZE)
        # event name -> (when, framed bytes): the last whole-state event of that name
        self.states: dict[str, tuple[float, bytes]] = {}
        self.seq = 0
        self.ready: asyncio.Future[None] | None = None
        self.task: asyncio.Task[None] | None = None
        self.last_used = time.monotonic()
        self.last_frame_at = float("-inf")  # when a change was last handed to the streams

    def since(self, last_event_id: str) -> list[bytes] | None:
        """The frames after ``last_event_id``, or None when the ring does not hold it."""
        for index in range(len(self.ring) - 1, -1, -1):
            if self.ring[index][0] == last_event_id:
                return [entry[2] for entry in list(self.ring)[index + 1:]]
        return None


class Hub:
    def __init__(self, plugin: ChannelsPlugin) -> None:
        self.plugin = plugin
        self.channels: dict[str, Channel] = {}
        self.sites: dict[int, weakref.WeakSet[Slot]] = {}
        self.closed_sites: dict[int, float] = {}
        self._control: asyncio.Task[None] | None = None
        self._control_ready: asyncio.Future[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._subscribing: asyncio.Lock | None = None
        # Called with a site id when its link closes (e.g. to forget a cached check).
        self.on_close_site: list[Callable[[int], None]] = []

    # ---- subscriptions ---------------------------------------------------------------

    async def _channel(self, name: str) -> Channel:
        channel = self.channels.get(name)
        if channel is None:
            channel = Channel(name)
            self.channels[name] = channel
            channel.ready = asyncio.get_running_loop().create_future()
            channel.task = asyncio.create_task(self._listen(channel), name=f"live:{name}")
        self._ensure_background()
        assert channel.ready is not None
        await asyncio.shield(channel.ready)
        channel.last_used = time.monotonic()
        return channel

    async def _subscribe(self, name: str) -> Any:
        """One subscription at a time: the Redis backend's pub/sub connection is made by
        the first SUBSCRIBE, and two first ones at once each make their own, one of which
        is then lost with its channel (seen as a stream that never heard of a revoke)."""
        if self._subscribing is None:
            self._subscribing = asyncio.Lock()
        async with self._subscribing:
            return await self.plugin.subscribe([name])

    async def _listen(self, channel: Channel) -> None:
        assert channel.ready is not None
        try:
            subscriber = await self._subscribe(channel.name)
        except BaseException as exc:
            channel.ready.set_exception(exc)
            channel.ready.exception()
            self.channels.pop(channel.name, None)
            raise
        channel.ready.set_result(None)
        try:
            async for raw in subscriber.iter_events():
                await self._deliver(channel, raw)
        finally:
            await self.plugin.unsubscribe(subscriber)

    async def _deliver(self, channel: Channel, raw: bytes) -> None:
        event_id, event = parse_header(raw)
        channel.seq += 1
        if event_id:
            channel.ring.append((event_id, event, raw))
        channel.states[event] = (time.monotonic(), raw)
        channel.last_frame_at = time.monotonic()
        slots = list(channel.slots)
        for start in range(0, len(slots), FANOUT_BATCH):
            if start:
                await asyncio.sleep(0)  # let the loop serve requests between batches
            for slot in slots[start:start + FANOUT_BATCH]:
                slot.push(raw)

    def _ensure_background(self) -> None:
        if self._control is None or self._control.done():
            self._control_ready = asyncio.get_running_loop().create_future()
            self._control = asyncio.create_task(self._listen_control(), name="live:control")
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(self._beat(), name="live:heartbeat")

    async def _listen_control(self) -> None:
        assert self._control_ready is not None
        subscriber = await self._subscribe(CONTROL_CHANNEL)
        self._control_ready.set_result(None)
        try:
            async for raw in subscriber.iter_events():
                _id, event = parse_header(raw)
                if event == "close-site":
                    for line in raw.decode().split("\n"):
                        if line.startswith("data: ") and line[6:].strip().isdigit():
                            self.close_site(int(line[6:]))
        finally:
            await self.plugin.unsubscribe(subscriber)

    async def control_ready(self) -> None:
        self._ensure_background()
        assert self._control_ready is not None
        await asyncio.shield(self._control_ready)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            await self.beat_once()
            now = time.monotonic()
            for site_id, at in list(self.closed_sites.items()):
                if now - at > CLOSED_MEMORY_SECONDS:
                    del self.closed_sites[site_id]

    async def beat_once(self) -> None:
        """A keep-alive to every idle stream of the channels quiet for half a period
        (a stream then goes at most one and a half periods without a byte)."""
        now = time.monotonic()
        for channel in list(self.channels.values()):
            if now - channel.last_frame_at < HEARTBEAT_SECONDS / 2:
                continue
            slots = list(channel.slots)
            for start in range(0, len(slots), FANOUT_BATCH):
                if start:
                    await asyncio.sleep(0)
                for slot in slots[start:start + FANOUT_BATCH]:
                    if not slot.pending:
                        slot.push(KEEP_ALIVE)

    # ---- sites --------------------------------------------------------------------------

    def streams_of_site(self, site_id: int) -> int:
        slots = self.sites.get(site_id)
        return len(slots) if slots is not None else 0

    def admit(self, site_id: int | None, checked_at: float) -> Slot:
        """A slot for a stream whose link was checked at ``checked_at`` (monotonic).

        The slot counts toward the site's streams from now on, and is forgotten with
        the stream (weakly held, so a response that never starts leaks nothing).
        """
        slot = Slot(site_id)
        if site_id is not None:
            closed_at = self.closed_sites.get(site_id)
            if closed_at is not None and closed_at >= checked_at:
                slot.closed = True  # the link changed while it was being checked
            self.sites.setdefault(site_id, weakref.WeakSet()).add(slot)
        return slot

    def close_site(self, site_id: int) -> int:
        """End every open stream of a site (its link was revoked or replaced)."""
        self.closed_sites[site_id] = time.monotonic()
        for callback in self.on_close_site:
            callback(site_id)
        slots = self.sites.pop(site_id, None)
        if not slots:
            return 0
        found = list(slots)
        for slot in found:
            slot.close()
        return len(found)

    # ---- one stream ---------------------------------------------------------------------

    def cached_state(self, channel_name: str, event: str) -> bytes | None:
        channel = self.channels.get(channel_name)
        if channel is None:
            return None
        found = channel.states.get(event)
        if found is None or time.monotonic() - found[0] > STATE_TTL_SECONDS:
            return None
        return found[1]

    async def stream(
        self,
        channel_names: list[str],
        initial: Initial,
        *,
        slot: Slot | None = None,
        state_event: str | None = None,
        last_event_id: str | None = None,
    ) -> AsyncIterator[bytes]:
        """The bytes of one SSE stream: retry, what was missed or the current state, then changes."""
        slot = slot or Slot()
        channels = [await self._channel(name) for name in channel_names]
        for channel in channels:
            channel.slots.add(slot)
        try:
            yield retry_frame()
            if slot.closed:
                return
            missed: list[bytes] | None = None
            if last_event_id and len(channels) == 1:
                missed = channels[0].since(last_event_id)
            if missed is not None:
                for raw in missed:
                    yield raw
            else:
                for raw in await self._current(channels, initial, state_event):
                    yield raw
            while True:
                await slot.wait()
                if slot.closed:
                    return
                if slot.resync:
                    slot.resync = False
                    slot.pending.clear()
                    for raw in await self._current(channels, initial, state_event):
                        yield raw
                    continue
                while slot.pending:
                    yield slot.pending.popleft()
        finally:
            for channel in channels:
                channel.slots.discard(slot)
                channel.last_used = time.monotonic()
            self.release(slot)

    def release(self, slot: Slot) -> None:
        """The stream ended: it no longer counts toward its site's streams."""
        if slot.site_id is not None:
            slots = self.sites.get(slot.site_id)
            if slots is not None:
                slots.discard(slot)
                if not slots:
                    del self.sites[slot.site_id]

    async def _current(self, channels: list[Channel], initial: Initial, state_event: str | None) -> list[bytes]:
        if state_event is not None and len(channels) == 1:
            channel = channels[0]
            cached = self.cached_state(channel.name, state_event)
            if cached is not None:
                return [cached]
            seq = channel.seq
            frames = [frame(event, data) for event, data in await initial()]
            # Kept only if no change arrived during the reading (it would be newer).
            if channel.seq == seq and len(frames) == 1:
                channel.states[state_event] = (time.monotonic(), frames[0])
            return frames
        return [frame(event, data) for event, data in await initial()]


def hub(app: Litestar) -> Hub:
    found = app.state.get(_STATE_KEY)
    if found is None:
        found = Hub(app.plugins.get(ChannelsPlugin))
        app.state[_STATE_KEY] = found
    return found  # type: ignore[no-any-return]
