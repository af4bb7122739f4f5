"""The live meeting: items under way, the speaking queue, notes, and what sites see."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any

import httpx

from litestar.channels import ChannelsPlugin

from confmgr.live.events import decode, live_channel
from confmgr.timeutil import VN_TZ
from tests.helpers import form_post, login, text_of
from tests.servers import running_server, server_env
from tests.integration.agenda.conftest import World


def _running(world: World) -> tuple[int, list[int]]:
    m = world.meeting()
    items = [world.item(m, t) for t in ("Khai mạc", "Báo cáo tổng kết", "Thảo luận")]
    world.start_meeting(m)
    return m, items


def first_sse_event(url: str) -> tuple[str, str]:
    """The first event of an SSE stream (event name and data), then the connection is closed."""
    event, data = "", []
    with httpx.stream("GET", url, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
            elif line == "" and event:
                break
    return event, "\n".join(data)


def test_start_and_finish_items(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m, (a, b, _c) = _running(world)
    started = client.post(f"/api/v1/meetings/{m}/agenda/{a}/start", headers=admin_api)
    assert started.status_code == 200, started.text
    assert started.json()["current_item"]["id"] == a
    # Starting the next item finishes the one before.
    client.post(f"/api/v1/meetings/{m}/agenda/{b}/start", headers=admin_api)
    items = {i["id"]: i for i in client.get(f"/api/v1/meetings/{m}/agenda", headers=admin_api).json()}
    assert items[a]["actual_ended_at"] is not None and items[b]["actual_ended_at"] is None
    assert client.get(f"/api/v1/meetings/{m}/live", headers=admin_api).json()["current_item"]["id"] == b
    finished = client.post(f"/api/v1/meetings/{m}/agenda/{b}/finish", headers=admin_api)
    assert finished.status_code == 200 and finished.json()["current_item"] is None


def test_times_in_the_past_are_allowed_the_future_is_refused(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m = world.meeting()
    a = world.item(m, "Khai mạc")
    past = datetime.now(VN_TZ) - timedelta(days=2)
    assert client.post(f"/api/v1/meetings/{m}/start", json={"at": past.isoformat()}, headers=admin_api).status_code == 200
    at = (past + timedelta(minutes=5)).isoformat()
    assert client.post(f"/api/v1/meetings/{m}/agenda/{a}/start", json={"at": at}, headers=admin_api).status_code == 200
    future = (datetime.now(VN_TZ) + timedelta(hours=2)).isoformat()
    refused = client.post(f"/api/v1/meetings/{m}/agenda/{a}/finish", json={"at": future}, headers=admin_api)
    assert refused.status_code == 422
    item = client.get(f"/api/v1/meetings/{m}/agenda/{a}", headers=admin_api).json()
    assert item["actual_ended_at"] is None
    assert item["actual_started_at"].startswith((past + timedelta(minutes=5)).astimezone().strftime("%Y-%m-%d")[:4])


def test_items_cannot_start_before_the_meeting(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m = world.meeting()
    a = world.item(m, "Khai mạc")
    response = client.post(f"/api/v1/meetings/{m}/agenda/{a}/start", headers=admin_api)
    assert response.status_code == 409
    assert "Hãy bắt đầu hội nghị trước" in response.json()["detail"]


def test_notes_keep_every_version_and_a_stale_version_is_409(world: World, client: Any, admin_api: dict[str, str], db: Any) -> None:
    m, (a, _b, _c) = _running(world)
    url = f"/api/v1/meetings/{m}/agenda/{a}/notes"
    first = client.put(url, json={"text": "Đồng chí Giám đốc khai mạc.", "version": 0}, headers=admin_api)
    assert first.status_code == 200 and first.json()["version"] == 1
    second = client.put(url, json={"text": "Đồng chí Giám đốc khai mạc hội nghị.", "version": 1}, headers=admin_api)
    assert second.json()["version"] == 2
    # Someone who started from version 1 is told, and given the current text.
    stale = client.put(url, json={"text": "Bản của thư ký thứ hai.", "version": 1}, headers=admin_api)
    assert stale.status_code == 409
    body = stale.json()
    assert body["current"] == {"text": "Đồng chí Giám đốc khai mạc hội nghị.", "version": 2}
    assert body["detail"]
    item = client.get(f"/api/v1/meetings/{m}/agenda/{a}", headers=admin_api).json()
    assert item["notes"] == "Đồng chí Giám đốc khai mạc hội nghị." and item["notes_version"] == 2

    from sqlalchemy import select

    from confmgr.agenda.models import AgendaNoteRevision

    async def revisions(session: Any) -> list[tuple[int, str]]:
        rows = await session.scalars(select(AgendaNoteRevision).order_by(AgendaNoteRevision.version))
        return [(r.version, r.text) for r in rows]

    assert db(revisions) == [(1, "Đồng chí Giám đốc khai mạc."), (2, "Đồng chí Giám đốc khai mạc hội nghị.")]


def test_console_page_and_notes_form_conflict(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m, (a, _b, _c) = _running(world)
    login(client)
    page = client.get(f"/meetings/{m}/console")
    assert page.status_code == 200 and "Điều hành trực tiếp" in text_of(page.text)
    assert 'sse-connect="/meetings/%d/console/events"' % m in page.text
    assert "/static/js/notes.js" in page.text
    started = form_post(client, f"/meetings/{m}/console/items/{a}/start", headers={"HX-Request": "true"})
    assert started.status_code == 200 and "<html" not in started.text
    assert re.search(r'id="console-current-item"[^>]*>Khai mạc<', started.text)
    saved = form_post(client, f"/meetings/{m}/console/items/{a}/notes", {"text": "Ghi chép lần một", "version": "0"})
    assert saved.status_code in (302, 303)
    as_json = form_post(client, f"/meetings/{m}/console/items/{a}/notes", {"text": "Ghi chép lần hai", "version": "1"},
                        headers={"Accept": "application/json"})
    assert as_json.status_code == 200 and as_json.json()["version"] == 2 and as_json.json()["saved_at_local"]
    conflict_json = form_post(client, f"/meetings/{m}/console/items/{a}/notes", {"text": "Bản cũ", "version": "1"},
                              headers={"Accept": "application/json"})
    assert conflict_json.status_code == 409 and conflict_json.json()["current"]["text"] == "Ghi chép lần hai"
    # Without JavaScript the page shows both texts; neither is lost.
    conflict = form_post(client, f"/meetings/{m}/console/items/{a}/notes", {"text": "Bản của tôi", "version": "1"})
    assert conflict.status_code == 409
    assert "Ghi chép lần hai" in conflict.text and "Bản của tôi" in conflict.text
    assert 'name="version" value="2"' in conflict.text


def test_console_start_and_end_the_meeting(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m = world.meeting()
    a = world.item(m, "Khai mạc")
    login(client)
    assert form_post(client, f"/meetings/{m}/console/status/start", {"confirmed": "1"}).status_code in (302, 303)
    form_post(client, f"/meetings/{m}/console/items/{a}/start")
    assert form_post(client, f"/meetings/{m}/console/status/end", {"confirmed": "1"}).status_code in (302, 303)
    live = client.get(f"/api/v1/meetings/{m}/live", headers=admin_api).json()
    assert live["status"] == "ended" and live["current_item"] is None
    item = client.get(f"/api/v1/meetings/{m}/agenda/{a}", headers=admin_api).json()
    assert item["actual_ended_at"] is not None


def test_speaking_queue_from_hall_and_sites(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m, (a, _b, _c) = _running(world)
    site_a, token_a = world.site(m, "UBND huyện Tuy Phước")
    _site_b, token_b = world.site(m, "UBND huyện Phù Cát")
    hall = client.post(f"/api/v1/meetings/{m}/speak-requests",
                       json={"speaker": {"full_name": "Võ Văn Hùng", "position": "Trưởng phòng"}}, headers=admin_api)
    assert hall.status_code == 201
    remote = client.post("/api/v1/portal/speak-requests", json={"speaker": {"full_name": "Lê Thị Lan"}, "topic": "Biên chế"},
                         headers={"Authorization": f"Bearer {token_a}"})
    assert remote.status_code == 201 and remote.json()["site_name"] == "UBND huyện Tuy Phước"
    queue = client.get(f"/api/v1/meetings/{m}/speak-requests", headers=admin_api).json()
    assert [q["speaker"]["full_name"] for q in queue] == ["Võ Văn Hùng", "Lê Thị Lan"]
    # Another site cannot withdraw it; its own site can, while it waits.
    rid = remote.json()["id"]
    other = client.post(f"/api/v1/portal/speak-requests/{rid}/withdraw", headers={"Authorization": f"Bearer {token_b}"})
    assert other.status_code == 404
    floor = client.post(f"/api/v1/meetings/{m}/speak-requests/{rid}/floor", headers=admin_api)
    assert floor.status_code == 200 and floor.json()["status"] == "speaking"
    live = client.get(f"/api/v1/meetings/{m}/live", headers=admin_api).json()
    assert live["current_speaker"]["full_name"] == "Lê Thị Lan"
    late = client.post(f"/api/v1/portal/speak-requests/{rid}/withdraw", headers={"Authorization": f"Bearer {token_a}"})
    assert late.status_code == 409
    done = client.post(f"/api/v1/meetings/{m}/speak-requests/{rid}/done", headers=admin_api)
    assert done.status_code == 200
    assert client.get(f"/api/v1/meetings/{m}/live", headers=admin_api).json()["current_speaker"] is None
    assert site_a and a


def test_site_form_to_speak_with_and_without_htmx(world: World, client: Any) -> None:
    m, _items = _running(world)
    _site, token = world.site(m, "UBND thị xã An Nhơn")
    client.get(f"/s/{token}/now")
    plain = form_post(client, f"/s/{token}/speak-requests", {"speaker.full_name": "Nguyễn Văn An", "topic": "Cải cách hành chính"})
    assert plain.status_code in (302, 303) and plain.headers["location"] == f"/s/{token}/now#speak"
    now_page = client.get(f"/s/{token}/now")
    assert "Nguyễn Văn An" in now_page.text and "UBND thị xã An Nhơn" in now_page.text
    fragment = form_post(client, f"/s/{token}/speak-requests", {"speaker.full_name": "Trần Thị Bé"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="my-requests"' in fragment.text and "Trần Thị Bé" in fragment.text
    empty = form_post(client, f"/s/{token}/speak-requests", {"speaker.full_name": ""}, headers={"HX-Request": "true"})
    assert empty.status_code == 422 and "<html" not in empty.text
    rid = int(fragment.text.split("/speak-requests/")[1].split("/")[0])
    withdrawn = form_post(client, f"/s/{token}/speak-requests/{rid}/withdraw", headers={"HX-Request": "true"})
    assert withdrawn.status_code == 200


def test_changes_are_published_once_rendered_to_the_live_channel(world: World, client: Any, admin_api: dict[str, str], app: Any) -> None:
    published: list[tuple[bytes, str]] = []
    plugin = app.plugins.get(ChannelsPlugin)
    original = plugin.publish

    def spy(data: bytes, channels: Any) -> None:
        published.append((data, channels if isinstance(channels, str) else list(channels)[0]))
        original(data, channels)

    plugin.publish = spy  # type: ignore[method-assign]
    m, (a, _b, _c) = _running(world)
    # Starting the meeting is announced by a listener, after its answer: wait for it.
    deadline = time.monotonic() + 5
    while not any(ch == live_channel(m) for _d, ch in published) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert any(ch == live_channel(m) for _d, ch in published)
    published.clear()
    client.post(f"/api/v1/meetings/{m}/agenda/{a}/start", headers=admin_api)
    live = [decode(d) for d, ch in published if ch == live_channel(m)]
    assert len(live) == 1
    event, html = live[0]
    assert event == "live" and "Khai mạc" in html and "<html" not in html
    # A refused change publishes nothing.
    published.clear()
    client.post(f"/api/v1/meetings/{m}/agenda/999999/start", headers=admin_api)
    assert published == []


def test_sse_first_event_is_the_current_state(world: World, client: Any, admin_api: dict[str, str], settings: Any) -> None:
    m, (a, b, _c) = _running(world)
    _site, token = world.site(m, "UBND huyện Hoài Ân")
    client.post(f"/api/v1/meetings/{m}/agenda/{b}/start", headers=admin_api)
    # A real server of its own (a test client cannot end an endless stream), on the
    # same database. Its live hub keeps the current state it last published, so the
    # change below goes through that server, as it would in production.
    with running_server(server_env(settings)) as base:
        event, data = first_sse_event(f"{base}/s/{token}/live")
        assert event == "live"
        assert "2. Báo cáo tổng kết" in data and "Khai mạc" not in data
        # A change while nobody listens; a reconnecting browser sees it first thing.
        assert httpx.post(f"{base}/api/v1/meetings/{m}/agenda/{a}/start", headers=admin_api, timeout=10).status_code == 200
        event, data = first_sse_event(f"{base}/s/{token}/live")
        assert "1. Khai mạc" in data and "Báo cáo tổng kết" not in data


def test_sse_refuses_a_bad_token(client: Any) -> None:
    response = client.get("/s/not-a-real-token/live")
    assert response.status_code == 404


def test_a_stream_survives_quiet_periods(monkeypatch: Any) -> None:
    """After heartbeats the stream still delivers the next change (it used to end at the first)."""
    import asyncio

    from litestar.channels.backends.memory import MemoryChannelsBackend

    from confmgr.live.events import frame
    from confmgr.live.hub import KEEP_ALIVE, Hub

    monkeypatch.setattr("confmgr.live.hub.HEARTBEAT_SECONDS", 0.05)

    async def scenario() -> list[Any]:
        plugin = ChannelsPlugin(backend=MemoryChannelsBackend(), arbitrary_channels_allowed=True)
        async with plugin:
            hub = Hub(plugin)

            async def initial() -> list[tuple[str, str]]:
                return [("live", "state-0")]

            events = hub.stream(["meeting:1:live"], initial)
            got = [await events.__anext__() for _ in range(4)]
            plugin.publish(frame("live", "state-1", "e1"), "meeting:1:live")
            while True:
                message = await asyncio.wait_for(events.__anext__(), timeout=2)
                if message != KEEP_ALIVE:
                    got.append(message)
                    break
            await events.aclose()
            return got

    got = asyncio.run(scenario())
    assert got[0].startswith(b"retry: ")
    assert decode(got[1]) == ("live", "state-0")
    assert got[2] == KEEP_ALIVE and got[3] == KEEP_ALIVE
    assert decode(got[-1]) == ("live", "state-1")


def test_reopening_a_finished_item_needs_a_confirmation(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m, (a, b, _c) = _running(world)
    login(client)
    assert form_post(client, f"/meetings/{m}/console/items/{a}/start").status_code in (200, 302, 303)
    assert form_post(client, f"/meetings/{m}/console/items/{b}/start").status_code in (200, 302, 303)
    page = client.get(f"/meetings/{m}/console/").text
    # The finished item offers "Reopen" (with a dialog), never a plain start.
    assert f'data-reopen-item="{a}"' in page and f'data-start-item="{a}"' not in page
    reopen = re.search(rf'<form[^>]*action="/meetings/{m}/console/items/{a}/start"[^>]*data-confirm="([^"]*)"', page)
    assert reopen and "Mở lại nội dung đã kết thúc?" in reopen.group(1)
    # Without the confirmation: a page that asks, and nothing changes.
    asked = form_post(client, f"/meetings/{m}/console/items/{a}/start")
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.text
    assert "Mở lại nội dung đã kết thúc?" in text_of(asked.text)
    live = client.get(f"/api/v1/meetings/{m}/live", headers=admin_api).json()
    assert live["current_item"]["id"] == b
    assert client.get(f"/api/v1/meetings/{m}/agenda/{a}", headers=admin_api).json()["actual_ended_at"] is not None
    # Confirmed: it is the item under way again, its end cleared.
    assert form_post(client, f"/meetings/{m}/console/items/{a}/start", {"confirmed": "1"}).status_code in (200, 302, 303)
    assert client.get(f"/api/v1/meetings/{m}/live", headers=admin_api).json()["current_item"]["id"] == a
    assert client.get(f"/api/v1/meetings/{m}/agenda/{a}", headers=admin_api).json()["actual_ended_at"] is None


def test_the_hall_request_lists_the_hall_once_and_no_host_site(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m, _items = _running(world)
    host = client.post(f"/api/v1/meetings/{m}/sites", json={"name": "Điểm cầu UBND tỉnh", "role": "host"}, headers=admin_api)
    assert host.status_code == 201, host.text
    remote, _token = world.site(m, "UBND huyện Tuy Phước")
    login(client)
    page = client.get(f"/meetings/{m}/console/").text
    select = re.search(r'<select id="f-rsite" name="site_id">(.*?)</select>', page, re.S)
    assert select
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', select.group(1))
    assert options == [("", "Hội trường"), (str(remote), "UBND huyện Tuy Phước")]
