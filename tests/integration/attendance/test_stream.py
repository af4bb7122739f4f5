"""The board's live stream: refuses anonymous, starts with the state, then tells of changes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.helpers import login
from tests.integration.attendance.conftest import Board, answer, person


async def _read_stream(app: Any, path: str, cookie: str, until: str, timeout: float = 5.0) -> tuple[int, str]:
    """Drive the ASGI app directly: a test client would wait for an endless body to end."""
    status = 0
    body = b""
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")
            if until.encode() in body or not message.get("more_body"):
                done.set()

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver.local"), (b"cookie", cookie.encode()), (b"accept", b"text/event-stream")],
        "client": ("127.0.0.1", 5000), "server": ("testserver.local", 80), "state": {},
    }
    task = asyncio.ensure_future(app(scope, receive, send))
    try:
        await asyncio.wait_for(done.wait(), timeout)
    finally:
        done.set()
        try:
            await asyncio.wait_for(task, 5)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            task.cancel()
    return status, body.decode()


def _cookie(client: Any) -> str:
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def test_stream_refuses_anonymous(client: Any, app: Any, board: Board) -> None:
    status, body = client.blocking_portal.call(_read_stream, app, f"/meetings/{board.meeting_id}/attendance/stream", "", "event:")
    assert status == 401
    assert "event:" not in body


def test_stream_refuses_a_deactivated_user(client: Any, app: Any, admin: int, db: Any, board: Board) -> None:
    login(client)

    async def deactivate(session: Any) -> None:
        from confmgr.accounts.models import User

        (await session.get(User, admin)).is_active = False

    db(deactivate)
    status, _body = client.blocking_portal.call(_read_stream, app, f"/meetings/{board.meeting_id}/attendance/stream", _cookie(client), "event:")
    assert status == 401


def test_stream_of_unknown_meeting_is_404(admin_client: Any, app: Any) -> None:
    status, _body = admin_client.blocking_portal.call(_read_stream, app, "/meetings/777/attendance/stream", _cookie(admin_client), "event:")
    assert status == 404


@pytest.mark.parametrize("stream", ["attendance/stream", "invitations/events"])
def test_the_secretariat_streams_refuse_alike(client: Any, app: Any, board: Board, stream: str) -> None:
    """The board's stream and the mailing's progress share one check (and its answers)."""
    anonymous = client.blocking_portal.call(_read_stream, app, f"/meetings/{board.meeting_id}/{stream}", "", "event:")
    login(client)
    unknown = client.blocking_portal.call(_read_stream, app, f"/meetings/777/{stream}", _cookie(client), "event:")
    assert anonymous[0] == 401 and "event:" not in anonymous[1] and anonymous[1].strip()
    assert unknown[0] == 404 and "event:" not in unknown[1] and unknown[1].strip()


def test_stream_starts_with_the_board_version_then_announces_answers(admin_client: Any, app: Any, board: Board) -> None:
    path = f"/meetings/{board.meeting_id}/attendance/stream"
    page = admin_client.get(board.url)
    version = page.text.split('data-version="')[1].split('"')[0]
    status, body = admin_client.blocking_portal.call(_read_stream, app, path, _cookie(admin_client), "event: board-version")
    assert status == 200
    assert f"event: board-version\ndata: {version}" in body.replace("\r\n", "\n")
    # While a viewer is connected, a site answers through its portal.
    future = admin_client.blocking_portal.start_task_soon(_read_stream, app, path, _cookie(admin_client), "event: site-updated")
    import time

    time.sleep(0.3)
    answer(admin_client, board.tuy_phuoc, True, [person("Lê Văn Đức")])
    status, body = future.result(timeout=10)
    assert status == 200
    assert f"event: site-updated\ndata: {board.tuy_phuoc.id}" in body.replace("\r\n", "\n")
    # The fingerprint moved with the answer: a board reconnecting now knows it missed it.
    new_page = admin_client.get(board.url)
    assert new_page.text.split('data-version="')[1].split('"')[0] != version


def test_roll_call_moves_the_board_version(admin_client: Any, client: Any, admin_api: dict[str, str], board: Board) -> None:
    def version() -> str:
        html = admin_client.get(board.url, headers={"HX-Request": "true", "HX-Target": "board-summary"}).text
        return html.split('data-version="')[1].split('"')[0]

    before = version()
    assert version() == before
    response = client.put(
        f"/api/v1/meetings/{board.meeting_id}/sites/{board.host.id}/roll-call", json={"connected": True}, headers=admin_api
    )
    assert response.status_code == 200
    assert version() != before
