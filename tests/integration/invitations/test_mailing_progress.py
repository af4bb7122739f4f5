"""A mailing's estimated time left, in the JSON and on the page, while nobody runs it: the
server's own workers are off (CONFMGR_JOBS_IN_PROCESS=0) and the test moves the job."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from tests.helpers import text_of
from tests.integration.invitations.conftest import BASE_URL, add_site, create_meeting
from tests.servers import free_port


@pytest.fixture
def env_overrides() -> dict[str, str]:
    return {
        "CONFMGR_BASE_URL": BASE_URL, "CONFMGR_SMTP_URL": f"smtp://127.0.0.1:{free_port()}",
        "CONFMGR_JOBS_IN_PROCESS": "0",
    }


def _eta_on_page(client: Any, meeting_id: int) -> str:
    text = text_of(client.get(f"/meetings/{meeting_id}/invitations").text)
    return text.split("Thời gian còn lại ", 1)[1].split(" ", 1)[0]


def test_time_left_is_the_pace_so_far_times_what_is_waiting(
    admin_client: Any, admin_api: dict[str, str], db: Any
) -> None:
    from confmgr.jobs.models import BackgroundJob
    from confmgr.sites.models import OutgoingEmail
    from confmgr.timeutil import now

    client = admin_client
    meeting = create_meeting(client, admin_api)
    for i in range(8):
        add_site(client, admin_api, meeting["id"], f"UBND xã {i}", f"xa{i}@example.vn")
    started = client.post(f"/api/v1/meetings/{meeting['id']}/invitations/send", headers=admin_api)
    assert started.status_code == 202, started.text
    url, job_id = started.json()["url"], started.json()["id"]
    # Queued, nothing sent: no estimate yet.
    assert client.get(url, headers=admin_api).json()["eta_seconds"] is None
    assert _eta_on_page(client, meeting["id"]) == "–"

    async def progress(session: Any, sent: int, seconds_ago: float, status: str = "running") -> None:
        await session.execute(
            update(BackgroundJob).where(BackgroundJob.id == job_id)
            .values(status=status, started_at=now() - timedelta(seconds=seconds_ago))
        )
        ids = list(await session.scalars(select(OutgoingEmail.id).where(OutgoingEmail.job_id == job_id).order_by(OutgoingEmail.id)))
        await session.execute(update(OutgoingEmail).where(OutgoingEmail.id.in_(ids[:sent])).values(status="sent"))

    # 2 sent in 30 s, 6 waiting: 90 s left (a minute and a half on the page).
    db(lambda s: progress(s, 2, 30))
    body = client.get(url, headers=admin_api).json()
    assert (body["sent"], body["waiting"], body["percent"]) == (2, 6, 25)
    assert 90 <= body["eta_seconds"] <= 92, body
    assert _eta_on_page(client, meeting["id"]) in ("1:30", "1:31", "1:32")

    # Faster than that (6 sent in 30 s, 2 waiting): 10 s left.
    db(lambda s: progress(s, 6, 30))
    body = client.get(url, headers=admin_api).json()
    assert 10 <= body["eta_seconds"] <= 11, body
    assert _eta_on_page(client, meeting["id"]) in ("0:10", "0:11")

    # Finished: nothing left to estimate.
    db(lambda s: progress(s, 8, 40, status="done"))
    body = client.get(url, headers=admin_api).json()
    assert (body["percent"], body["eta_seconds"]) == (100, None)
    assert _eta_on_page(client, meeting["id"]) == "–"
