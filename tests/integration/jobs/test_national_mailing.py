"""Invitations to every commune (3,321 sites) as a background job, through a real SMTP
server (aiosmtpd): the request answers at once, every site gets exactly one message, also
when the server is killed half-way, and temporary refusals are tried again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import meeting_json, sites_csv
from tests.helpers import PASSWORD, make_user
from tests.servers import free_port, relay_settings, server_env, smtp_relay

SITES = 3321


class Relay:
    """An SMTP relay that counts the messages it accepted per recipient, and can refuse
    some recipients with a temporary (451) answer the first ``refuse_times`` times."""

    def __init__(self, refuse: set[str] = frozenset(), refuse_at: str = "rcpt", refuse_times: int = 1,
                 permanent: set[str] = frozenset()) -> None:
        self.accepted: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.refuse, self.refuse_at, self.refuse_times, self.permanent = refuse, refuse_at, refuse_times, permanent
        self.lock = threading.Lock()

    def _should_refuse(self, address: str) -> bool:
        with self.lock:
            if address in self.refuse and self.refused[address] < self.refuse_times:
                self.refused[address] += 1
                return True
        return False

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.permanent:
            return "550 5.1.1 No such user here"
        if self.refuse_at == "rcpt" and self._should_refuse(address):
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_at == "data" and self._should_refuse(envelope.rcpt_tos[0]):
            return "451 4.3.0 Temporary local problem, try again later"
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.accepted[rcpt] += 1
        return "250 Message accepted for delivery"

    def total(self) -> int:
        with self.lock:
            return sum(self.accepted.values())


EMAILS = [f"lienhe{i}@example.vn" for i in range(SITES)]


def _meeting_with_sites(client: Any, headers: dict[str, str], count: int) -> int:
    meeting = client.post("/api/v1/meetings", json=meeting_json(), headers=headers)
    assert meeting.status_code == 201, meeting.text
    meeting_id = int(meeting.json()["id"])
    imported = client.post(
        f"/api/v1/meetings/{meeting_id}/sites/import", files={"file": ("xa.csv", sites_csv(count), "text/csv")},
        headers=headers, timeout=300,
    )
    assert imported.status_code == 201, imported.text
    return meeting_id


def _wait_done(client: Any, headers: dict[str, str], url: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            body = client.get(url, headers=headers, timeout=30).json()
            if body["status"] == "done":
                return body  # type: ignore[no-any-return]
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"the mailing did not finish in {timeout} s"
        time.sleep(0.5)


GREYLISTED = {f"lienhe{i}@example.vn" for i in range(0, 300, 10)}
BUSY_AFTER_DATA = {f"lienhe{i}@example.vn" for i in range(5, 300, 50)}


class RefusingRelay(Relay):
    """Greylists some recipients twice at RCPT (451), refuses some messages once after
    their data (451 to the final "."), and knows no lienhe7 (550)."""

    def __init__(self) -> None:
        super().__init__(refuse=GREYLISTED, refuse_at="rcpt", refuse_times=2, permanent={"lienhe7@example.vn"})
        self.after_data = Relay(refuse=BUSY_AFTER_DATA, refuse_at="data")

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.after_data._should_refuse(envelope.rcpt_tos[0]):
            return "451 4.3.0 Temporary local problem, try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def relay(request: pytest.FixtureRequest) -> Any:
    with smtp_relay(RefusingRelay() if getattr(request, "param", "") == "refusing" else Relay()) as (handler, _port):
        yield handler


@pytest.fixture
def env_overrides(relay: Relay) -> dict[str, str]:
    return relay_settings(
        relay.port,  # type: ignore[attr-defined]
        CONFMGR_BASE_URL="http://hoinghi.example.vn", CONFMGR_SMTP_RETRY_SECONDS="0.3", CONFMGR_SMTP_MAX_ATTEMPTS="4",
    )


@pytest.mark.slow
@pytest.mark.once
def test_invitations_to_3321_sites_answer_at_once_and_reach_each_site_exactly_once(
    client: Any, admin_api: dict[str, str], relay: Relay, db: Any
) -> None:
    meeting_id = _meeting_with_sites(client, admin_api, SITES)
    started = time.perf_counter()
    response = client.post(f"/api/v1/meetings/{meeting_id}/invitations/send", headers=admin_api)
    elapsed = time.perf_counter() - started
    assert response.status_code == 202, response.text
    # Under a second on an idle machine (bench/bench_mailing.py measures it); generous here.
    assert elapsed < 5, elapsed
    body = response.json()
    assert (body["total"], body["waiting"], body["sent"], body["status"]) == (SITES, SITES, 0, "queued")
    # Answered before the mail went out: far from all of it can be sent yet.
    assert relay.total() < SITES

    # A second send while the first runs is refused, and mails nobody.
    again = client.post(f"/api/v1/meetings/{meeting_id}/invitations/send", headers=admin_api)
    assert again.status_code == 409, again.text

    done = _wait_done(client, admin_api, body["url"], timeout=600)
    assert (done["sent"], done["failed"], done["waiting"], done["percent"]) == (SITES, 0, 0, 100)
    assert relay.accepted == Counter({email: 1 for email in EMAILS})
    summary = client.get(f"/api/v1/meetings/{meeting_id}/invitations", headers=admin_api).json()
    assert (summary["invited"], summary["sending"], summary["failed"]) == (SITES, 0, 0)
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=admin_api).json()["status"] == "invited"


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "confmgr", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


@pytest.mark.slow
@pytest.mark.once
def test_a_server_killed_mid_send_resumes_and_still_mails_each_site_exactly_once(
    settings: Any, db: Any, relay: Relay, tmp_path: Path
) -> None:
    make_user(db, "admin", "admin")
    env = server_env(settings, CONFMGR_SMTP_URL=f"smtp://127.0.0.1:{relay.port}",  # type: ignore[attr-defined]
                     CONFMGR_MAIL_FROM="vanphong@snv.example.vn")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    process = _serve(env, port, log)
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            token = client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            meeting_id = _meeting_with_sites(client, headers, SITES)
            response = client.post(f"/api/v1/meetings/{meeting_id}/invitations/send", headers=headers)
            assert response.status_code == 202, response.text
            url = response.json()["url"]
            deadline = time.monotonic() + 300
            while relay.total() < SITES // 3:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.01)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            at_kill = relay.total()
            assert 0 < at_kill < SITES, at_kill

            process = _serve(env, port, log)
            token = client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            done = _wait_done(client, headers, url, timeout=600)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    assert (done["sent"], done["failed"], done["waiting"]) == (SITES, 0, 0), done
    duplicates = {email: n for email, n in relay.accepted.items() if n != 1}
    assert duplicates == {}
    assert sorted(relay.accepted) == sorted(EMAILS)


@pytest.mark.slow
@pytest.mark.once
@pytest.mark.parametrize("relay", ["refusing"], indirect=True)
def test_temporary_refusals_are_tried_again_and_a_bad_address_fails_alone(
    client: Any, admin_api: dict[str, str], relay: RefusingRelay, db: Any
) -> None:
    from sqlalchemy import update

    from confmgr.sites.models import Site

    meeting_id = _meeting_with_sites(client, admin_api, 300)

    async def spoil(session: Any) -> None:
        # An address that is not one (kept from an old import): its message fails alone.
        await session.execute(
            update(Site).where(Site.meeting_id == meeting_id, Site.contact_email == "lienhe3@example.vn")
            .values(contact_email="lienhe3@@example..vn")
        )

    db(spoil)
    response = client.post(f"/api/v1/meetings/{meeting_id}/invitations/send", headers=admin_api)
    assert response.status_code == 202, response.text
    done = _wait_done(client, admin_api, response.json()["url"], timeout=300)

    assert (done["sent"], done["failed"]) == (298, 2), done
    failures = {f["recipient"]: f for f in done["failures"]}
    assert set(failures) == {"lienhe3@@example..vn", "lienhe7@example.vn"}
    assert "not a valid email address" in failures["lienhe3@@example..vn"]["error"]
    assert "550 5.1.1 No such user here" in failures["lienhe7@example.vn"]["error"]
    assert failures["lienhe7@example.vn"]["attempts"] == 1  # permanent: not tried again
    # Greylisted twice at RCPT, then accepted on the third try; refused once after the data, then accepted.
    assert all(relay.refused[a] == 2 for a in GREYLISTED)
    assert all(relay.after_data.refused[a] == 1 for a in BUSY_AFTER_DATA)
    retried = {f["recipient"] for f in done["failures"]}
    assert not retried & (GREYLISTED | BUSY_AFTER_DATA)
    expected = {f"lienhe{i}@example.vn": 1 for i in range(300) if i not in (3, 7)}
    assert relay.accepted == Counter(expected)

    # The relay knows lienhe7 now: "send the failed again" mails only the two failed, once.
    relay.permanent = set()
    retried = client.post(f"/api/v1/meetings/{meeting_id}/invitations/jobs/{done['id']}/retry", headers=admin_api)
    assert retried.status_code == 202, retried.text
    again = _wait_done(client, admin_api, done["url"], timeout=300)
    assert (again["sent"], again["failed"]) == (299, 1)
    assert [f["recipient"] for f in again["failures"]] == ["lienhe3@@example..vn"]
    assert relay.accepted == Counter({**expected, "lienhe7@example.vn": 1})
    # A mailing is found only under its own meeting.
    other = client.get(f"/api/v1/meetings/{meeting_id + 1}/invitations/jobs/{done['id']}", headers=admin_api)
    assert other.status_code == 404
