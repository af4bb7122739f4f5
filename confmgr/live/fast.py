"""The short way in for a site's live stream (``GET /s/<token>/live``).

Measured with 1,000 streams opened at once, going through the whole application stack
(routing, locale, CSRF cookie, sessions, exception layers, response objects, a task
group per stream) cost about 2 ms of CPU per stream, most of it outside confmgr:
10,000 phones reconnecting after a blip would have kept both cores busy for 10 s
before the last one got a byte. A stream needs none of that: it checks its link (a
shared query or a cached read, see ``confmgr.live.sites``) and forwards frames.

So this wraps the application's ASGI handler: a live-stream request whose link is
valid and under its limit is answered here, directly; everything else (a bad link, a
link over its limit, any other path) goes on to the application, whose route gives
the proper page, language and headers. The stream's answer carries the private
headers of the portal (no caching, no referrer, not indexed). What a stream starts
with (the live view's current state) is the agenda's, handed over by ``app.py``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Litestar

from confmgr.errors import DomainError
from confmgr.live.events import live_channel
from confmgr.live.hub import hub
from confmgr.live.sites import open_site_stream

LIVE_PATH = re.compile(r"/s/([A-Za-z0-9_-]{1,128})/live")
# (app, meeting id, when the stream subscribed) -> the live view's whole state.
StateReader = Callable[[Litestar, int, float], Awaitable[str]]
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-store"),
    (b"x-accel-buffering", b"no"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-robots-tag", b"noindex, nofollow"),
    (b"x-content-type-options", b"nosniff"),
]


async def _until_disconnect(receive: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def serve_site_stream(
    app: Litestar, token: str, scope: Any, receive: Any, send: Any, state_event: str, current_state: StateReader
) -> bool:
    """Serve the stream and return True, or False to let the application answer."""
    try:
        _site_id, meeting_id, slot = await open_site_stream(app, token, app.state.settings.live_streams_per_link)
    except DomainError:
        return False
    last_event_id = None
    for name, value in scope["headers"]:
        if name == b"last-event-id":
            last_event_id = value.decode("latin-1")[:128]

    async def initial() -> list[tuple[str, str]]:
        subscribed_at = time.monotonic()
        return [(state_event, await current_state(app, meeting_id, subscribed_at))]

    frames = hub(app).stream(
        [live_channel(meeting_id)], initial, slot=slot, state_event=state_event, last_event_id=last_event_id
    )
    watcher = asyncio.ensure_future(_until_disconnect(receive))
    watcher.add_done_callback(lambda _task: slot.close())
    try:
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        async for chunk in frames:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    except OSError:
        pass
    finally:
        watcher.cancel()
        await frames.aclose()
    return True


def install(app: Litestar, state_event: str, current_state: StateReader) -> None:
    """Put the short way in front of the application's ASGI handler; a stream starts
    with ``current_state(app, meeting_id, subscribed_at)`` as its ``state_event``."""
    inner = app.asgi_handler

    async def handler(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            found = LIVE_PATH.fullmatch(scope["path"])
            if found is not None and await serve_site_stream(
                app, found[1], scope, receive, send, state_event, current_state
            ):
                return
        await inner(scope, receive, send)

    app.asgi_handler = handler
