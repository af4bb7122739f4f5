"""Ending the meeting, by every way there is: the item under way ends with it, the
live state is cleared, the change is audited, and the sites and the console are told
(once the change is committed)."""

from __future__ import annotations

import time
from datetime import datetime
from collections.abc import Callable
from typing import Any

import pytest
from litestar.channels import ChannelsPlugin

from confmgr.live.events import board_channel, decode, live_channel
from tests.helpers import form_post, login
from tests.integration.agenda.conftest import World


@pytest.fixture
def published(app: Any) -> list[tuple[str, str, str]]:
    """(channel, event, data) of every message the app publishes."""
    seen: list[tuple[str, str, str]] = []
    plugin = app.plugins.get(ChannelsPlugin)
    original = plugin.publish

    def spy(data: bytes, channels: Any) -> None:
        channel = channels if isinstance(channels, str) else list(channels)[0]
        seen.append((channel, *decode(data)))
        original(data, channels)

    plugin.publish = spy  # type: ignore[method-assign]
    return seen


def _wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Listeners run after the answer: give them a moment."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _under_way(world: World) -> tuple[int, int]:
    m = world.meeting()
    a = world.item(m, "Khai mạc")
    world.item(m, "Thảo luận")
    world.start_meeting(m)
    started = world.client.post(f"/api/v1/meetings/{m}/agenda/{a}/start", headers=world.headers)
    assert started.status_code == 200 and started.json()["current_item"]["id"] == a
    return m, a


def _assert_ended_and_closed(world: World, m: int, a: int) -> None:
    live = world.client.get(f"/api/v1/meetings/{m}/live", headers=world.headers).json()
    assert live["status"] == "ended" and live["current_item"] is None
    item = world.client.get(f"/api/v1/meetings/{m}/agenda/{a}", headers=world.headers).json()
    assert item["actual_ended_at"] is not None
    meeting = world.client.get(f"/api/v1/meetings/{m}", headers=world.headers).json()
    # The same instant (the meeting API writes it in Vietnam time, the agenda API in UTC).
    assert datetime.fromisoformat(item["actual_ended_at"]) == datetime.fromisoformat(meeting["actual_ended_at"])


def _assert_announced(published: list[tuple[str, str, str]], m: int) -> None:
    def ended_state_sent() -> bool:
        return any(
            ch == live_channel(m) and event == "live" and 'data-current-item=""' in data for ch, event, data in published
        )

    assert _wait_for(ended_state_sent)
    assert _wait_for(lambda: any(ch == board_channel(m) for ch, _e, _d in published))


def _audited_end(world: World, m: int) -> dict[str, Any]:
    entries = world.client.get(f"/api/v1/meetings/{m}/audit", headers=world.headers)
    assert entries.status_code == 200, entries.text
    ends = [e for e in entries.json() if e["action"] == "end" and e["entity"] == "meeting"]
    assert len(ends) == 1
    return ends[0]


def test_api_end_closes_the_running_item_and_announces(world: World, published: list[Any]) -> None:
    m, a = _under_way(world)
    published.clear()
    ended = world.client.post(f"/api/v1/meetings/{m}/end", headers=world.headers)
    assert ended.status_code == 200, ended.text
    assert ended.json()["status"] == "ended"
    _assert_ended_and_closed(world, m, a)
    _assert_announced(published, m)
    entry = _audited_end(world, m)
    assert entry["changes"]["current_agenda_item_id"] == [a, None]


def test_console_end_closes_the_running_item_and_announces(world: World, client: Any, published: list[Any]) -> None:
    m, a = _under_way(world)
    login(client)
    published.clear()
    assert form_post(client, f"/meetings/{m}/console/status/end", {"confirmed": "1"}).status_code in (302, 303)
    _assert_ended_and_closed(world, m, a)
    _assert_announced(published, m)
    _audited_end(world, m)


def test_meeting_page_end_closes_the_running_item(world: World, client: Any, published: list[Any]) -> None:
    m, a = _under_way(world)
    login(client)
    published.clear()
    assert form_post(client, f"/meetings/{m}/status/end", {"confirmed": "1"}).status_code in (302, 303)
    _assert_ended_and_closed(world, m, a)
    _assert_announced(published, m)


def test_a_refused_end_changes_and_announces_nothing(world: World, published: list[Any]) -> None:
    m, a = _under_way(world)
    published.clear()
    early = world.client.post(f"/api/v1/meetings/{m}/end", json={"at": "2000-01-01T08:00:00+07:00"}, headers=world.headers)
    assert early.status_code == 422
    live = world.client.get(f"/api/v1/meetings/{m}/live", headers=world.headers).json()
    assert live["status"] == "in_progress" and live["current_item"]["id"] == a
    item = world.client.get(f"/api/v1/meetings/{m}/agenda/{a}", headers=world.headers).json()
    assert item["actual_ended_at"] is None
    time.sleep(0.3)  # a listener would have run by now
    assert published == []
