"""The agency key on a PKCS#11 token: a real SoftHSM2 token initialised in a temp dir."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from tests.helpers import api_token, make_user
from tests.integration.signing.conftest import Built, external_sign, issue, pdf_of, pdfsig, upload_signed
from tests.signing_pki import Pki

MODULE = next((p for p in ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so") if Path(p).exists()), None)
PIN = "246810"
pytestmark = pytest.mark.skipif(
    MODULE is None or shutil.which("softhsm2-util") is None or shutil.which("pkcs11-tool") is None,
    reason="SoftHSM2 and pkcs11-tool (opensc) are needed (installed by .ci/run)",
)


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}

    def run(*args: str) -> None:
        subprocess.run(list(args), env=env, check=True, capture_output=True, timeout=60)

    run("softhsm2-util", "--init-token", "--free", "--label", "agency-token", "--so-pin", "13579111", "--pin", PIN)
    assert pki.agency.key_pem is not None
    run("softhsm2-util", "--import", str(pki.agency.key_pem), "--token", "agency-token", "--label", "seal", "--id", "01", "--pin", PIN)
    for party, label, oid in ((pki.agency, "seal", "01"), (pki.intermediate, "ca", "02")):
        der = folder / f"{label}.der"
        der.write_bytes(party.cert.public_bytes(Encoding.DER))
        run("pkcs11-tool", "--module", str(MODULE), "--token-label", "agency-token", "--login", "--pin", PIN,
            "--write-object", str(der), "--type", "cert", "--label", label, "--id", oid)
    os.environ["SOFTHSM2_CONF"] = str(conf)  # the library reads it from the process environment
    return {"conf": str(conf)}


@pytest.fixture
def env_overrides(pki: Pki, token: dict[str, str]) -> dict[str, str]:
    return {
        "CONFMGR_TRUST_ROOTS": str(pki.trust_dir),
        "CONFMGR_PKCS11_MODULE": str(MODULE),
        "CONFMGR_PKCS11_TOKEN_LABEL": "agency-token",
        "CONFMGR_PKCS11_KEY_LABEL": "seal",
        "CONFMGR_PKCS11_PIN": PIN,
    }


def _seal(client: Any, db: Any, api: dict[str, str], meeting: Built, pki: Pki) -> tuple[Any, bytes]:
    issue(client, api, meeting.id, "minutes")
    signed = external_sign(pdf_of(client, api, meeting.id), pki.signer)
    assert upload_signed(client, api, meeting.id, signed).status_code == 201
    make_user(db, "vanthu", "clerk")
    return client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/seal", headers=api_token(client, "vanthu")), signed


def test_seal_with_the_token(client: Any, db: Any, api: dict[str, str], meeting: Built, pki: Pki, tmp_path: Path) -> None:
    r, signed = _seal(client, db, api, meeting, pki)
    assert r.status_code == 201, r.text
    sealed = pdf_of(client, api, meeting.id)
    assert sealed.startswith(signed)
    sigs = client.get(f"/api/v1/meetings/{meeting.id}/documents/minutes/signatures", headers=api).json()["signatures"]
    assert [(s["kind"], s["signer"], s["intact"], s["trusted"]) for s in sigs] == [
        ("signer", "Trần Minh Hoàng", True, True), ("agency", "Sở Nội vụ tỉnh Bình Định", True, True),
    ]
    report = pdfsig(sealed, tmp_path)
    assert report.count("Signature is Valid.") == 2, report
    assert "CN=Sở Nội vụ tỉnh Bình Định" in report


def test_wrong_pin_is_a_clear_error(client: Any, app: Any, db: Any, api: dict[str, str], meeting: Built, pki: Pki) -> None:
    from dataclasses import replace

    settings = app.state.settings
    app.state.settings = replace(settings, signing=replace(settings.signing, pkcs11_pin="000000"))
    r, signed = _seal(client, db, api, meeting, pki)
    assert r.status_code == 409, r.text
    assert "mã PIN" in r.json()["detail"]
    assert pdf_of(client, api, meeting.id) == signed  # nothing stored
