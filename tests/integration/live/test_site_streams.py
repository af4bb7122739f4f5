"""A site's live streams: closed when its link is revoked or replaced (#13 row 12),
limited per link (#13 row 18), resumed with Last-Event-ID."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from confmgr.live.events import decode
from tests.factories import meeting_json


class OpenStream:
    """One SSE request driven through the ASGI app (a test client waits for the end of
    an endless body); runs in the test client's event loop, where changes are published."""

    def __init__(self, app: Any, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        self.app = app
        self.path = path
        self.headers = headers or []
        self.status = 0
        self.body = b""
        self.ended = False
        self._started: asyncio.Event | None = None
        self._changed: asyncio.Event | None = None
        self._disconnect: asyncio.Event | None = None
        self._task: asyncio.Future[Any] | None = None

    async def start(self) -> int:
        self._started, self._changed, self._disconnect = asyncio.Event(), asyncio.Event(), asyncio.Event()
        disconnect = self._disconnect

        async def receive() -> dict[str, Any]:
            await disconnect.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            assert self._started is not None and self._changed is not None
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self._started.set()
            elif message["type"] == "http.response.body":
                self.body += message.get("body", b"")
                if not message.get("more_body"):
                    self.ended = True
                self._changed.set()

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": self.path, "raw_path": self.path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"testserver.local"), (b"accept", b"text/event-stream"), *self.headers],
            "client": ("127.0.0.1", 5000), "server": ("testserver.local", 80), "state": {},
        }
        self._task = asyncio.ensure_future(self.app(scope, receive, send))
        await asyncio.wait_for(self._started.wait(), 10)
        if self.status == 200:
            await self.wait_for(b"retry: ")
            if not any(name == b"last-event-id" for name, _ in self.headers):
                await self.wait_for(b"event: live")
        else:
            await self.wait_end()
        return self.status

    async def wait_for(self, text: bytes, timeout: float = 5.0) -> bool:
        assert self._changed is not None
        deadline = asyncio.get_running_loop().time() + timeout
        while text not in self.body and not self.ended:
            self._changed.clear()
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                return False
        return text in self.body

    async def wait_end(self, timeout: float = 5.0) -> bool:
        assert self._changed is not None
        deadline = asyncio.get_running_loop().time() + timeout
        while not self.ended:
            self._changed.clear()
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                return False
        return True

    async def close(self) -> None:
        if self._disconnect is not None:
            self._disconnect.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 5)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._task.cancel()

    def events(self) -> list[tuple[str, str]]:
        return [decode(chunk.encode()) for chunk in self.body.decode().split("\n\n") if "event: " in chunk]

    def ids(self) -> list[str]:
        return [line[4:] for line in self.body.decode().split("\n") if line.startswith("id: ")]


def _meeting(client: Any, headers: dict[str, str]) -> tuple[int, list[int]]:
    m = client.post("/api/v1/meetings", json=meeting_json(), headers=headers).json()["id"]
    items = [client.post(f"/api/v1/meetings/{m}/agenda", json={"title": t, "kind": "other"}, headers=headers).json()["id"]
             for t in ("Khai mạc [mốc-1]", "Báo cáo [mốc-2]", "Thảo luận [mốc-3]")]
    assert client.post(f"/api/v1/meetings/{m}/start", headers=headers).status_code == 200
    return m, items


def _site(client: Any, headers: dict[str, str], m: int, name: str) -> tuple[int, str]:
    body = client.post(f"/api/v1/meetings/{m}/sites", json={"name": name, "role": "remote"}, headers=headers).json()
    return int(body["id"]), str(body["token"])


def _open(client: Any, app: Any, token: str, headers: list[tuple[bytes, bytes]] | None = None) -> OpenStream:
    stream = OpenStream(app, f"/s/{token}/live", headers)
    client.blocking_portal.call(stream.start)
    return stream


@pytest.mark.parametrize("change", ["revoke", "rotate"])
def test_row12_a_revoked_or_rotated_link_closes_its_open_streams(client: Any, app: Any, admin_api: dict[str, str], change: str) -> None:
    m, items = _meeting(client, admin_api)
    site_a, token_a = _site(client, admin_api, m, "UBND xã Hòa Bình")
    _site_b, token_b = _site(client, admin_api, m, "UBND xã An Phú")
    a1, a2, b = _open(client, app, token_a), _open(client, app, token_b), _open(client, app, token_b)
    a2 = _open(client, app, token_a)
    call = client.blocking_portal.call
    try:
        assert a1.status == a2.status == b.status == 200
        response = client.post(f"/api/v1/meetings/{m}/sites/{site_a}/token/{change}", headers=admin_api)
        assert response.status_code == 200, response.text
        # At once: both of the link's streams end, the other site's stays open.
        assert call(a1.wait_end, 2.0) and call(a2.wait_end, 2.0)
        assert not b.ended
        # The next change (another site's speaker, the next item) reaches only the open one.
        client.post(f"/api/v1/meetings/{m}/agenda/{items[0]}/start", headers=admin_api)
        assert call(b.wait_for, "[mốc-1]".encode())
        assert "[mốc-1]".encode() not in a1.body and "[mốc-1]".encode() not in a2.body
        # The old link no longer opens a stream.
        again = OpenStream(app, f"/s/{token_a}/live")
        assert call(again.start) == 404
    finally:
        for s in (a1, a2, b):
            call(s.close)


