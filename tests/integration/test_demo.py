"""``confmgr demo``: a realistic year-end conference, loaded once, with a generated password."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from confmgr.demo import SEED_TITLE, load_demo
from confmgr.settings import load_settings
from tests.conftest import BACKEND


def _counts(settings: Any) -> dict[str, int]:
    from confmgr.agenda.models import AgendaItem
    from confmgr.cli_support import session_scope
    from confmgr.meetings.models import Meeting
    from confmgr.sites.models import Site

    async def read() -> dict[str, int]:
        async with session_scope(settings) as db:
            return {
                "meetings": int(await db.scalar(select(func.count(Meeting.id))) or 0),
                "sites": int(await db.scalar(select(func.count(Site.id))) or 0),
                "hosts": int(await db.scalar(select(func.count(Site.id)).where(Site.role == "host")) or 0),
                "agenda": int(await db.scalar(select(func.count(AgendaItem.id))) or 0),
            }

    return asyncio.run(read())


def _unit_sites(settings: Any) -> dict[str, int]:
    from confmgr.cli_support import session_scope
    from confmgr.sites.models import Site

    async def read() -> dict[str, int]:
        async with session_scope(settings) as db:
            rows = await db.execute(
                select(Site.province_code, func.count(Site.id)).where(Site.unit_code.is_not(None)).group_by(Site.province_code)
            )
            return {code: int(n) for code, n in rows}

    return asyncio.run(read())


def test_demo_loads_once_with_a_generated_password(settings: Any, tmp_path: Path, client: Any) -> None:
    first = asyncio.run(load_demo(settings))
    assert first.admin_password and len(first.admin_password) >= 12
    # The 2021 conference (host + 11 districts, 6 items) and the upcoming one (host + 12 communes, 7 items).
    assert _counts(settings) == {"meetings": 2, "sites": 25, "hosts": 2, "agenda": 13}
    # The upcoming meeting's 12 communes and wards carry their official codes (sites/units.py).
    assert _unit_sites(settings) == {"52": 12}
    again = asyncio.run(load_demo(settings))
    assert again.admin_password is None  # nothing changed, no new password
    assert _counts(settings)["meetings"] == 2
    # The printed password logs in.
    from tests.helpers import login

    login(client, "admin", first.admin_password)
    listing = client.get("/meetings").text
    assert SEED_TITLE in listing and "Hội nghị tổng kết công tác nội vụ năm" in listing
    _check_issued_documents(settings, client)
    _check_upcoming_draft_minutes(settings, client)
    _check_plausible_people(settings)
    _check_pdf_and_docx_paginate_alike(settings, tmp_path)


def _upcoming(settings: Any) -> tuple[int, list[tuple[str, str, list[str]]]]:
    """The upcoming meeting's id and its remote sites: (name, response, delegates)."""
    from sqlalchemy.orm import selectinload

    from confmgr.cli_support import session_scope
    from confmgr.meetings.models import Meeting
    from confmgr.sites.models import Site

    async def read() -> tuple[int, list[tuple[str, str, list[str]]]]:
        async with session_scope(settings) as db:
            meeting = await db.scalar(select(Meeting).where(Meeting.title != SEED_TITLE))
            assert meeting is not None
            sites = await db.scalars(
                select(Site).where(Site.meeting_id == meeting.id, Site.role == "remote")
                .options(selectinload(Site.delegates)).order_by(Site.sort_order)
            )
            return meeting.id, [(s.name, s.response, [d.full_name for d in s.delegates]) for s in sites]

    return asyncio.run(read())


def _check_plausible_people(settings: Any) -> None:
    """The made-up delegates of one site are not one family, the upcoming meeting's
    middle names vary, and its commune sites are named alike (no province on some)."""
    from confmgr.cli_support import session_scope
    from confmgr.sites.models import Delegate, Site

    async def read() -> list[tuple[int, str, str, str]]:
        async with session_scope(settings) as db:
            rows = await db.execute(
                select(Site.id, Site.name, Site.role, Delegate.full_name).join(Delegate, Delegate.site_id == Site.id)
            )
            return [tuple(r) for r in rows]  # type: ignore[misc]

    by_site: dict[int, list[str]] = {}
    for site_id, _name, role, full_name in asyncio.run(read()):
        if role == "remote":
            by_site.setdefault(site_id, []).append(full_name)
    assert len(by_site) >= 15  # 10 districts in 2021, 5 communes that answered
    for names in by_site.values():
        families = [n.split()[0] for n in names]
        assert len(set(families)) == len(families), names
    _meeting_id, upcoming = _upcoming(settings)
    assert all("(" not in name and name.startswith("Điểm cầu UBND ") for name, _r, _d in upcoming)
    middles = {" ".join(d.split()[1:-1]) for _n, _r, delegates in upcoming for d in delegates}
    assert len(middles) >= 4, middles


