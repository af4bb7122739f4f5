"""The minutes of a national meeting count the sites per province and name the absent."""

from __future__ import annotations

import dataclasses
from typing import Any

from confmgr.documents.content import AbsentSite, Person, SiteAttendance, minutes_body



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
