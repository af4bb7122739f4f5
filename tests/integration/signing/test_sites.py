"""What the sites receive: the sealed document once sealing is configured; without it
the latest revision, with a clear notice."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import text_of
from tests.integration.signing.conftest import Built, external_sign, issue, pdf_of, upload_signed
from tests.signing_pki import Pki


def _site(client: Any, meeting: Built) -> dict[str, str]:
    return {"Authorization": f"Bearer {meeting.token(2)}"}


def test_sealing_configured_sites_wait_for_the_seal(client: Any, api: dict[str, str], meeting: Built, pki: Pki) -> None:
    issue(client, api, meeting.id, "minutes")
    signed = external_sign(pdf_of(client, api, meeting.id), pki.signer)
    assert upload_signed(client, api, meeting.id, signed).status_code == 201
    listed = client.get("/api/v1/portal/issued-documents", headers=_site(client, meeting)).json()
    assert listed[0]["stage"] == "signed"
    r = client.get(f"/api/v1/portal/issued-documents/{listed[0]['id']}", headers=_site(client, meeting))
    assert r.status_code == 409 and "sau khi cơ quan đã ký số" in r.json()["detail"]
    page = client.get(f"/s/{meeting.token(2)}")
    assert "Văn bản chưa được ký số của cơ quan" in text_of(page.text)


@pytest.mark.parametrize("env_overrides", [{}])
def test_without_sealing_sites_get_the_latest_revision_with_a_notice(client: Any, api: dict[str, str], meeting: Built, pki: Pki, env_overrides: Any) -> None:
    issue(client, api, meeting.id, "minutes")
    numbered = pdf_of(client, api, meeting.id)
    listed = client.get("/api/v1/portal/issued-documents", headers=_site(client, meeting)).json()
    got = client.get(f"/api/v1/portal/issued-documents/{listed[0]['id']}", headers=_site(client, meeting))
    assert got.status_code == 200 and got.content == numbered
    assert listed[0]["stage"] == "numbered"
    page = client.get(f"/s/{meeting.token(2)}")
    assert "Văn bản chưa được ký số của cơ quan" in text_of(page.text)
    signed = external_sign(numbered, pki.signer)
    r = upload_signed(client, api, meeting.id, signed)
    assert r.status_code == 422  # no trust roots configured: nothing is trusted, and it says so
    assert "tin cậy" in r.json()["detail"]