def test_row12_a_removed_site_closes_its_open_streams(client: Any, app: Any, admin_api: dict[str, str]) -> None:
    m, _items = _meeting(client, admin_api)
    site_a, token_a = _site(client, admin_api, m, "UBND xã Hòa Bình")
    stream = _open(client, app, token_a)
    try:
        assert client.delete(f"/api/v1/meetings/{m}/sites/{site_a}", headers=admin_api).status_code in (200, 204)
        assert client.blocking_portal.call(stream.wait_end, 2.0)
    finally:
        client.blocking_portal.call(stream.close)


def test_last_event_id_resumes_with_what_was_missed(client: Any, app: Any, admin_api: dict[str, str]) -> None:
    m, items = _meeting(client, admin_api)
    _a, token = _site(client, admin_api, m, "UBND xã Hòa Bình")
    call = client.blocking_portal.call
    watcher = _open(client, app, token)
    client.post(f"/api/v1/meetings/{m}/agenda/{items[0]}/start", headers=admin_api)
    assert call(watcher.wait_for, "[mốc-1]".encode())
    last_id = watcher.ids()[-1]
    # The phone drops; two changes happen; it comes back with the id it last saw.
    client.post(f"/api/v1/meetings/{m}/agenda/{items[1]}/start", headers=admin_api)
    client.post(f"/api/v1/meetings/{m}/agenda/{items[2]}/start", headers=admin_api)
    assert call(watcher.wait_for, "[mốc-3]".encode())
    missed_ids = watcher.ids()[-2:]
    back = _open(client, app, token, [(b"last-event-id", last_id.encode())])
    try:
        assert call(back.wait_for, "[mốc-3]".encode())
        assert back.ids() == missed_ids  # exactly what it missed, in order, nothing else
        assert back.body.startswith(b"retry: ")
        # Up to date: nothing but the retry delay (then the next changes).
        current = _open(client, app, token, [(b"last-event-id", missed_ids[-1].encode())])
        call(asyncio.sleep, 0.3)
        assert current.events() == [] and current.body.startswith(b"retry: ")
        call(current.close)
        # An id the server no longer knows (e.g. after a restart): the current state.
        lost = _open(client, app, token, [(b"last-event-id", b"0.0.0")])
        assert call(lost.wait_for, b"event: live")
        assert [e for e, _ in lost.events()] == ["live"] and "[mốc-3]" in lost.events()[0][1]
        call(lost.close)
    finally:
        call(watcher.close)
        call(back.close)


def test_a_crowd_of_new_streams_shares_a_few_readings_of_the_state(
    client: Any, app: Any, admin_api: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a restart nothing is cached: the phones reconnecting together must not each
    read the meeting's state (that was ~4,000 readings for 10,000 streams); one arriving
    while a reading is under way joins the next one, which still sees every change."""
    from confmgr.agenda import live as agenda_live

    m, items = _meeting(client, admin_api)
    tokens = [_site(client, admin_api, m, f"UBND xã Số {n}")[1] for n in range(4)]
    original = agenda_live.live_state

    async def slow_live_state(db: Any, meeting_id: int) -> Any:
        await asyncio.sleep(0.05)  # a cold server: templates, caches, a busy database
        return await original(db, meeting_id)

    monkeypatch.setattr(agenda_live, "live_state", slow_live_state)
    app.state.fragments.renders = 0
    streams = [OpenStream(app, f"/s/{tokens[n % len(tokens)]}/live") for n in range(60)]

    async def crowd() -> list[int]:
        first = asyncio.gather(*(s.start() for s in streams[:30]))
        await asyncio.sleep(0.02)  # the first reading is under way when the next ones come
        client_change = asyncio.to_thread(client.post, f"/api/v1/meetings/{m}/agenda/{items[0]}/start", headers=admin_api)
        await client_change
        return list(await first) + list(await asyncio.gather(*(s.start() for s in streams[30:])))

    call = client.blocking_portal.call
    try:
        assert call(crowd) == [200] * 60
        assert app.state.fragments.renders <= 4
        # Everyone that opened after the change sees it in its first state.
        for stream in streams[30:]:
            assert call(stream.wait_for, "[mốc-1]".encode())
    finally:
        for s in streams:
            call(s.close)


def test_links_of_a_crowd_are_checked_in_one_query_then_remembered(client: Any, app: Any, admin_api: dict[str, str]) -> None:
    """Checking the link of each of thousands of reconnecting phones must not be a
    query each: the checks that wait together are one indexed query, and a link found
    valid is remembered (a reconnect then costs no query at all)."""
    from confmgr.live.sites import link_checks

    m, _items = _meeting(client, admin_api)
    tokens = [_site(client, admin_api, m, f"UBND xã Số {n}")[1] for n in range(20)]
    streams = [OpenStream(app, f"/s/{tokens[n % len(tokens)]}/live") for n in range(60)]
    again = [OpenStream(app, f"/s/{token}/live") for token in tokens]
    unknown = OpenStream(app, "/s/" + "x" * 43 + "/live")
    call = client.blocking_portal.call

    async def crowd(group: list[OpenStream]) -> list[int]:
        return list(await asyncio.gather(*(s.start() for s in group)))

    try:
        checks = link_checks(app)
        before = checks.queries
        assert call(crowd, streams) == [200] * 60
        assert checks.queries - before <= 2  # one query for the crowd (two if it arrived in two waves)
        after_crowd = checks.queries
        assert call(crowd, again) == [200] * 20
        assert checks.queries == after_crowd  # remembered
        assert call(unknown.start) == 404  # and an unknown link is still refused
    finally:
        for s in [*streams, *again, unknown]:
            call(s.close)
