"""The minutes of a national meeting count the sites per province and name the absent."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from confmgr.documents.content import INLINE_SITE_LIMIT, AbsentSite, Person, SiteAttendance, minutes_body
from confmgr.documents.record import ConclusionsRecord, MeetingRecord, SiteRecord, absent_sites



def test_sites_of_provinces_are_counted_per_province_and_the_absent_named(make_minutes: Any) -> None:
    base = make_minutes()
    chair = Person("Nguyễn Văn Bình", "Giám đốc Sở Nội vụ", None)
    host = SiteAttendance("Hội trường Bộ Nội vụ", (chair,))
    ha_noi = [
        SiteAttendance(f"Điểm cầu UBND phường {i}", (Person(f"Người {i}", "Chủ tịch UBND", None),), province="Thành phố Hà Nội")
        for i in range(120)
    ]
    sick = Person("Lê Quốc Việt", "Công chức", None)
    ha_noi[3] = dataclasses.replace(ha_noi[3], absent=((sick, "ốm"),))
    gia_lai = [SiteAttendance(f"Điểm cầu UBND xã {i}", (), province="Gia Lai") for i in range(80)]
    content = dataclasses.replace(
        base,
        attendance=(host, *ha_noi, *gia_lai),
        absent_sites=(
            AbsentSite("Điểm cầu UBND xã Ia Grai", "declined", "Mất điện", province="Gia Lai"),
            AbsentSite("Điểm cầu UBND xã Chư Păh", "not_connected", province="Gia Lai"),
            AbsentSite("Hội trường Sở Nội vụ", "not_connected"),
        ),
    )
    texts = [p.text for p in minutes_body(content)]
    start = texts.index("Thành phần tham dự:")
    assert texts[start + 1] == "- Hội trường Bộ Nội vụ: Nguyễn Văn Bình, Giám đốc Sở Nội vụ;"
    assert texts[start + 2] == "- Thành phố Hà Nội: 120/120 điểm cầu tham dự, 120 đại biểu;"
    assert texts[start + 3] == "- Gia Lai: 80/82 điểm cầu tham dự."
    assert texts[start + 4] == "Vắng mặt:"
    assert texts[start + 5] == "- Hội trường Sở Nội vụ: không kết nối;"
    assert texts[start + 6] == "- Thành phố Hà Nội: Điểm cầu UBND phường 3 vắng Lê Quốc Việt, Công chức, lý do: ốm;"
    assert texts[start + 7] == (
        "- Gia Lai: Điểm cầu UBND xã Ia Grai không tham dự, lý do: Mất điện; Điểm cầu UBND xã Chư Păh không kết nối."
    )
    # No site of a province is listed one by one among those who came.
    assert not any(t.startswith("- Điểm cầu UBND") for t in texts)


def test_without_provinces_the_list_is_site_by_site(make_minutes: Any) -> None:
    content = make_minutes()
    texts = [p.text for p in minutes_body(content)]
    start = texts.index("Thành phần tham dự:")
    assert all(":" in t and "điểm cầu tham dự" not in t for t in texts[start + 1 : start + 3])


def _gia_lai_site(i: int, **kw: Any) -> SiteAttendance:
    return SiteAttendance(
        f"Điểm cầu UBND xã Ia {i}",
        (Person(f"Rơ Châm {i}", "Chủ tịch UBND xã", None), Person(f"Ksor H'Linh {i}", "Công chức Văn phòng - Thống kê", None)),
        province="Gia Lai",
        **kw,
    )


def test_a_provincial_meeting_lists_each_site_with_its_delegates(make_minutes: Any) -> None:
    # Twelve communes of one province: a page of lines, not "Gia Lai: 12/13".
    host = SiteAttendance("Hội trường UBND tỉnh Gia Lai", (Person("Nguyễn Văn Bình", "Giám đốc Sở Nội vụ", None),))
    sites = [_gia_lai_site(i) for i in range(12)]
    content = dataclasses.replace(
        make_minutes(),
        attendance=(host, *sites),
        absent_sites=(AbsentSite("Điểm cầu UBND xã Ia Grai", "no_answer", province="Gia Lai"),),
    )
    texts = [p.text for p in minutes_body(content)]
    start = texts.index("Thành phần tham dự:")
    assert texts[start + 2] == "- Điểm cầu UBND xã Ia 0: Rơ Châm 0, Chủ tịch UBND xã; Ksor H'Linh 0, Công chức Văn phòng - Thống kê;"
    assert texts[start + 13].startswith("- Điểm cầu UBND xã Ia 11: Rơ Châm 11, ")
    assert texts[start + 14] == "Vắng mặt:"
    assert texts[start + 15] == "- Điểm cầu UBND xã Ia Grai: chưa trả lời."
    assert not any("điểm cầu tham dự" in t for t in texts)


def test_above_the_inline_limit_the_sites_are_counted_per_province(make_minutes: Any) -> None:
    sites = [_gia_lai_site(i) for i in range(INLINE_SITE_LIMIT)]
    content = dataclasses.replace(
        make_minutes(),
        attendance=tuple(sites),
        absent_sites=(AbsentSite("Điểm cầu UBND xã Ia Grai", "no_answer", province="Gia Lai"),),
    )
    texts = [p.text for p in minutes_body(content)]
    start = texts.index("Thành phần tham dự:")
    # Invited sites are the denominator: the one that never answered counts.
    assert texts[start + 1] == f"- Gia Lai: {INLINE_SITE_LIMIT}/{INLINE_SITE_LIMIT + 1} điểm cầu tham dự, {2 * INLINE_SITE_LIMIT} đại biểu."
    assert texts[start + 3] == "- Gia Lai: Điểm cầu UBND xã Ia Grai chưa trả lời."


def _record(sites: tuple[SiteRecord, ...]) -> MeetingRecord:
    when = datetime(2026, 12, 28, 1, 0, tzinfo=UTC)
    return MeetingRecord(
        meeting_id=1, title="Hội nghị", venue="", starts_at=when, ends_at=when, actual_started_at=None,
        actual_ended_at=None, chair={}, secretary={}, agency=None, sites=sites, items=(), speeches=(),
        conclusions=ConclusionsRecord(), edits={}, edits_version=0,
    )


def _site(id: int, response: str, connected: bool | None = None, role: str = "remote") -> SiteRecord:
    return SiteRecord(id, f"Điểm cầu {id}", role, response, connected, connected is not None, "", (), "Gia Lai")


def test_invited_sites_that_never_answered_are_absent_before_a_roll_call() -> None:
    sites = (_site(1, "attending", role="host"), _site(2, "attending"), _site(3, "declined"), _site(4, "pending"))
    assert [(s.site_name, s.status) for s in absent_sites(_record(sites))] == [
        ("Điểm cầu 3", "declined"), ("Điểm cầu 4", "no_answer"),
    ]
    # After a roll call, a site not connected is "not connected", whatever it answered.
    called = (sites[0], _site(2, "attending", connected=True), sites[2], _site(4, "pending", connected=False))
    assert [s.status for s in absent_sites(_record(called))] == ["declined", "not_connected"]
