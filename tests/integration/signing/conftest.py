"""An ended meeting with both documents issued, a PKI and the settings that trust it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.documents.conftest import AGENCY, Built, api, build_meeting, meeting, set_agency  # noqa: F401
from tests.signing_pki import PASSWORD, Pki, make_pki

__all__ = ["AGENCY", "PASSWORD", "Built", "set_agency"]


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def env_overrides(pki: Pki) -> dict[str, str]:
    return {
        "CONFMGR_TRUST_ROOTS": str(pki.trust_dir),
        "CONFMGR_AGENCY_P12": str(pki.agency.p12),
        "CONFMGR_AGENCY_P12_PASSWORD": PASSWORD,
    }


def issue(client: Any, headers: dict[str, str], mid: int, kind: str = "minutes") -> dict[str, Any]:
    response = client.post(f"/api/v1/meetings/{mid}/documents/{kind}/issue", headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def pdf_of(client: Any, headers: dict[str, str], mid: int, kind: str = "minutes") -> bytes:
    response = client.get(f"/api/v1/meetings/{mid}/documents/{kind}.pdf", headers=headers)
    assert response.status_code == 200, response.text
    return bytes(response.content)


def external_sign(pdf: bytes, party: Any, *, field_name: str = "Signature1", box: tuple[int, int, int, int] | None = (360, 100, 520, 160)) -> bytes:
    """What a desktop signing tool does with a USB token: an incremental update with a
    PAdES signature (here pyHanko with the party's PKCS#12)."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load_pkcs12_data(party.p12_bytes(), other_certs=[], passphrase=PASSWORD.encode())
    meta = signers.PdfSignatureMetadata(field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES)
    spec = fields.SigFieldSpec(field_name, on_page=-1, box=box) if box else None
    out = io.BytesIO()
    signers.PdfSigner(meta, signer, new_field_spec=spec).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return out.getvalue()


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    """Poppler's independent reading of the signatures."""
    import subprocess

    path = tmp_path / f"check-{len(pdf)}.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60, check=False)
    return result.stdout + result.stderr


def upload_signed(client: Any, headers: dict[str, str], mid: int, data: bytes, kind: str = "minutes") -> Any:
    return client.post(
        f"/api/v1/meetings/{mid}/documents/{kind}/signed", files={"file": ("signed.pdf", data, "application/pdf")}, headers=headers,
    )


def pdf_words(pdf: bytes, tmp_path: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """Poppler's words of a page (0-based) with their boxes in PDF coordinates
    ``(text, x0, y0, x1, y1)``, annotations' appearances included: how a reader lays
    the glyphs out from the embedded font's widths."""
    import re
    import subprocess
    from html import unescape

    path = tmp_path / f"words-{len(pdf)}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page + 1), "-l", str(page + 1), str(path), "-"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', out).group(1))  # type: ignore[union-attr]
    return [
        (unescape(text), float(x0), height - float(y1), float(x1), height - float(y0))
        for x0, y0, x1, y1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out)
    ]
