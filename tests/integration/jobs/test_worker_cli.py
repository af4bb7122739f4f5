"""``confmgr jobs list`` and ``confmgr worker``: with the server's own workers turned off
(CONFMGR_JOBS_IN_PROCESS=0) a mailing waits in the queue until a worker process runs it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from tests.integration.jobs.test_national_mailing import Relay, _meeting_with_sites
from tests.servers import relay_settings, server_env, smtp_relay


@pytest.fixture
def relay() -> Any:
    with smtp_relay(Relay()) as (handler, _port):
        yield handler


@pytest.fixture
def env_overrides(relay: Relay) -> dict[str, str]:
    return relay_settings(relay.port, CONFMGR_JOBS_IN_PROCESS="0")  # type: ignore[attr-defined]


def _confmgr(settings: Any, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = server_env(settings, CONFMGR_JOBS_IN_PROCESS="0")
    return subprocess.run([sys.executable, "-m", "confmgr", *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_jobs_list_shows_a_queued_mailing(client: Any, admin_api: dict[str, str], settings: Any, relay: Relay) -> None:
    meeting_id = _meeting_with_sites(client, admin_api, 12)
    response = client.post(f"/api/v1/meetings/{meeting_id}/invitations/send", headers=admin_api)
    assert response.status_code == 202, response.text
    job = response.json()
    time.sleep(1.5)
    # Nobody runs it: no worker in the server, none started.
    assert client.get(job["url"], headers=admin_api).json()["status"] == "queued"
    assert relay.total() == 0

    listed = _confmgr(settings, "jobs", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert "1 chờ chạy / waiting" in lines[0]
    row = next(line.split() for line in lines if line.split()[:1] == [str(job["id"])])
    assert row[1:8] == ["invitation", str(meeting_id), "queued", "12", "0", "0", "12"]


def test_a_separate_worker_refuses_sqlite(settings: Any) -> None:
    if not settings.database.is_sqlite:
        pytest.skip("the refusal concerns the embedded mode")
    result = _confmgr(settings, "worker")
    assert result.returncode == 2
    assert "Refusing to run a separate worker on SQLite" in result.stderr


def test_a_separate_worker_sends_the_queued_mailing(client: Any, admin_api: dict[str, str], settings: Any, relay: Relay) -> None:
    if settings.database.is_sqlite or not settings.redis_url:
        pytest.skip("a separate worker runs in production mode (PostgreSQL + Redis)")
    import redis

    from confmgr.live.events import decode, live_channel

    meeting_id = _meeting_with_sites(client, admin_api, 40)
    # What the sites' live streams hear (through Redis, from whichever process speaks).
    listener = redis.Redis.from_url(settings.redis_url).pubsub()
    listener.subscribe(live_channel(meeting_id))
    response = client.post(f"/api/v1/meetings/{meeting_id}/invitations/send", headers=admin_api)
    assert response.status_code == 202, response.text
    url = response.json()["url"]
    env = server_env(settings, CONFMGR_JOBS_IN_PROCESS="0", CONFMGR_SMTP_URL=f"smtp://127.0.0.1:{relay.port}")  # type: ignore[attr-defined]
    worker = subprocess.Popen([sys.executable, "-m", "confmgr", "worker", "--workers", "1"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while (body := client.get(url, headers=admin_api).json())["status"] != "done":
            assert worker.poll() is None, worker.stdout.read() if worker.stdout else ""
            assert time.monotonic() < deadline, body
            time.sleep(0.3)
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    assert (body["sent"], body["failed"]) == (40, 0)
    assert sorted(relay.accepted.values()) == [1] * 40
    # The worker made the draft "invited" and, its step committed, told the sites.
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=admin_api).json()["status"] == "invited"
    heard = []
    deadline = time.monotonic() + 10
    while "live" not in heard and time.monotonic() < deadline:
        message = listener.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if message is not None:
            heard.append(decode(message["data"])[0])
    listener.close()
    assert "live" in heard
