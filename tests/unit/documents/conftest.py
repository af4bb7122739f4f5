"""Sample document content for the document builder tests, offered as fixtures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from confmgr.documents.content import (
    AgencyHeader,
    AgendaEntry,
    ConclusionsContent,
    Contribution,
    MinutesContent,
    Person,
    Signer,
    SiteAttendance,
    Task,
    Venue,
)
from confmgr.documents.fonts import FontFamily, load_fonts

MALICIOUS = '<b>x</b> & <img src="/etc/passwd"/> <para>'

HEADER = AgencyHeader(
    parent_name="Ủy ban nhân dân tỉnh Bình Định",
    name="Sở Nội vụ",
    abbreviation="SNV",
    place_name="Bình Định",
)

CHAIR = Person("Nguyễn Văn Bình", "Giám đốc", "Sở Nội vụ")
SECRETARY = Person("Trần Thị Thu Hằng", "Chuyên viên", "Văn phòng Sở Nội vụ")
DISTRICTS = (
    "UBND thị xã An Nhơn",
    "UBND huyện Tuy Phước",
    "UBND huyện Phù Cát",
    "UBND thị xã Hoài Nhơn",
    "UBND huyện Vĩnh Thạnh",
)


def _minutes(
    *,
    sites: tuple[str, ...] = DISTRICTS,
    contributions_per_site: int = 1,
    number: int | None = 1,
    draft: bool = False,
    summary: str | None = None,
) -> MinutesContent:
    attendance = tuple(
        SiteAttendance(
            site,
            (
                Person(f"Lê Văn Đức {i}", "Chủ tịch", site),
                Person(f"Phạm Thị Ngọc Ánh {i}", "Trưởng phòng Nội vụ", site),
            ),
        )
        for i, site in enumerate(sites)
    )
    contributions = tuple(
        Contribution(
            speaker=Person(f"Võ Thị Huỳnh Như {i}.{k}", "Phó Chủ tịch", site),
            site_name=site,
            title="Kết quả sắp xếp đơn vị hành chính cấp xã" if k == 0 else None,
            summary=summary
            or (
                f"Báo cáo kết quả thực hiện nhiệm vụ tại {site}; kiến nghị Sở hướng dẫn "
                "việc bố trí cán bộ, công chức dôi dư sau sắp xếp và đẩy mạnh ứng dụng "
                "công nghệ thông tin trong giải quyết thủ tục hành chính."
            ),
        )
        for i, site in enumerate(sites)
        for k in range(contributions_per_site)
    )
    return MinutesContent(
        header=HEADER,
        number=number,
        issued_on=None if draft else date(2026, 1, 5),
        title="Hội nghị tổng kết công tác nội vụ năm 2025 và triển khai nhiệm vụ năm 2026",
        started_at=datetime(2026, 1, 5, 1, 0, tzinfo=UTC),  # 08:00 in Vietnam
        ended_at=datetime(2026, 1, 5, 4, 30, tzinfo=UTC),  # 11:30 in Vietnam
        venue=Venue("Hội trường UBND tỉnh Bình Định", sites),
        attendance=(
            SiteAttendance(
                "Hội trường UBND tỉnh Bình Định (điểm cầu chính)",
                (CHAIR, Person("Hồ Quốc Dũng", "Phó Chủ tịch", "UBND tỉnh Bình Định")),
            ),
            *attendance,
        ),
        chair=CHAIR,
        secretary=SECRETARY,
        agenda=(
            AgendaEntry(
                "Báo cáo tổng kết công tác năm 2025",
                presenter=Person("Đặng Thị Kim Oanh", "Phó Giám đốc", "Sở Nội vụ"),
                notes=("Báo cáo đã được gửi trước đến các điểm cầu.",),
            ),
            AgendaEntry("Tham luận và thảo luận", contributions=contributions),
            AgendaEntry(
                "Phát biểu chỉ đạo",
                presenter=Person("Hồ Quốc Dũng", "Phó Chủ tịch", "UBND tỉnh Bình Định"),
            ),
        ),
        conclusions=(
            "Hoàn thành việc sắp xếp tổ chức bộ máy trước ngày 31 tháng 3 năm 2026.",
            "Đẩy mạnh chuyển đổi số trong công tác văn thư, lưu trữ.",
        ),
        recipients=("UBND tỉnh (để b/c)", "Các phòng, đơn vị thuộc Sở", "UBND các huyện, thị xã"),
        archive_unit="VP",
        draft=draft,
    )


def _conclusions(*, number: int | None = 3, draft: bool = False) -> ConclusionsContent:
    return ConclusionsContent(
        header=HEADER,
        number=number,
        issued_on=None if draft else date(2026, 1, 9),
        chair_title="Giám đốc Sở Nội vụ",
        meeting_title="Hội nghị tổng kết công tác nội vụ năm 2025",
        started_at=datetime(2026, 1, 5, 1, 0, tzinfo=UTC),
        venue=Venue("Hội trường UBND tỉnh Bình Định", DISTRICTS),
        chair=CHAIR,
        attendees="lãnh đạo các phòng, đơn vị thuộc Sở; đại diện UBND các huyện, thị xã",
        conclusions=(
            "Năm 2025, ngành Nội vụ đã hoàn thành tốt các nhiệm vụ được giao.",
            "Năm 2026, tiếp tục rà soát, sắp xếp tổ chức bộ máy tinh gọn.",
        ),
        tasks=(
            Task(
                "Phòng Tổ chức, biên chế",
                "tham mưu kế hoạch tinh giản biên chế năm 2026",
                due_on=date(2026, 2, 15),
            ),
            Task(
                "Văn phòng Sở",
                "tổng hợp ý kiến của các điểm cầu",
                partners=("Phòng Công chức, viên chức",),
            ),
        ),
        recipients=("UBND tỉnh (để b/c)", "Các phòng, đơn vị thuộc Sở"),
        signer=Signer("Phó Giám đốc", "Đặng Thị Kim Oanh", authority="KT. GIÁM ĐỐC"),
        archive_unit="VP",
        draft=draft,
    )


@pytest.fixture(scope="session")
def fonts() -> FontFamily:
    return load_fonts()


@pytest.fixture(scope="session")
def make_minutes() -> Callable[..., MinutesContent]:
    """Minutes of a hybrid meeting; keywords vary sites, numbers, draft and summaries."""
    return _minutes


@pytest.fixture(scope="session")
def make_conclusions() -> Callable[..., ConclusionsContent]:
    return _conclusions


@pytest.fixture(scope="session")
def malicious() -> str:
    """A summary full of paragraph markup that must print literally."""
    return MALICIOUS
