"""Production mode (PostgreSQL + Redis): a ``confmgr worker`` killed in the middle of a
mailing gives the job up when its lease expires, a second worker takes it over, and
every site still gets exactly one message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.integration.jobs.test_national_mailing import Relay, _meeting_with_sites
from tests.servers import relay_settings, server_env, smtp_relay

SITES = 120
LEASE_SECONDS = 3


class TimedRelay(Relay):
    """Also notes when each message was accepted (the moment its final "." arrived)."""

    def __init__(self) -> None:
        super().__init__()
        self.moments: list[float] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        with self.lock:
            self.moments.append(time.time())
        return answer


@pytest.fixture
def relay() -> Any:
    with smtp_relay(TimedRelay()) as (handler, _port):
        yield handler


@pytest.fixture
def env_overrides(relay: Relay) -> dict[str, str]:
    # The server's own workers are off: only the worker processes below send.
    return relay_settings(relay.port, CONFMGR_JOBS_IN_PROCESS="0")  # type: ignore[attr-defined]


def _worker(settings: Any, relay: Relay, log: Path) -> subprocess.Popen[bytes]:
    env = server_env(
        settings, CONFMGR_JOBS_IN_PROCESS="0", CONFMGR_SMTP_URL=f"smtp://127.0.0.1:{relay.port}",  # type: ignore[attr-defined]
        CONFMGR_MAIL_FROM="vanphong@snv.example.vn", CONFMGR_JOB_LEASE_SECONDS=str(LEASE_SECONDS),
        CONFMGR_SMTP_RATE="15", CONFMGR_SMTP_CONNECTIONS="4",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "confmgr", "worker", "--workers", "1"], env=env,
        stdout=open(log, "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_a_killed_worker_is_taken_over_after_its_lease_and_each_site_gets_one_message(
    client: Any, admin_api: dict[str, str], settings: Any, relay: TimedRelay, db: Any, tmp_path: Path
) -> None:
    if settings.database.is_sqlite or not settings.redis_url:
        pytest.skip("separate workers and leases that expire run in production mode (PostgreSQL + Redis)")
    from confmgr.jobs.models import BackgroundJob

    meeting_id = _meeting_with_sites(client, admin_api, SITES)
    response = client.post(f"/api/v1/meetings/{meeting_id}/invitations/send", headers=admin_api)
    assert response.status_code == 202, response.text
    url, job_id = response.json()["url"], response.json()["id"]
    log = tmp_path / "workers.log"

    first = _worker(settings, relay, log)
    try:
        deadline = time.monotonic() + 60
        while relay.total() < SITES // 4:
            assert first.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, relay.total()
            time.sleep(0.01)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        _stop(first)
    time.sleep(0.5)  # what the killed worker had handed over has arrived
    with relay.lock:
        at_kill = len(relay.moments)
    assert 0 < at_kill < SITES

    async def held(session: Any) -> BackgroundJob:
        return await session.scalar(select(BackgroundJob).where(BackgroundJob.id == job_id))  # type: ignore[no-any-return]

    job = db(held)
    assert job.status == "running" and job.lease_owner and job.lease_until is not None
    lease_until = job.lease_until.timestamp()

    second = _worker(settings, relay, log)
    try:
        # Well within the default lease (60 s): the lease set for the test is the one used.
        deadline = time.monotonic() + 45
        while (body := client.get(url, headers=admin_api).json())["status"] != "done":
            assert second.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, body
            time.sleep(0.3)
    finally:
        _stop(second)

    assert (body["sent"], body["failed"], body["waiting"]) == (SITES, 0, 0), body
    assert relay.accepted == Counter({f"lienhe{i}@example.vn": 1 for i in range(SITES)})
    # The second worker waited for the dead one's lease to run out before sending.
    later = relay.moments[at_kill:]
    assert later and min(later) >= lease_until, (min(later) - lease_until)
    finished = db(held)
    assert (finished.status, finished.lease_owner) == ("done", "")
