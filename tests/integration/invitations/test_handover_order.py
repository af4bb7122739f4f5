"""The final "." of every message of a group is written before any answer is read, so a
group committed as sent reaches the relay within a few socket writes of its commit,
not one relay round trip after another (see confmgr.invitations.delivery)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.invitations.conftest import BASE_URL, add_site, create_meeting
from tests.integration.invitations.test_email import wait_job
from tests.servers import relay_settings, smtp_relay

CONNECTIONS = 4


class RecordingRelay:
    """Records when each message's final "." arrives and when it is answered; holds each
    answer until the "." of the whole group has arrived (or a few seconds have passed,
    which a client waiting for each answer before its next "." would cause)."""

    def __init__(self, group: int, patience: float = 3.0) -> None:
        self.group, self.patience = group, patience
        self.events: list[str] = []
        self.accepted: Counter[str] = Counter()
        self.waited_in_vain = 0
        self.lock = threading.Lock()
        self._all_dots: asyncio.Event | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self._all_dots is None:
            self._all_dots = asyncio.Event()
        with self.lock:
            self.events.append("dot")
            if self.events.count("dot") >= self.group:
                self._all_dots.set()
        try:
            await asyncio.wait_for(self._all_dots.wait(), self.patience)
        except TimeoutError:
            self.waited_in_vain += 1
        with self.lock:
            self.events.append("reply")
            for rcpt in envelope.rcpt_tos:
                self.accepted[rcpt] += 1
        return "250 Message accepted for delivery"


@pytest.fixture
def relay() -> Iterator[tuple[RecordingRelay, int]]:
    with smtp_relay(RecordingRelay(CONNECTIONS)) as running:
        yield running


@pytest.fixture
def env_overrides(relay: tuple[RecordingRelay, int]) -> dict[str, str]:
    return relay_settings(relay[1], CONFMGR_BASE_URL=BASE_URL, CONFMGR_SMTP_CONNECTIONS=str(CONNECTIONS))


def test_every_final_dot_of_a_group_is_written_before_any_answer_is_read(
    client: Any, admin_api: dict[str, str], relay: tuple[RecordingRelay, int]
) -> None:
    handler = relay[0]
    meeting = create_meeting(client, admin_api)
    emails = [f"xa{i}@example.vn" for i in range(CONNECTIONS)]
    for i, email in enumerate(emails):
        add_site(client, admin_api, meeting["id"], f"UBND xã {i}", email)
    done = wait_job(client, admin_api, client.post(f"/api/v1/meetings/{meeting['id']}/invitations/send", headers=admin_api))
    assert (done["sent"], done["failed"]) == (CONNECTIONS, 0)
    # One group, one message per connection: all of its dots, then all of the answers.
    assert handler.events == ["dot"] * CONNECTIONS + ["reply"] * CONNECTIONS
    assert handler.waited_in_vain == 0
    assert handler.accepted == Counter({email: 1 for email in emails})


def test_a_final_dot_that_cannot_be_written_is_not_counted_as_handed_over(relay: tuple[RecordingRelay, int]) -> None:
    from confmgr.invitations.delivery import Relay
    from confmgr.invitations.mail import parse_smtp_url

    handler, port = relay
    connection = Relay(parse_smtp_url(f"smtp://127.0.0.1:{port}"))
    connection.begin("vanphong@snv.example.vn", "xa1@example.vn", b"Subject: thu\r\n\r\nNoi dung\r\n")
    assert connection.client is not None
    connection.client.sock.shutdown(socket.SHUT_RDWR)  # the connection breaks before the "."
    assert connection.send_dot() is False
    code, answer = connection.read_reply()
    assert code == 0 and "before the message was handed over" in answer
    connection.close()
    assert handler.events == []  # the relay never had the message
