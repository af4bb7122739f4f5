"""PAdES B-T: with ``CONFMGR_TSA_URL`` set, signatures carry an RFC 3161 time stamp.

The TSA is a tiny HTTP server on 127.0.0.1 that answers RFC 3161 requests with
pyHanko's own time-stamp responder and the test PKI's TSA certificate: no network.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import tsp
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign.timestamps import DummyTimeStamper

from tests.helpers import api_token, csrf_token, login, make_user
from tests.integration.signing.conftest import PASSWORD, Built, issue, pdf_of, pdfsig
from tests.signing_pki import Pki


@pytest.fixture(scope="module")
def tsa(pki: Pki) -> Iterator[dict[str, Any]]:
    assert pki.tsa.cert_pem and pki.tsa.key_pem and pki.intermediate.cert_pem
    responder = DummyTimeStamper(
        tsa_cert=load_cert_from_pemder(str(pki.tsa.cert_pem)),
        tsa_key=load_private_key_from_pemder(str(pki.tsa.key_pem), passphrase=None),
        certs_to_embed=[load_cert_from_pemder(str(pki.intermediate.cert_pem))],
    )
    seen: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            assert self.headers.get("Content-Type") == "application/timestamp-query"
            answer = responder.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            seen.append(len(body))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}/tsa", "seen": seen}
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def env_overrides(pki: Pki, tsa: dict[str, Any]) -> dict[str, str]:
    return {
        "CONFMGR_TRUST_ROOTS": str(pki.trust_dir),
        "CONFMGR_AGENCY_P12": str(pki.agency.p12),
        "CONFMGR_AGENCY_P12_PASSWORD": PASSWORD,
        "CONFMGR_TSA_URL": tsa["url"],
    }


def test_signatures_get_a_time_stamp(client: Any, db: Any, api: dict[str, str], meeting: Built, pki: Pki,
                                     tsa: dict[str, Any], tmp_path: Path) -> None:
    issue(client, api, meeting.id, "minutes")
    login(client)
    r = client.post("/signing", data={"_csrf_token": csrf_token(client), "action": "credential", "password": PASSWORD},
                    files={"p12": ("me.p12", pki.signer.p12_bytes(), "application/x-pkcs12")}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    before = len(tsa["seen"])
    r = client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/sign", json={"password": PASSWORD}, headers=api)
    assert r.status_code == 201, r.text
    make_user(db, "vanthu", "clerk")
    r = client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/seal", headers=api_token(client, "vanthu"))
    assert r.status_code == 201, r.text
    assert len(tsa["seen"]) - before >= 2  # time stamps were asked for (pyHanko also asks once to size each signature)
    sigs = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes/signatures", headers=api).json()["signatures"]
    assert [(s["kind"], s["timestamped"], s["intact"], s["trusted"]) for s in sigs] == [
        ("signer", True, True, True), ("agency", True, True, True),
    ]
    report = pdfsig(pdf_of(client, api, meeting.id), tmp_path)
    assert report.count("Signature is Valid.") == 2, report


def test_unreachable_tsa_stores_nothing(client: Any, app: Any, db: Any, api: dict[str, str], meeting: Built, pki: Pki) -> None:
    from dataclasses import replace

    issue(client, api, meeting.id, "minutes")
    numbered = pdf_of(client, api, meeting.id)
    login(client)
    client.post("/signing", data={"_csrf_token": csrf_token(client), "action": "credential", "password": PASSWORD},
                files={"p12": ("me.p12", pki.signer.p12_bytes(), "application/x-pkcs12")}, follow_redirects=False)
    settings = app.state.settings
    app.state.settings = replace(settings, signing=replace(settings.signing, tsa_url="http://127.0.0.1:9/tsa"))
    r = client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/sign", json={"password": PASSWORD}, headers=api)
    assert r.status_code == 409 and "dấu thời gian" in r.json()["detail"], r.text
    assert pdf_of(client, api, meeting.id) == numbered
