"""An appendix sent as a separate file gets the agency's signature alone (Decree
30/2020, Appendix I §II.8): top right of page 1, the document's number and the
signing time in ISO 8601 with +07:00, in the documents' serif font at 10 pt, no image."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pypdf
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas
from sqlalchemy import text

from confmgr.printing.fonts import load_fonts
from confmgr.signing import validation
from confmgr.timeutil import VN_TZ
from tests.helpers import api_token, csrf_token, login, make_user, text_of
from tests.integration.signing.conftest import Built, issue, pdf_words, pdfsig
from tests.signing_pki import Pki

MM = 72 / 25.4
ISO_VN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$")


def appendix_pdf(pages: int = 2, size: tuple[float, float] = A4) -> bytes:
    """An attendance list appendix as a secretariat would produce it."""
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=size)
    fonts = load_fonts(None)
    for n in range(pages):
        c.setFont(fonts.bold, 13)
        c.drawCentredString(size[0] / 2, size[1] - 30 * MM, "PHỤ LỤC: DANH SÁCH ĐIỂM CẦU THAM DỰ")
        c.setFont(fonts.regular, 13)
        for row in range(20):
            c.drawString(30 * MM, size[1] - (45 + row * 9) * MM, f"{n * 20 + row + 1}. Điểm cầu UBND xã Phước Lộc {row}")
        c.showPage()
    c.save()
    return out.getvalue()


def seal_appendix(client: Any, headers: dict[str, str], mid: int, data: bytes, kind: str = "minutes") -> Any:
    return client.post(f"/api/v1/meetings/{mid}/documents/{kind}/seal-appendix",
                       files={"file": ("phu-luc.pdf", data, "application/pdf")}, headers=headers)


def agency_widget(pdf: bytes) -> tuple[int, list[float], Any]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found = []
    for index, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            name = str(a.get("/T") or a.get("/Parent", {}).get("/T", ""))
            if name.startswith("ConfmgrAgency"):
                found.append((index, [float(v) for v in a["/Rect"]], a["/AP"]["/N"].get_object()))
    assert len(found) == 1, found
    return found[0]


def appearance_resources(xobj: Any) -> tuple[list[Any], list[Any]]:
    """Fonts and images used by an appearance stream and the forms it draws."""
    fonts: list[Any] = []
    images: list[Any] = []

    def walk(x: Any) -> None:
        res = x.get("/Resources", {})
        fonts.extend(f.get_object() for f in (res.get("/Font") or {}).values())
        for inner in (res.get("/XObject") or {}).values():
            inner = inner.get_object()
            if inner.get("/Subtype") == "/Image":
                images.append(inner)
            else:
                walk(inner)

    walk(xobj)
    return fonts, images


def test_the_clerk_signs_an_appendix_top_right_of_page_one(client: Any, db: Any, api: dict[str, str], meeting: Built,
                                                          pki: Pki, app: Any, tmp_path: Path) -> None:
    out = issue(client, api, meeting.id, "minutes")
    make_user(db, "vanthu", "clerk")
    clerk = api_token(client, "vanthu")
    appendix = appendix_pdf()
    before = datetime.now(VN_TZ).replace(microsecond=0)
    r = seal_appendix(client, clerk, meeting.id, appendix)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/pdf")
    assert "phu-luc-da-ky-so.pdf" in r.headers["content-disposition"]
    assert r.headers["x-document-number"] == out["number"]
    sealed = r.content
    assert sealed.startswith(appendix) and len(sealed) > len(appendix)  # an incremental update of the file sent

    # pyHanko: one agency signature, intact, trusted, over all of the file sent and nothing after it.
    checks = asyncio.run(validation.check_signatures(sealed, app.state.settings.signing, appendix))
    assert [(c.kind, c.intact, c.trusted, c.covers_issued_bytes, c.covers_whole_file, c.modification_ok) for c in checks] == [
        ("agency", True, True, True, True, True)]
    assert checks[0].signer == "Sở Nội vụ tỉnh Bình Định"
    # Poppler, independently.
    report = pdfsig(sealed, tmp_path)
    assert report.count("Signature is Valid.") == 1 and "Total document signed" in report, report
    assert "CN=Sở Nội vụ tỉnh Bình Định" in report

    # Top right of page 1, inside the top margin.
    page, rect, ap = agency_widget(sealed)
    width, height = A4
    assert page == 0
    assert abs(rect[2] - (width - 15 * MM)) < 1.5, rect  # the right edge on the text's right margin
    assert abs(rect[3] - (height - 5 * MM)) < 1.5, rect
    assert rect[0] > width / 2 and rect[1] > height - 20 * MM, rect  # right half, above the body

    # The text: the number, then the signing time in ISO 8601 with +07:00, inside the box,
    # at 10 pt in the documents' font (the widths a reader lays the glyphs out with).
    words = [w for w in pdf_words(sealed, tmp_path, 0) if w[2] >= rect[1] - 1]
    assert [w[0] for w in words] == [out["number"], words[1][0]], words
    number, moment = words
    assert ISO_VN.match(moment[0]), moment
    signed_at = datetime.fromisoformat(moment[0])
    assert before - timedelta(seconds=2) <= signed_at <= datetime.now(VN_TZ) + timedelta(seconds=2)
    assert number[4] > moment[4]  # the number above the time
    for w in words:
        assert rect[0] - 0.5 <= w[1] and w[3] <= rect[2] + 0.5 and rect[1] - 0.5 <= w[2] and w[4] <= rect[3] + 0.5, (w, rect)
    fonts = load_fonts(None)
    for w in words:
        assert abs((w[3] - w[1]) - stringWidth(w[0], fonts.regular, 10)) < 0.6, w
    used_fonts, images = appearance_resources(ap)
    assert images == []  # no image: text only
    assert len(used_fonts) == 1
    font = used_fonts[0]
    assert "LiberationSerif" in str(font["/BaseFont"]) and "Bold" not in str(font["/BaseFont"])
    descendant = font["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in descendant["/FontDescriptor"]  # embedded

    # The change log keeps what was signed; nothing is stored as a revision of the minutes.
    async def audit_rows(session: Any) -> list[Any]:
        return list((await session.execute(text("select action, changes from audit_entry where action = 'seal_appendix'"))).all())

    rows = db(audit_rows)
    assert len(rows) == 1 and out["number"] in str(rows[0][1])

    async def revisions(session: Any) -> int:
        return int((await session.execute(text("select count(*) from document_revision"))).scalar())

    assert db(revisions) == 0


def test_a_landscape_appendix_and_the_notice(client: Any, db: Any, api: dict[str, str], meeting: Built, pki: Pki,
                                            tmp_path: Path) -> None:
    out = issue(client, api, meeting.id, "conclusions")
    make_user(db, "vanthu", "clerk")
    r = seal_appendix(client, api_token(client, "vanthu"), meeting.id, appendix_pdf(1, landscape(A4)), "conclusions")
    assert r.status_code == 200, r.text
    page, rect, _ap = agency_widget(r.content)
    width, height = landscape(A4)
    assert page == 0 and abs(rect[2] - (width - 15 * MM)) < 1.5 and abs(rect[3] - (height - 5 * MM)) < 1.5, rect
    assert [w[0] for w in pdf_words(r.content, tmp_path, 0) if w[2] >= rect[1] - 1][0] == out["number"]
    assert "Signature is Valid." in pdfsig(r.content, tmp_path)


def test_appendix_refusals(client: Any, db: Any, api: dict[str, str], meeting: Built, pki: Pki, app: Any) -> None:
    from dataclasses import replace

    make_user(db, "vanthu", "clerk")
    clerk = api_token(client, "vanthu")
    appendix = appendix_pdf(1)
    # Not issued yet: no number to show.
    r = seal_appendix(client, clerk, meeting.id, appendix)
    assert r.status_code == 409 and "chưa được ban hành" in r.json()["detail"], r.text
    issue(client, api, meeting.id, "minutes")
    # Only the clerk; not a PDF; a file that already carries the agency's signature.
    r = seal_appendix(client, api, meeting.id, appendix)
    assert r.status_code == 403 and "Chỉ văn thư" in r.json()["detail"], r.text
    assert seal_appendix(client, clerk, meeting.id, b"hello").status_code == 422
    assert seal_appendix(client, clerk, meeting.id, b"%PDF-1.4\nnot really").status_code == 422
    sealed = seal_appendix(client, clerk, meeting.id, appendix).content
    r = seal_appendix(client, clerk, meeting.id, sealed)
    assert r.status_code == 409 and "đã có chữ ký số của cơ quan" in r.json()["detail"], r.text
    # Without the agency's key nothing is signed.
    settings = app.state.settings
    app.state.settings = replace(settings, signing=replace(settings.signing, agency_p12=None))
    r = seal_appendix(client, clerk, meeting.id, appendix)
    assert r.status_code == 409 and "Chưa cấu hình khóa ký số của cơ quan" in r.json()["detail"], r.text
    app.state.settings = settings


def test_the_signing_page_offers_it_to_the_clerk(client: Any, db: Any, api: dict[str, str], meeting: Built,
                                                 pki: Pki) -> None:
    issue(client, api, meeting.id, "minutes")
    url = f"/meetings/{meeting.id}/documents/minutes/signing"
    login(client)
    assert 'value="seal_appendix"' not in client.get(url).text  # a secretary does not see it
    client.cookies.clear()
    make_user(db, "vanthu", "clerk")
    login(client, "vanthu")
    page = client.get(url)
    assert 'value="seal_appendix"' in page.text and "phụ lục là tệp riêng" in text_of(page.text)
    appendix = appendix_pdf(1)
    r = client.post(url, data={"_csrf_token": csrf_token(client), "action": "seal_appendix"},
                    files={"file": ("phu-luc.pdf", appendix, "application/pdf")}, follow_redirects=False)
    assert r.status_code == 200 and r.content.startswith(appendix) and b"ConfmgrAgency1" in r.content[len(appendix):]
    assert "attachment" in r.headers["content-disposition"]
    r = client.post(url, data={"_csrf_token": csrf_token(client), "action": "seal_appendix"},
                    files={"file": ("x.pdf", b"GIF89a", "application/pdf")}, follow_redirects=False)
    assert r.status_code == 422 and "Tệp không phải văn bản PDF." in text_of(r.text)
