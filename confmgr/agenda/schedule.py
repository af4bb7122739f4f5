"""When each agenda item starts: from the meeting's start and the durations before it.

An item's own planned start counts only when it is later than where the items before
it end (a fixed start after a break); it never puts an item before the one above it,
so moving items recomputes the times and they always read in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from confmgr.timeutil import aware


def planned_starts(meeting_start: datetime | None, items: Sequence[Any]) -> dict[int, datetime | None]:
    starts: dict[int, datetime | None] = {}
    running = aware(meeting_start) if meeting_start else None
    for item in items:
        own = aware(item.planned_start) if item.planned_start else None
        start = own if own is not None and (running is None or own >= running) else running
        starts[item.id] = start
        if start is not None and item.duration_minutes:
            running = start + timedelta(minutes=item.duration_minutes)
        else:
            running = start
    return starts
