"""A realistic ended meeting to draft and issue documents from.

The Department of Home Affairs (SNV) meets in the provincial hall with 12 district
sites online; roll call taken, agenda with presenters, papers (one with a summary
full of markup), comments from the floor, notes, conclusions with tasks.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pdfplumber
import pytest
from sqlalchemy import select

from confmgr.timeutil import VN_TZ
from confmgr.workdays import add_working_days

MALICIOUS = '<b>x</b> & <img src="/etc/passwd"/> <para>'
DISTRICTS = (
    "An Nhơn", "Hoài Nhơn", "Quy Nhơn", "Tuy Phước", "Phù Cát", "Phù Mỹ",
    "Tây Sơn", "Vân Canh", "Vĩnh Thạnh", "An Lão", "Hoài Ân", "Đảo Nhơn Châu",
)
WATERMARK_MIN_SIZE = 30
AGENCY = {"name": "Sở Nội vụ", "parent_name": "Ủy ban nhân dân tỉnh Bình Định", "abbreviation": "SNV", "place_name": "Bình Định"}


@dataclass
class Built:
    id: int
    starts: datetime
    sites: list[dict[str, Any]]
    host: dict[str, Any]
    items: dict[str, int] = field(default_factory=dict)
    contributions: dict[str, int] = field(default_factory=dict)
    speakers: list[str] = field(default_factory=list)

    def token(self, index: int = 1) -> str:
        return str(self.sites[index]["token"])


def set_agency(client: Any, headers: dict[str, str]) -> None:
    response = client.put("/api/v1/agency", json=AGENCY, headers=headers)
    assert response.status_code == 200, response.text


def build_meeting(
    client: Any, db: Any, headers: dict[str, str], *, starts: datetime | None = None, title: str | None = None,
    end: bool = True, remote_count: int = 12,
) -> Built:
    starts = starts or (datetime.now(VN_TZ) - timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)
    body = {
        "title": title or "Hội nghị tổng kết công tác nội vụ năm 2025",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "mode": "hybrid",
        "venue": "Hội trường UBND tỉnh",
        "chair": {"full_name": "Trần Minh Hoàng", "position": "Giám đốc Sở Nội vụ", "organization": "Sở Nội vụ"},
        "secretary": {"full_name": "Lê Thị Thu Hà", "position": "Chánh Văn phòng Sở", "organization": "Sở Nội vụ"},
    }
    created = client.post("/api/v1/meetings", json=body, headers=headers)
    assert created.status_code == 201, created.text
    mid = created.json()["id"]
    sites = []
    host = client.post(f"/api/v1/meetings/{mid}/sites", json={"name": "Điểm cầu UBND tỉnh Bình Định", "role": "host"}, headers=headers)
    assert host.status_code == 201, host.text
    sites.append(host.json())
    for name in DISTRICTS[:remote_count]:
        r = client.post(f"/api/v1/meetings/{mid}/sites", json={"name": f"Điểm cầu UBND huyện {name}", "role": "remote"}, headers=headers)
        assert r.status_code == 201, r.text
        sites.append(r.json())
    built = Built(id=mid, starts=starts, sites=sites, host=sites[0])
    db(lambda s: _fill_record(s, built))
    assert client.post(f"/api/v1/meetings/{mid}/start", json={"at": (starts + timedelta(minutes=5)).isoformat()}, headers=headers).status_code == 200
    if end:
        r = client.post(f"/api/v1/meetings/{mid}/end", json={"at": (starts + timedelta(hours=3, minutes=10)).isoformat()}, headers=headers)
        assert r.status_code == 200, r.text
    conclusions = {
        "title_of_chair": "Giám đốc Sở Nội vụ",
        "conclusions": [
            "Năm 2025 ngành nội vụ hoàn thành toàn diện các nhiệm vụ được giao.",
            "Năm 2026 tập trung vận hành chính quyền địa phương hai cấp.",
        ],
        "tasks": [
            {"assignee": "Phòng Tổ chức, biên chế", "description": "tham mưu đề án vị trí việc làm", "due_date": add_working_days(starts.date(), 20).isoformat()},
            {"assignee": "Văn phòng Sở", "description": "tổng hợp kiến nghị của các điểm cầu"},
        ],
        "recipients": ["UBND tỉnh (để b/c)", "Điểm cầu UBND huyện An Nhơn"],
        "signer": {"title": "Giám đốc", "full_name": "Trần Minh Hoàng"},
    }
    r = client.put(f"/api/v1/meetings/{mid}/conclusions", json=conclusions, headers=headers)
    assert r.status_code == 200, r.text
    return built


async def _fill_record(session: Any, built: Built) -> None:
    from confmgr.agenda.models import AgendaItem, Contribution, SpeakRequest
    from confmgr.sites.models import Delegate, Site

    utc = built.starts
    sites = list(await session.scalars(select(Site).where(Site.meeting_id == built.id).order_by(Site.id)))
    for i, site in enumerate(sites):
        site.connected = True
        site.roll_called_at = utc + timedelta(minutes=1)
        site.response = "attending"
        session.add(Delegate(site_id=site.id, full_name=f"Nguyễn Văn Đại {i}", position="Chủ tịch UBND", organization=site.name.replace("Điểm cầu ", ""), present=True, sort_order=0))
        session.add(Delegate(site_id=site.id, full_name=f"Phạm Thị Vắng {i}", position="Phó Chủ tịch", present=False, absence_reason="đi công tác", sort_order=1))
    await session.flush()
    items = [
        AgendaItem(meeting_id=built.id, sort_order=1, title="Khai mạc hội nghị", kind="opening",
                   presenter={"full_name": "Trần Minh Hoàng", "position": "Giám đốc Sở Nội vụ", "organization": "Sở Nội vụ"}),
        AgendaItem(meeting_id=built.id, sort_order=2, title="Báo cáo tổng kết công tác năm 2025", kind="report",
                   presenter={"full_name": "Đặng Thị Kim Oanh", "position": "Phó Giám đốc", "organization": "Sở Nội vụ"},
                   notes="Báo cáo được trình bày đầy đủ.\nĐại biểu thống nhất với đánh giá."),
        AgendaItem(meeting_id=built.id, sort_order=3, title="Tham luận và thảo luận", kind="discussion"),
    ]
    session.add_all(items)
    await session.flush()
    built.items = {"opening": items[0].id, "report": items[1].id, "discussion": items[2].id}
    papers = [
        Contribution(meeting_id=built.id, agenda_item_id=items[2].id, site_id=sites[1].id,
                     speaker={"full_name": "Võ Thành Công", "position": "Chủ tịch UBND huyện An Nhơn", "organization": None},
                     title="Vận hành chính quyền hai cấp", summary=MALICIOUS, status="accepted", sort_order=1),
        Contribution(meeting_id=built.id, agenda_item_id=items[2].id, site_id=sites[2].id,
                     speaker={"full_name": "Huỳnh Thị Mai", "position": "Trưởng phòng Nội vụ", "organization": "UBND huyện Hoài Nhơn"},
                     title="Cải cách hành chính", summary="Kết quả cải cách hành chính năm 2025.", status="submitted", presented=True, sort_order=2),
        Contribution(meeting_id=built.id, agenda_item_id=items[2].id, site_id=sites[3].id,
                     speaker={"full_name": "Người Bị Từ Chối", "position": "Chuyên viên", "organization": None},
                     title="Không trình bày", summary="Không được chọn.", status="declined", sort_order=3),
    ]
    session.add_all(papers)
    session.add(SpeakRequest(meeting_id=built.id, agenda_item_id=items[2].id, site_id=sites[4].id,
                             speaker={"full_name": "Lý Văn Phát", "position": "Phó Chủ tịch UBND huyện Tuy Phước", "organization": None},
                             topic="Đề nghị bổ sung biên chế", status="done", started_at=utc + timedelta(hours=2)))
    await session.flush()
    built.contributions = {"malicious": papers[0].id, "presented": papers[1].id, "declined": papers[2].id}
    built.speakers = ["Võ Thành Công", "Huỳnh Thị Mai", "Lý Văn Phát", "Đặng Thị Kim Oanh"]


# ---- reading PDFs back ------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    """Body text without the draft mark (very large) and without page numbers."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        parts = [p.filter(lambda o: o.get("object_type") != "char" or o["size"] < WATERMARK_MIN_SIZE).extract_text() for p in doc.pages]
    return " ".join(" ".join(parts).split())


def watermark(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "".join(c["text"] for p in doc.pages for c in p.chars if c["size"] >= WATERMARK_MIN_SIZE).replace(" ", "")


def char_sizes(pdf: bytes) -> list[float]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [round(c["size"], 1) for p in doc.pages for c in p.chars if c["size"] < WATERMARK_MIN_SIZE]


def qpdf_check(pdf: bytes, tmp_path: Any) -> None:
    import shutil

    if shutil.which("qpdf") is None:
        pytest.skip("qpdf is not installed")
    path = tmp_path / "check.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


def fonts_embedded(pdf: bytes) -> set[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
            names.add(re.sub(r"^/?[A-Z]{6}\+", "", str(font["/BaseFont"])))
    return names


@pytest.fixture
def api(client: Any, admin_api: dict[str, str]) -> dict[str, str]:
    set_agency(client, admin_api)
    return admin_api


@pytest.fixture
def meeting(client: Any, db: Any, api: dict[str, str]) -> Built:
    return build_meeting(client, db, api)


def today_vn() -> date:
    return datetime.now(VN_TZ).date()
