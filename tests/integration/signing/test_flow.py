"""Numbered → signed outside confmgr → sealed by the clerk; revisions, downloads, /verify."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tests.helpers import api_token, make_user
from tests.integration.signing.conftest import Built, external_sign, issue, pdf_of, pdfsig, upload_signed
from tests.signing_pki import Pki


def _revisions(db: Any) -> int:
    from confmgr.signing.models import DocumentRevision

    async def count(session: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(DocumentRevision)))

    return int(db(count))


def test_external_signature_then_seal(client: Any, db: Any, api: dict[str, str], meeting: Built, pki: Pki, tmp_path: Path) -> None:
    out = issue(client, api, meeting.id, "minutes")
    numbered = pdf_of(client, api, meeting.id)
    assert hashlib.sha256(numbered).hexdigest() == out["sha256"]

    signed = external_sign(numbered, pki.signer)
    r = upload_signed(client, api, meeting.id, signed)
    assert r.status_code == 201, r.text
    assert r.json()["stage"] == "signed" and r.json()["signer"] == "Trần Minh Hoàng"
    assert pdf_of(client, api, meeting.id) == signed  # the latest revision

    # Only the clerk seals.
    r = client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/seal", headers=api)
    assert r.status_code == 403, r.text
    make_user(db, "vanthu", "clerk")
    clerk = api_token(client, "vanthu")
    r = client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/seal", headers=clerk)
    assert r.status_code == 201, r.text
    sealed = pdf_of(client, api, meeting.id)
    assert sealed.startswith(signed) and sealed.startswith(numbered) and len(sealed) > len(signed)

    sigs = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes/signatures", headers=api).json()
    assert sigs["stage"] == "sealed" and sigs["number"] == out["number"]
    assert [(s["kind"], s["signer"], s["intact"], s["trusted"], s["covers_issued_bytes"]) for s in sigs["signatures"]] == [
        ("signer", "Trần Minh Hoàng", True, True, True),
        ("agency", "Sở Nội vụ tỉnh Bình Định", True, True, True),
    ]
    assert sigs["signatures"][1]["organization"] == "Ủy ban nhân dân tỉnh Bình Định"
    assert sigs["signatures"][1]["signed_at"].endswith(("+00:00", "Z"))
    assert [r["stage"] for r in sigs["revisions"]] == ["signed", "sealed"]
    # Earlier revisions stay reachable, byte for byte.
    assert client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes/revisions/0.pdf", headers=api).content == numbered
    assert client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes/revisions/1.pdf", headers=api).content == signed
    assert client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes/revisions/2.pdf", headers=api).content == sealed
    assert client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes/revisions/3.pdf", headers=api).status_code == 404

    # Poppler reads both signatures as valid, independently of pyHanko.
    report = pdfsig(sealed, tmp_path)
    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert "Total document signed" in report

    # A site downloads the sealed file.
    site = client.get("/api/v1/portal/issued-documents", headers={"Authorization": f"Bearer {meeting.token(1)}"}).json()
    got = client.get(site[0]["url"].replace("http://127.0.0.1:8000", ""), headers={"Authorization": f"Bearer {meeting.token(1)}"})
    assert got.status_code == 200 and got.content == sealed

    # /verify reads the number and both signatures; no login.
    client.headers.pop("Authorization", None)
    v = client.post("/api/v1/verify", files={"file": ("x.pdf", sealed, "application/pdf")})
    assert v.status_code == 200, v.text
    body = v.json()
    assert body["issued"] is True and body["number"] == out["number"] and body["stage"] == "sealed" and not body["tampered"]
    assert [s["kind"] for s in body["signatures"]] == ["signer", "agency"]


def test_refusals_store_nothing(client: Any, db: Any, api: dict[str, str], meeting: Built, pki: Pki) -> None:
    issue(client, api, meeting.id, "minutes")
    numbered = pdf_of(client, api, meeting.id)
    make_user(db, "vanthu", "clerk")
    clerk = api_token(client, "vanthu")

    # Seal before the signer's signature.
    r = client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/seal", headers=clerk)
    assert r.status_code == 409 and "ký" in r.json()["detail"], r.text

    signed = external_sign(numbered, pki.signer)
    # Not starting with the issued bytes: one byte of the numbered part changed.
    at = numbered.index(b"/Producer") if b"/Producer" in numbered else 200
    tampered = signed[:at] + bytes([signed[at] ^ 1]) + signed[at + 1 :]
    r = upload_signed(client, api, meeting.id, tampered)
    assert r.status_code == 422 and r.json()["detail"], r.text
    # A modified byte inside the signed part.
    mid = len(numbered) + 40
    broken = signed[:mid] + bytes([signed[mid] ^ 1]) + signed[mid + 1 :]
    r = upload_signed(client, api, meeting.id, broken)
    assert r.status_code == 422, r.text
    # Expired and untrusted certificates are refused, and say why.
    for party, word in ((pki.expired, "hết hạn"), (pki.untrusted, "tin cậy")):
        r = upload_signed(client, api, meeting.id, external_sign(numbered, party))
        assert r.status_code == 422 and word in r.json()["detail"], r.text
    # The numbered file itself carries no new signature; not a PDF; empty.
    assert upload_signed(client, api, meeting.id, numbered).status_code == 422
    assert upload_signed(client, api, meeting.id, b"hello").status_code == 422
    # A signature that rewrote the whole file (not an incremental update).
    assert upload_signed(client, api, meeting.id, external_sign(numbered.replace(b"%PDF-1.4", b"%PDF-1.4"), pki.signer)[:-10]).status_code == 422
    # A viewer or the clerk may not upload nor sign; the answer names who may.
    make_user(db, "xem", "viewer")
    for headers in (api_token(client, "xem"), clerk):
        r = upload_signed(client, headers, meeting.id, signed)
        assert r.status_code == 403 and "Chỉ quản trị viên hoặc thư ký được ký số" in r.json()["detail"], r.text
        r = client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/sign", json={"password": "x"}, headers=headers)
        assert r.status_code == 403 and "quản trị viên hoặc thư ký" in r.json()["detail"], r.text
    # Nor may a secretary apply the agency's signature.
    r = client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/seal", headers=api)
    assert r.status_code == 403 and "Chỉ văn thư" in r.json()["detail"], r.text
    assert _revisions(db) == 0
    assert pdf_of(client, api, meeting.id) == numbered


def test_the_agency_seals_only_what_still_validates(client: Any, app: Any, db: Any, api: dict[str, str], meeting: Built,
                                                     pki: Pki, tmp_path: Path) -> None:
    from dataclasses import replace

    issue(client, api, meeting.id, "minutes")
    signed = external_sign(pdf_of(client, api, meeting.id), pki.signer)
    assert upload_signed(client, api, meeting.id, signed).status_code == 201
    make_user(db, "vanthu", "clerk")
    clerk = api_token(client, "vanthu")
    settings = app.state.settings
    url = f"/api/v1/meetings/{meeting.id}/documents/minutes/seal"

    # The signer's certificate no longer chains to a trusted root: no seal.
    empty = tmp_path / "no-roots"
    empty.mkdir()
    app.state.settings = replace(settings, signing=replace(settings.signing, trust_roots=empty))
    r = client.post(url, headers=clerk)
    assert r.status_code == 409 and "ký" in r.json()["detail"], r.text

    # A seal made with a key nobody trusts is refused before it is stored.
    assert pki.untrusted.p12 is not None
    app.state.settings = replace(settings, signing=replace(settings.signing, agency_p12=pki.untrusted.p12))
    r = client.post(url, headers=clerk)
    assert r.status_code == 422 and "tin cậy" in r.json()["detail"], r.text
    assert _revisions(db) == 1
    assert pdf_of(client, api, meeting.id) == signed

    app.state.settings = settings
    assert client.post(url, headers=clerk).status_code == 201
    assert _revisions(db) == 2
