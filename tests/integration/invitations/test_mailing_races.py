"""Never twice, also when requests race: a double click, two secretaries or an API client
retrying start one mailing, not two; sending the failed emails again never overlaps
another mailing of the meeting. Through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.util import await_only

from tests.helpers import form_post, second_browser, text_of
from tests.integration.invitations.conftest import BASE_URL, Mailbox, add_site, create_meeting
from tests.integration.invitations.test_email import wait_job
from tests.servers import relay_settings, smtp_relay

BUSY_VI = "Thư của hội nghị này đang được gửi. Vui lòng đợi đến khi gửi xong."
EMAILS = ["hoitruong@example.vn", "tuyphuoc@example.vn", "cattien@example.vn"]
UNKNOWN = "cattien@example.vn"


class PickyMailbox(Mailbox):
    """Refuses the addresses in ``unknown`` for good (550) until told otherwise."""

    def __init__(self) -> None:
        super().__init__()
        self.unknown: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.unknown:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def mailbox() -> Any:
    with smtp_relay(PickyMailbox()) as running:
        yield running


@pytest.fixture
def env_overrides(mailbox: tuple[PickyMailbox, int]) -> dict[str, str]:
    return relay_settings(mailbox[1], CONFMGR_BASE_URL=BASE_URL, CONFMGR_SMTP_RETRY_SECONDS="0.2", CONFMGR_SMTP_MAX_ATTEMPTS="1")


def _meeting(client: Any, headers: dict[str, str]) -> int:
    meeting = create_meeting(client, headers)
    for i, email in enumerate(EMAILS):
        add_site(client, headers, meeting["id"], f"Điểm cầu {i}", email)
    return int(meeting["id"])


def _received(box: Mailbox) -> Counter[str]:
    return Counter(r for e in box.envelopes for r in e.rcpt_tos)


class MeetAtTheCheck:
    """Holds each request at its "is a mailing running?" query until the other request
    reaches the same query too (or a second passes): without a guarantee in the database
    both find none and both record a mailing. The wait is awaited on the app's loop
    through SQLAlchemy's greenlet bridge, so the other request keeps running meanwhile."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine.sync_engine
        self.arrived = 0
        self._both: asyncio.Event | None = None

    def __enter__(self) -> MeetAtTheCheck:
        event.listen(self.engine, "after_cursor_execute", self._hold)
        return self

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.engine, "after_cursor_execute", self._hold)

    def _hold(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM background_job" in statement and "background_job.status IN" in statement and "DESC" in statement:
            await_only(self._meet())

    async def _meet(self) -> None:
        if self._both is None:
            self._both = asyncio.Event()
        self.arrived += 1
        if self.arrived >= 2:
            self._both.set()
        try:
            await asyncio.wait_for(self._both.wait(), 1.0)
        except TimeoutError:
            pass


@pytest.mark.parametrize("where", ["api", "page"])
def test_two_sends_at_once_make_one_mailing_and_each_site_gets_one_message(
    admin_client: Any, admin_api: dict[str, str], app: Any, mailbox: tuple[PickyMailbox, int], db: Any, where: str
) -> None:
    from confmgr.jobs.models import BackgroundJob

    client = admin_client
    meeting_id = _meeting(client, admin_api)
    url = f"/api/v1/meetings/{meeting_id}/invitations/send" if where == "api" else f"/meetings/{meeting_id}/invitations/send"

    with second_browser(client) as other, MeetAtTheCheck(app.state.engine) as meet:
        other.cookies.update(client.cookies)  # the same secretary, a second tab (or a double click)

        def post(browser: Any) -> Any:
            if where == "api":
                return browser.post(url, headers=admin_api)
            return form_post(browser, url)

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(post, [client, other]))
    assert meet.arrived >= 2  # both requests did ask whether a mailing was running

    won = 202 if where == "api" else 302
    assert sorted(a.status_code for a in answers) == [won, 409], [a.text[:300] for a in answers]
    winner = next(a for a in answers if a.status_code == won)
    loser = next(a for a in answers if a.status_code == 409)
    if where == "api":
        job_id = winner.json()["id"]
        assert loser.json()["detail"] == BUSY_VI
        assert loser.json()["job_id"] == job_id  # the mailing already doing it
        done = wait_job(client, admin_api, winner)
    else:
        assert BUSY_VI in text_of(loser.text)
        job_id = db(lambda s: s.scalar(select(BackgroundJob.id).where(BackgroundJob.meeting_id == meeting_id)))
        started = client.get(f"/api/v1/meetings/{meeting_id}/invitations/jobs/{job_id}", headers=admin_api)
        deadline = time.monotonic() + 60
        while (done := client.get(started.json()["url"], headers=admin_api).json())["status"] != "done":
            assert time.monotonic() < deadline, done
            time.sleep(0.1)
    assert (done["sent"], done["failed"]) == (3, 0)

    async def jobs(session: Any) -> list[int]:
        return list(await session.scalars(select(BackgroundJob.id).where(BackgroundJob.meeting_id == meeting_id)))

    assert db(jobs) == [job_id]
    assert _received(mailbox[0]) == Counter({email: 1 for email in EMAILS})


