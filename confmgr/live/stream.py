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
from litestar.response import ServerSentEvent, Stream

from confmgr.db import READ_ONLY
from confmgr.live.events import frame

HEARTBEAT_SECONDS = 20.0
KEEP_ALIVE = b": keep-alive\n\n"
RETRY = b"retry: 2000\n\n"


class FramedServerSentEvent(ServerSentEvent):
    """An SSE response whose content is already framed bytes (see ``events.frame``).

    Litestar's own ServerSentEvent frames every message for every subscriber; here the
    frame is built once when the change is published and each stream forwards it.
    """

    def __init__(self, content: AsyncIterator[bytes], headers: dict[str, Any]) -> None:
        Stream.__init__(self, content=content, media_type="text/event-stream", headers=headers)
        self.headers["Connection"] = "keep-alive"


async def _events(
    app: Litestar,
    channels: list[str],
    initial: Callable[[], Awaitable[Iterable[tuple[str, str]]]],
) -> AsyncIterator[bytes]:
    plugin = app.plugins.get(ChannelsPlugin)
    subscriber = await plugin.subscribe(channels)
    try:
        yield RETRY
        # Subscribe first, then read the state: nothing that happens in between is missed.
        for event, data in await initial():
            yield frame(event, data)
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
                    yield KEEP_ALIVE
                    continue
                try:
                    raw = pending.result()
                except StopAsyncIteration:
                    return
                finally:
                    pending = None
                yield raw
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
    return FramedServerSentEvent(_events(app, channels, initial), headers=headers)


def short_session(app: Litestar) -> Any:
    """A read-only session of its own, for a moment: ``async with short_session(app) as db``.

    Streams only read; marked so, they never queue behind writers (see db.WriterQueue).
    """
    session = app.state.session_maker()
    session.sync_session.info[READ_ONLY] = True
    return session