def _check_upcoming_draft_minutes(settings: Any, client: Any) -> None:
    """The upcoming provincial meeting's draft minutes list each commune that answered
    with its delegates by name (not a count per province), then the declined site
    with its reason and the sites that have not answered yet."""
    meeting_id, sites = _upcoming(settings)
    import io

    from docx import Document

    # The Word draft: its paragraphs are not interleaved with the PDF's DỰ THẢO mark.
    response = client.get(f"/meetings/{meeting_id}/documents/minutes.docx")
    assert response.status_code == 200, response.text
    flat = " ".join(" ".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs).split())
    attending = [s for s in sites if s[1] == "attending"]
    assert len(attending) == 5
    for name, _response, delegates in attending:
        assert delegates and f"- {name}: {delegates[0]}, " in flat, name
        for person in delegates:
            assert person in flat, person
    assert not re.search(r"\d+/\d+ điểm cầu tham dự", flat)  # no "Gia Lai: 5/12 điểm cầu tham dự"
    declined = next(s for s in sites if s[1] == "declined")
    assert f"- {declined[0]}: không tham dự, lý do: Trùng lịch tiếp công dân định kỳ" in flat
    pending = [s[0] for s in sites if s[1] == "pending"]
    assert pending and all(f"- {name}: chưa trả lời" in flat for name in pending)


def _issued(settings: Any) -> dict[str, tuple[Any, bytes, bytes]]:
    from confmgr.cli_support import session_scope
    from confmgr.documents.models import IssuedDocument
    from confmgr.documents.services import issued_bytes
    from confmgr.meetings.models import Meeting

    async def read() -> dict[str, tuple[Any, bytes, bytes]]:
        async with session_scope(settings) as db:
            meeting = await db.scalar(select(Meeting).where(Meeting.title == SEED_TITLE))
            assert meeting is not None and meeting.status == "documents_issued"
            docs = list(await db.scalars(select(IssuedDocument).where(IssuedDocument.meeting_id == meeting.id)))
            return {
                d.kind: (d, await issued_bytes(db, settings, d, "pdf"), await issued_bytes(db, settings, d, "docx"))
                for d in docs
            }

    return asyncio.run(read())


def _text(pdf: bytes) -> str:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def _check_issued_documents(settings: Any, client: Any) -> None:
    """The demo's minutes and notice, issued, read back: the seed's people, date and
    conclusions; no doubled office, no empty heading, conclusions before the closing,
    the declined site with its reason."""
    import re

    issued = _issued(settings)
    assert set(issued) == {"minutes", "conclusions"}
    minutes, minutes_pdf, minutes_docx = issued["minutes"]
    notice, notice_pdf, notice_docx = issued["conclusions"]
    assert (minutes.number_text, str(minutes.issued_on)) == ("01/BB-SNV", "2021-12-24")
    assert (notice.number_text, str(notice.issued_on)) == ("01/TB-SNV", "2021-12-27")
    text = _text(minutes_pdf)
    flat = " ".join(text.split())
    assert "BIÊN BẢN" in text and "UBND TỈNH BÌNH ĐỊNH" in text
    assert "Bình Định, ngày 24 tháng 12 năm 2021" in flat
    assert "Thời gian bắt đầu: 08 giờ 00 phút, ngày 24 tháng 12 năm 2021." in flat
    assert "Chủ trì (chủ tọa): Bạch Văn Mạnh, Giám đốc Sở Nội vụ." in flat
    assert "Trình bày: Phạm Văn Phước, Phó Giám đốc Sở Nội vụ." in flat
    assert "Phát biểu chỉ đạo: Võ Văn Cảnh, Phó Chủ tịch UBND tỉnh Bình Định." in flat
    for district in ("Quy Nhơn", "An Nhơn", "Hoài Nhơn", "Tuy Phước", "Phù Cát", "Phù Mỹ", "Hoài Ân", "Vĩnh Thạnh", "Tây Sơn", "Vân Canh"):
        assert district in flat
    # No office said twice.
    for doubled in ("Sở Sở", "UBND tỉnh Ủy ban", "UBND huyện UBND", "Ủy ban nhân dân tỉnh Ủy ban", "Tây Sơn UBND huyện Tây Sơn"):
        assert doubled not in flat, doubled
    # Headings: none empty, the conclusions inside the conclusion item, before the closing line.
    headings = re.findall(r"^\s*([IVX]+)\. ([^\n]+)", text, flags=re.MULTILINE)
    assert [h[0] for h in headings] == ["I", "II", "III", "IV", "V"]
    assert "BẾ MẠC" not in text and "KẾT LUẬN CỦA CHỦ TỌA" not in text
    conclusion = flat.index("V. KẾT LUẬN HỘI NGHỊ")
    closing = flat.index("Hội nghị kết thúc vào 10 giờ 35 phút, ngày 24 tháng 12 năm 2021./.")
    cut = flat.index("cụ thể hóa các nhiệm vụ trọng tâm năm 2022 thành chương trình, kế hoạch")
    assert conclusion < cut < closing
    # The declined site and the absent delegate, with their reasons, no nested brackets.
    assert "Vắng mặt:" in flat
    assert "UBND huyện An Lão: không tham dự, lý do: Trùng lịch kỳ họp thường lệ cuối năm của HĐND huyện" in flat
    assert "lý do: đi công tác tại Hà Nội" in flat
    assert not re.search(r"\([^)]*\(", flat)
    assert "- Lưu: VT, VP, hồ sơ." in flat

    notice_text = " ".join(_text(notice_pdf).split())
    assert "Số: 01/TB-SNV" in notice_text and "Bình Định, ngày 27 tháng 12 năm 2021" in notice_text
    assert "Kết luận của Giám đốc Sở Nội vụ tại " + SEED_TITLE in notice_text
    assert "Vào lúc 08 giờ 00 phút, ngày 24 tháng 12 năm 2021, Bạch Văn Mạnh, Giám đốc Sở Nội vụ chủ trì" in notice_text
    assert "Giao Phòng Nội vụ các huyện, thị xã, thành phố chủ trì" in notice_text
    assert "Văn phòng, Phòng Tổ chức cán bộ các Sở, ban, ngành" in notice_text
    assert "- UBND tỉnh Bình Định (để báo cáo);" in notice_text and "- Lưu: VT, VP." in notice_text
    assert "GIÁM ĐỐC Bạch Văn Mạnh" in notice_text or ("GIÁM ĐỐC" in notice_text and "GIÁM ĐỐC SỞ" not in notice_text)
    for doubled in ("Sở Sở", "UBND tỉnh Ủy ban"):
        assert doubled not in notice_text

    # The same documents as Word files say the same things.
    import io

    from docx import Document

    # The files say when they were made: the minutes after the meeting ended (10:35),
    # the notice on its date, in office hours; never midnight before the meeting.
    from datetime import datetime

    import pdfplumber

    from confmgr.timeutil import VN_TZ

    ended = datetime(2021, 12, 24, 10, 35, tzinfo=VN_TZ)
    for pdf, docx, day in ((minutes_pdf, minutes_docx, 24), (notice_pdf, notice_docx, 27)):
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            created = doc.metadata["CreationDate"]
        match = re.fullmatch(r"D:(\d{14})\+07'00'", created)
        assert match, created
        stamp = datetime.strptime(match.group(1), "%Y%m%d%H%M%S").replace(tzinfo=VN_TZ)
        assert stamp >= ended and stamp.day == day and 7 <= stamp.hour < 18, stamp
        props = Document(io.BytesIO(docx)).core_properties
        assert props.created == stamp and props.modified == stamp
    words = " ".join(p.text for p in Document(io.BytesIO(minutes_docx)).paragraphs)
    assert "Bạch Văn Mạnh" in words and "lý do: đi công tác tại Hà Nội" in words
    assert "Sở Nội vụ thông báo" in " ".join(p.text for p in Document(io.BytesIO(notice_docx)).paragraphs)