def test_the_database_refuses_a_second_active_mailing_of_a_meeting(client: Any, admin_api: dict[str, str], db: Any) -> None:
    from confmgr.jobs.models import BackgroundJob

    meeting_id = _meeting(client, admin_api)

    def add(**values: Any) -> Any:
        async def run(session: Any) -> None:
            session.add(BackgroundJob(meeting_id=meeting_id, skipped={}, **values))
            await session.flush()

        return lambda: db(run)

    add(kind="invitation", status="done")()
    add(kind="invitation", status="queued")()
    with pytest.raises(IntegrityError):
        add(kind="reminder", status="running")()
    with pytest.raises(IntegrityError):
        add(kind="invitation", status="queued")()
    # Finished mailings, and jobs of other kinds (an export), are not limited.
    add(kind="reminder", status="done")()
    add(kind="export", status="queued")()


def _first_mailing_with_a_failure(client: Any, headers: dict[str, str], box: PickyMailbox) -> tuple[int, dict[str, Any]]:
    meeting_id = _meeting(client, headers)
    box.unknown = {UNKNOWN}
    done = wait_job(client, headers, client.post(f"/api/v1/meetings/{meeting_id}/invitations/send", headers=headers))
    assert (done["sent"], done["failed"]) == (2, 1)
    assert [f["recipient"] for f in done["failures"]] == [UNKNOWN]
    box.unknown = set()
    return meeting_id, done


def test_the_failed_are_not_sent_again_while_another_mailing_runs(
    admin_client: Any, admin_api: dict[str, str], mailbox: tuple[PickyMailbox, int], db: Any
) -> None:
    from sqlalchemy import update

    from confmgr.jobs.models import BackgroundJob

    client, box = admin_client, mailbox[0]
    meeting_id, done = _first_mailing_with_a_failure(client, admin_api, box)

    # Another mailing of the meeting is running (a reminder, say, held by a worker).
    async def running(session: Any) -> int:
        job = BackgroundJob(kind="reminder", meeting_id=meeting_id, status="running", skipped={})
        session.add(job)
        await session.flush()
        return int(job.id)

    other = db(running)
    api_retry = f"/api/v1/meetings/{meeting_id}/invitations/jobs/{done['id']}/retry"
    refused = client.post(api_retry, headers=admin_api)
    assert refused.status_code == 409, refused.text
    assert (refused.json()["detail"], refused.json()["job_id"]) == (BUSY_VI, other)
    page = form_post(client, f"/meetings/{meeting_id}/invitations/jobs/{done['id']}/retry")
    assert page.status_code == 409
    assert BUSY_VI in text_of(page.text)
    still = client.get(done["url"], headers=admin_api).json()
    assert (still["status"], still["failed"], still["waiting"]) == ("done", 1, 0)

    async def finish(session: Any) -> None:
        await session.execute(update(BackgroundJob).where(BackgroundJob.id == other).values(status="done"))

    db(finish)
    # Once it is over, the page's button sends the failed one again, and only it.
    page = form_post(client, f"/meetings/{meeting_id}/invitations/jobs/{done['id']}/retry")
    assert page.status_code in (302, 303)
    assert page.headers["location"] == f"/meetings/{meeting_id}/invitations"
    deadline = time.monotonic() + 60
    while (again := client.get(done["url"], headers=admin_api).json())["status"] != "done":
        assert time.monotonic() < deadline, again
        time.sleep(0.1)
    assert (again["sent"], again["failed"]) == (3, 0)
    assert _received(box) == Counter({email: 1 for email in EMAILS})
    assert "Gửi lại các thư bị lỗi" not in text_of(client.get(f"/meetings/{meeting_id}/invitations").text)


def test_an_older_mailing_is_not_retried_once_a_newer_one_reached_its_sites(
    client: Any, admin_api: dict[str, str], mailbox: tuple[PickyMailbox, int]
) -> None:
    box = mailbox[0]
    meeting_id, first = _first_mailing_with_a_failure(client, admin_api, box)
    # "Send" again takes the sites not invited yet: the one that failed.
    second = wait_job(client, admin_api, client.post(f"/api/v1/meetings/{meeting_id}/invitations/send", headers=admin_api))
    assert (second["total"], second["sent"]) == (1, 1)
    refused = client.post(f"/api/v1/meetings/{meeting_id}/invitations/jobs/{first['id']}/retry", headers=admin_api)
    assert refused.status_code == 409, refused.text
    assert "đợt gửi mới hơn" in refused.json()["detail"]
    assert _received(box) == Counter({email: 1 for email in EMAILS})
