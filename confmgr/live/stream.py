"""Server-sent event streams that start with the current state.

A browser that reconnects (htmx's SSE extension does so on its own) first receives
what is true now, then every change; it never shows what was true before the drop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

from litestar import Litestar
from litestar.channels import ChannelsPlugin
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from confmgr.live.events import decode

HEARTBEAT_SECONDS = 20.0
# A slow client whose queue fills up loses old events rather than slowing everyone;
# the next event (or its reconnect) brings it back to the current state.
QUEUE_SIZE = 64


async def _events(
    app: Litestar,
    channels: list[str],
    initial: Callable[[], Awaitable[Iterable[tuple[str, str]]]],
) -> AsyncIterator[ServerSentEventMessage]:
    plugin = app.plugins.get(ChannelsPlugin)
    subscriber = await plugin.subscribe(channels)
    try:
        # Subscribe first, then read the state: nothing that happens in between is missed.
        for event, data in await initial():
            yield ServerSentEventMessage(event=event, data=data)
        stream = subscriber.iter_events().__aiter__()
        # One pending read survives the heartbeat timeouts: cancelling the read (as
        # wait_for does) would close the subscriber's generator and end the stream
        # after the first quiet period.
        pending: asyncio.Future[bytes] | None = None
        try:
            while True:
                if pending is None:
                    pending = asyncio.ensure_future(stream.__anext__())
                done, _ = await asyncio.wait({pending}, timeout=HEARTBEAT_SECONDS)
                if not done:
                    yield ServerSentEventMessage(comment="keep-alive")
                    continue
                try:
                    raw = pending.result()
                except StopAsyncIteration:
                    return
                finally:
                    pending = None
                event, data = decode(raw)
                yield ServerSentEventMessage(event=event, data=data)
        finally:
            if pending is not None:
                pending.cancel()
    finally:
        await plugin.unsubscribe(subscriber)


def sse_response(
    app: Litestar,
    channels: list[str],
    initial: Callable[[], Awaitable[Iterable[tuple[str, str]]]],
) -> ServerSentEvent:
    headers: dict[str, Any] = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return ServerSentEvent(_events(app, channels, initial), headers=headers, retry_duration=2000)


def short_session(app: Litestar) -> Any:
    """A session of its own, for a moment: ``async with short_session(app) as db``."""
    return app.state.session_maker()