@pytest.mark.skipif(BACKEND != "sqlite", reason="two fresh databases are cheap only on SQLite")
def test_demo_password_is_never_the_same_twice(tmp_path: Path, migrated_template: Path) -> None:
    import shutil

    passwords = []
    for name in ("a", "b"):
        data_dir = tmp_path / name
        data_dir.mkdir()
        shutil.copy(migrated_template / "confmgr.sqlite3", data_dir / "confmgr.sqlite3")
        settings = load_settings({"CONFMGR_DATA_DIR": str(data_dir), "CONFMGR_SECRET_KEY": "k" * 40})
        passwords.append(asyncio.run(load_demo(settings)).admin_password)
    assert passwords[0] != passwords[1]


def _pages(pdf: bytes) -> list[list[str]]:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [[w["text"] for w in page.extract_words()] for page in doc.pages]


def _check_pdf_and_docx_paginate_alike(settings: Any, tmp_path: Path) -> None:
    """Both demo documents, as the ReportLab PDF and as the DOCX converted by
    LibreOffice: the same number of pages, the same first and last words on each."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs it")
    out = tmp_path / "converted"
    out.mkdir()
    names = []
    for kind, (_doc, pdf, docx) in _issued(settings).items():
        (tmp_path / f"{kind}.docx").write_bytes(docx)
        (tmp_path / f"{kind}.pdf").write_bytes(pdf)
        names.append(kind)
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--convert-to", "pdf",
         "--outdir", str(out), *[str(tmp_path / f"{k}.docx") for k in names]],
        check=True, capture_output=True, timeout=300,
    )
    for kind in names:
        ours = _pages((tmp_path / f"{kind}.pdf").read_bytes())
        word = _pages((out / f"{kind}.pdf").read_bytes())
        assert len(ours) == len(word), (kind, len(ours), len(word))
        assert len(ours) >= 2
        for number, (a, b) in enumerate(zip(ours, word, strict=True), start=1):
            assert a[:3] == b[:3], (kind, number, a[:3], b[:3])
            assert a[-3:] == b[-3:], (kind, number, a[-3:], b[-3:])
