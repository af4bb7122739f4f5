"""Fixtures for invitations: a meeting with sites made through the API, a real SMTP server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from tests.factories import meeting_json
from tests.servers import free_port, smtp_relay  # noqa: F401 (free_port: the tests here take it from this module)

# http: an https base makes cookies Secure, which the test client (plain http) would not send back.
BASE_URL = "http://hoinghi.snv.example.vn"


@dataclass
class Mailbox:
    """An SMTP handler for aiosmtpd that keeps every message it is given."""

    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]  # type: ignore[misc]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with smtp_relay(Mailbox()) as running:
        yield running


@pytest.fixture
def env_overrides() -> dict[str, str]:
    # Links in pages, QR codes and emails are built on the public address.
    return {"CONFMGR_BASE_URL": BASE_URL}


def create_meeting(client: Any, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/meetings", json=meeting_json(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def add_site(client: Any, headers: dict[str, str], meeting_id: int, name: str, email: str = "", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, **extra}
    body["contact"] = {"full_name": f"Cán bộ {name}", "phone": "0905123456", "email": email}
    response = client.post(f"/api/v1/meetings/{meeting_id}/sites", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def site_for(settings: Any, token: str) -> Any:
    """The site a token opens now (None when it opens nothing), through the portal's own check."""
    from confmgr.cli_support import session_scope
    from confmgr.portal.auth import site_for_token
    from confmgr.sites.tokens import SiteKeys

    async def run() -> Any:
        async with session_scope(settings) as session:
            site = await site_for_token(session, SiteKeys(settings.server.secret_key), token)
            return None if site is None else site.id

    return asyncio.run(run())
