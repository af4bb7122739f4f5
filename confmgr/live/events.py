"""Live updates: what changed is announced after the change is committed.

Services and controllers call :func:`emit`; the events wait on the database session
and go out through Litestar Channels (in memory, or Redis when configured) only once
the transaction committed, so a site never sees a change that was rolled back.

Channels:
- ``meeting:<id>:board``  the secretariat's attendance board and console
- ``meeting:<id>:live``   every site of the meeting (current item, speaker, queue)
- ``site:<id>``           one site's own portal
"""

from __future__ import annotations

import itertools
import os
import time

from litestar import Litestar
from litestar.channels import ChannelsPlugin
from sqlalchemy.ext.asyncio import AsyncSession

PENDING_KEY = "confmgr_live_events"
# Messages to the live hubs of every worker (e.g. "close the streams of site 12").
CONTROL_CHANNEL = "live:control"
CLOSE_SITE_EVENT = "close-site"


def board_channel(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:board"


def live_channel(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:live"


def site_channel(site_id: int) -> str:
    return f"site:{site_id}"


def emit(db: AsyncSession, channel: str, event: str, data: str = "") -> None:
    """Queue an SSE event (name and data, e.g. an HTML fragment) until commit."""
    db.info.setdefault(PENDING_KEY, []).append((channel, event, data))


def close_site_streams(db: AsyncSession, site_id: int) -> None:
    """After commit, every open live stream of the site ends (its link changed or is gone)."""
    emit(db, CONTROL_CHANNEL, CLOSE_SITE_EVENT, str(site_id))


def discard(db: AsyncSession) -> None:
    db.info.pop(PENDING_KEY, None)


_counter = itertools.count()


def new_event_id() -> str:
    """An id unique across workers and restarts: nanoseconds, process, sequence."""
    return f"{time.time_ns():x}.{os.getpid():x}.{next(_counter):x}"


def frame(event: str, data: str, event_id: str | None = None) -> bytes:
    """One server-sent event, framed once for every subscriber (text/event-stream).

    Published messages travel already framed, so a stream only forwards bytes: with
    thousands of sites connected, a change costs one encoding, not one per site.
    """
    lines = data.splitlines() or [""]
    body = "".join(f"data: {line}\n" for line in lines)
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\n{body}\n".encode()


def parse_header(raw: bytes) -> tuple[str, str]:
    """The id (or "") and event name of a frame made by :func:`frame`."""
    event_id = ""
    start = 0
    if raw.startswith(b"id: "):
        end = raw.index(b"\n")
        event_id = raw[4:end].decode()
        start = end + 1
    if raw.startswith(b"event: ", start):
        return event_id, raw[start + 7:raw.index(b"\n", start)].decode()
    return event_id, ""


def publish_pending(app: Litestar, db: AsyncSession) -> None:
    pending = db.info.pop(PENDING_KEY, [])
    if pending:
        publish(app.plugins.get(ChannelsPlugin), pending)


def publish(channels: ChannelsPlugin, events: list[tuple[str, str, str]]) -> None:
    """Send committed events: (channel, event name, data) each."""
    for channel, event, data in events:
        channels.publish(frame(event, data, new_event_id()), channel)


def decode(raw: bytes) -> tuple[str, str]:
    """The event name and data of one frame made by :func:`frame`."""
    event = ""
    data: list[str] = []
    for line in raw.decode().split("\n"):
        if line.startswith("event: "):
            event = line[len("event: "):]
        elif line.startswith("data: "):
            data.append(line[len("data: "):])
    return event, "\n".join(data)
