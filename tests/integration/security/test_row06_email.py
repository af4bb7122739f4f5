"""Row 6 of #13: one email parser for checking and sending: ``vanthu@example.gov.vn,x``
is refused where it is typed or imported, and one bad address stored earlier does
not fail the other invitations of the batch."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import update

from confmgr.emailaddr import parse_email
from tests.integration.invitations.conftest import Mailbox, add_site, create_meeting, mailbox  # noqa: F401

BAD = ["vanthu@example.gov.vn,x", "vanthu@example.gov.vn; ketoan@example.gov.vn", "Văn thư <vanthu@example.gov.vn>",
       "vanthu @example.gov.vn", "vanthu@example"]


def test_row06_one_parser_refuses_what_cannot_be_sent() -> None:
    for value in BAD:
        assert parse_email(value) is None, value
    assert parse_email("vanthu@ubnd.hoavang.danang.gov.vn") == "vanthu@ubnd.hoavang.danang.gov.vn"


def test_row06_bad_address_refused_in_the_api_and_the_import(client: Any, admin_api: dict[str, str]) -> None:
    meeting = create_meeting(client, admin_api)
    for value in BAD:
        answer = client.post(f"/api/v1/meetings/{meeting['id']}/sites", headers=admin_api,
                             json={"name": "UBND xã Hòa Tiến", "contact": {"full_name": "A", "phone": "", "email": value}})
        assert answer.status_code == 422, (value, answer.text)
        assert "contact.email" in answer.json().get("fields", {}), answer.text
    csv = "name,contact_email\nUBND xã Hòa Tiến,\"vanthu@example.gov.vn,x\"\n".encode()
    answer = client.post(f"/api/v1/meetings/{meeting['id']}/sites/import", files={"file": ("sites.csv", csv)}, headers=admin_api)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["row"] == 2
    assert client.get(f"/api/v1/meetings/{meeting['id']}/sites", headers=admin_api).json() == []


@pytest.fixture
def env_overrides(mailbox: tuple[Mailbox, int]) -> dict[str, str]:  # noqa: F811
    return {"CONFMGR_SMTP_URL": f"smtp://127.0.0.1:{mailbox[1]}", "CONFMGR_MAIL_FROM": "vanphong@snv.example.vn",
            "CONFMGR_SMTP_RETRY_SECONDS": "0.2", "CONFMGR_SMTP_MAX_ATTEMPTS": "2"}


def test_row06_one_bad_address_never_fails_the_batch(client: Any, admin_api: dict[str, str], db: Any,
                                                     mailbox: tuple[Mailbox, int]) -> None:  # noqa: F811
    from confmgr.sites.models import Site

    meeting = create_meeting(client, admin_api)
    good = [add_site(client, admin_api, meeting["id"], f"UBND xã số {n}", f"xa{n}@example.gov.vn") for n in range(3)]
    stored = add_site(client, admin_api, meeting["id"], "UBND xã Cũ", "cu@example.gov.vn")

    async def corrupt(session: Any) -> None:
        # As an address stored before the check was tightened.
        await session.execute(update(Site).where(Site.id == stored["id"]).values(contact_email="vanthu@example.gov.vn,x"))

    db(corrupt)
    started = client.post(f"/api/v1/meetings/{meeting['id']}/invitations/send", headers=admin_api)
    assert started.status_code in (200, 202), started.text
    if started.status_code == 202:
        deadline = time.monotonic() + 60
        while client.get(started.json()["url"], headers=admin_api).json()["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.1)
    recipients = sorted(r for e in mailbox[0].envelopes for r in e.rcpt_tos)
    assert recipients == sorted(s["contact"]["email"] for s in good)
    summary = client.get(f"/api/v1/meetings/{meeting['id']}/invitations", headers=admin_api)
    assert summary.status_code == 200
    assert summary.json()["failed"] == 1, summary.json()
