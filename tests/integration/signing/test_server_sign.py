"""Signing in confmgr with the user's own PKCS#12, unlocked by the password typed at
signing; the appearance per Appendix I (image between title and name, the seal over
its left third; a Vietnamese text stamp without an image)."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Any

import pdfplumber
import pypdf
from reportlab.pdfbase.pdfmetrics import stringWidth
from sqlalchemy import select, text

from tests.helpers import api_token, csrf_token, login, make_user, text_of
from confmgr.printing.fonts import load_fonts
from tests.integration.signing.conftest import PASSWORD, Built, issue, pdf_of, pdf_words, pdfsig
from tests.signing_pki import Pki, png


def upload_credential(client: Any, *, p12: bytes | None, password: str, image: bytes | None = None) -> Any:
    files = {}
    if p12 is not None:
        files["p12"] = ("me.p12", p12, "application/x-pkcs12")
    if image is not None:
        files["image"] = ("sig.png", image, "image/png")
    return client.post("/signing", data={"_csrf_token": csrf_token(client), "action": "credential", "password": password},
                       files=files, follow_redirects=False)


def widgets(pdf: bytes) -> dict[str, tuple[int, list[float]]]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    out = {}
    for index, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            if a.get("/FT") == "/Sig" or "/Parent" in a:
                name = a.get("/T") or a["/Parent"].get_object().get("/T")
                out[str(name)] = (index, [float(v) for v in a["/Rect"]])
    return out


def line_box(pdf: bytes, page: int, words: str) -> tuple[float, float, float, float]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        p = doc.pages[page]
        height = float(p.height)
        hits = [h for h in p.search(words) if h["x0"] > float(p.width) * 0.45]
        assert hits, f"{words!r} not on page {page}"
        hit = max(hits, key=lambda h: h["bottom"])  # the signature block is the lowest
        return hit["x0"], height - hit["bottom"], hit["x1"], height - hit["top"]


def _revisions(db: Any) -> int:
    async def count(session: Any) -> int:
        return int((await session.execute(text("select count(*) from document_revision"))).scalar())

    return int(db(count))


def test_sign_with_own_certificate_and_seal_image(client: Any, db: Any, api: dict[str, str], meeting: Built, pki: Pki,
                                                  tmp_path: Path, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    issue(client, api, meeting.id, "conclusions")
    numbered = pdf_of(client, api, meeting.id, "conclusions")
    login(client)
    # Wrong password, not a PNG, an opaque PNG: clear errors, nothing stored.
    r = upload_credential(client, p12=pki.signer.p12_bytes(), password="sai")
    assert r.status_code == 422 and "mật khẩu" in text_of(r.text)
    r = upload_credential(client, p12=pki.signer.p12_bytes(), password=PASSWORD, image=b"GIF89a....")
    assert r.status_code == 422 and "PNG" in text_of(r.text)
    r = upload_credential(client, p12=pki.signer.p12_bytes(), password=PASSWORD, image=png((0, 0, 200), (300, 120), alpha=False))
    assert r.status_code == 422 and "trong suốt" in text_of(r.text)
    r = upload_credential(client, p12=pki.signer.p12_bytes(), password=PASSWORD, image=png((0, 0, 200), (300, 120)))
    assert r.status_code in (302, 303), r.text
    assert "Trần Minh Hoàng" in text_of(client.get("/signing").text)

    url = f"/api/v1/meetings/{meeting.id}/documents/conclusions/sign"
    r = client.post(url, json={"password": "sai mật khẩu"}, headers=api)  # the same admin, through the API
    assert r.status_code == 422 and "Mật khẩu không mở được" in r.json()["detail"]
    make_user(db, "thuky", "secretary")  # someone without a certificate
    r = client.post(url, json={"password": PASSWORD}, headers=api_token(client, "thuky"))
    assert r.status_code == 409 and "chưa có chứng thư số" in r.json()["detail"]
    assert _revisions(db) == 0

    page_url = f"/meetings/{meeting.id}/documents/conclusions/signing"
    r = client.post(page_url, data={"_csrf_token": csrf_token(client), "action": "sign", "password": "sai"}, follow_redirects=False)
    assert r.status_code == 422 and "Mật khẩu không mở được chứng thư số" in text_of(r.text)
    assert _revisions(db) == 0
    r = client.post(page_url, data={"_csrf_token": csrf_token(client), "action": "sign", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    signed = pdf_of(client, api, meeting.id, "conclusions")
    assert signed.startswith(numbered)

    # Appendix I: the image centred between the title (GIÁM ĐỐC) and the name.
    boxes = widgets(signed)
    (page, rect), = [v for k, v in boxes.items() if k.startswith("ConfmgrSigner")]
    title = line_box(numbered, page, "GIÁM ĐỐC")
    name = line_box(numbered, page, "Trần Minh Hoàng")
    assert rect[1] >= name[3] - 1 and rect[3] <= title[1] + 1, (rect, title, name)
    assert abs((rect[0] + rect[2]) / 2 - (name[0] + name[2]) / 2) < 2

    # The clerk uploads the seal image and seals: the seal covers the left third.
    client.cookies.clear()
    make_user(db, "vanthu", "clerk")
    login(client, "vanthu")
    r = client.post("/signing", data={"_csrf_token": csrf_token(client), "action": "seal_image", "width_mm": "36"},
                    files={"image": ("seal.png", png((220, 0, 0), (400, 400), ring=True), "image/png")}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    r = client.post("/api/v1/meetings/%d/documents/conclusions/seal" % meeting.id, headers=api_token(client, "vanthu"))
    assert r.status_code == 201, r.text
    sealed = pdf_of(client, api, meeting.id, "conclusions")
    boxes = widgets(sealed)
    (_p, seal), = [v for k, v in boxes.items() if k.startswith("ConfmgrAgency")]
    assert abs((seal[2] - seal[0]) - 36 * 72 / 25.4) < 1.5  # real size
    assert abs(seal[2] - (rect[0] + (rect[2] - rect[0]) / 3)) < 1.5  # its right edge a third into the signature
    report = pdfsig(sealed, tmp_path)
    assert report.count("Signature is Valid.") == 2, report

    # The password is never stored nor logged.
    async def rows(session: Any) -> list[Any]:
        from confmgr.signing.models import SigningCredential

        return list(await session.scalars(select(SigningCredential)))

    for row in db(rows):
        assert PASSWORD.encode() not in (row.p12_encrypted or b"")
    async def audit_text(session: Any) -> str:
        return " ".join(str(r) for r in (await session.execute(text("select changes from audit_entry"))).all())

    assert PASSWORD not in db(audit_text)
    assert PASSWORD not in caplog.text


def test_text_stamp_in_a_vietnamese_font(client: Any, db: Any, api: dict[str, str], meeting: Built, pki: Pki, tmp_path: Path) -> None:
    issue(client, api, meeting.id, "minutes")
    login(client)
    assert upload_credential(client, p12=pki.signer.p12_bytes(), password=PASSWORD).status_code in (302, 303)
    r = client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/sign", json={"password": PASSWORD}, headers=api_token(client))
    assert r.status_code == 201, r.text
    signed = pdf_of(client, api, meeting.id)
    reader = pypdf.PdfReader(io.BytesIO(signed))
    stamp = None
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            if str(a.get("/T", "")).startswith("ConfmgrSigner"):
                stamp = a["/AP"]["/N"].get_object()
    assert stamp is not None
    fonts = []

    def walk(xobj: Any) -> None:
        res = xobj.get("/Resources", {})
        for f in (res.get("/Font") or {}).values():
            fonts.append(f.get_object())
        for x in (res.get("/XObject") or {}).values():
            walk(x.get_object())

    walk(stamp)
    assert fonts, "the text stamp has a font"
    font = fonts[0]
    assert "Helvetica" not in str(font["/BaseFont"]) and ("Liberation" in str(font["/BaseFont"]) or "Times" in str(font["/BaseFont"]))
    descendant = font["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in descendant["/FontDescriptor"] or "/FontFile3" in descendant["/FontDescriptor"]
    cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1").upper()
    # "Ký bởi", "Thời gian ký": ý ở ờ are in the embedded subset's Unicode map.
    for ch in "ýởờ":
        assert f"{ord(ch):04X}" in cmap, ch
    report = pdfsig(signed, tmp_path)
    assert "Signature is Valid." in report
    # Laid out by a reader from the embedded widths, the stamp's text stays in its box
    # (the font's 2,048 units per em given to the PDF as thousandths of an em).
    (page, rect), = [v for k, v in widgets(signed).items() if k.startswith("ConfmgrSigner")]
    words = [w for w in pdf_words(signed, tmp_path, page) if rect[0] - 1 <= w[1] and w[2] >= rect[1] - 1 and w[4] <= rect[3] + 1]
    stamp_time = next(w for w in words if w[0].endswith("+07:00"))
    assert stamp_time[3] <= rect[2], (stamp_time, rect)
    assert stamp_time[3] - stamp_time[1] <= stringWidth(stamp_time[0], load_fonts(None).regular, 8) + 1, stamp_time


def test_expired_certificate_cannot_sign(client: Any, db: Any, api: dict[str, str], meeting: Built, pki: Pki) -> None:
    issue(client, api, meeting.id, "minutes")
    login(client)
    assert upload_credential(client, p12=pki.expired.p12_bytes(), password=PASSWORD).status_code in (302, 303)
    r = client.post(f"/api/v1/meetings/{meeting.id}/documents/minutes/sign", json={"password": PASSWORD}, headers=api_token(client))
    assert r.status_code == 422 and "hết hạn" in r.json()["detail"], r.text
    assert _revisions(db) == 0
