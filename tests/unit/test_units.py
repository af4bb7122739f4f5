"""The official list of administrative units and the matcher of written names."""

from __future__ import annotations

import pytest

from confmgr.sites import units as official
from confmgr.text import search_key


def test_the_official_list_since_july_2025() -> None:
    assert len(official.provinces()) == 34
    assert len(official.units()) == 3321
    kinds = {k: len(official.select_units(kind=k)) for k in official.KINDS}
    assert kinds == {"xa": 2621, "phuong": 687, "dac_khu": 13}
    hanoi = official.province_of("1")
    assert hanoi is not None and hanoi.code == "01" and hanoi.name == "Thành phố Hà Nội"
    assert official.get_unit("70").name == "Phường Hoàn Kiếm"  # type: ignore[union-attr]
    assert sum(sum(c.values()) for c in official.count_by_province().values()) == 3321


def test_site_names_are_unique_even_without_accents() -> None:
    names = [official.site_name(u) for u in official.units()]
    assert len({search_key(n) for n in names}) == 3321
    assert official.site_name(official.get_unit("00070")) == "Điểm cầu UBND phường Hoàn Kiếm"  # type: ignore[arg-type]
    # "Xã Tân Tiến" exists in several provinces: the province tells them apart.
    tan_tien = [u for u in official.units() if u.name == "Xã Tân Tiến"]
    assert len(tan_tien) > 1
    assert all(official.site_name(u).endswith(f"({u.province.short})") for u in tan_tien)


@pytest.mark.parametrize(
    "written",
    ["Phường Hoàn Kiếm", "UBND phường Hoàn Kiếm", "phuong hoan kiem", "Điểm cầu UBND phường Hoàn Kiếm",
     "  ĐIỂM CẦU  ubnd   Phường   hoàn kiếm ", "Ủy ban nhân dân phường Hoàn Kiếm", "Hoàn Kiếm"],
)
def test_prefixes_case_and_accents_do_not_matter(written: str) -> None:
    found = official.match(written)
    assert found.status == "one" and found.unit is not None and found.unit.code == "00070"


def test_a_name_shared_by_several_units_is_ambiguous_until_narrowed() -> None:
    found = official.match("Xã Hòa Bình")
    assert found.status == "ambiguous" and len(found.units) >= 2
    provinces = {u.province_code for u in found.units}
    one = sorted(provinces)[0]
    assert official.match("Xã Hòa Bình", province=one).status == "one"
    name = official.provinces_by_code()[one].short
    assert official.match(f"UBND xã Hòa Bình, tỉnh {name}").unit.province_code == one  # type: ignore[union-attr]
    assert official.match(f"xa hoa binh ({search_key(name)})").unit.province_code == one  # type: ignore[union-attr]


def test_accents_tell_apart_names_that_differ_only_by_them() -> None:
    assert official.match("xa thanh an", "79").status == "ambiguous"
    assert official.match("Xã Thạnh An", "79").unit.name == "Xã Thạnh An"  # type: ignore[union-attr]
    assert official.match("Xã Thanh An", "79").unit.name == "Xã Thanh An"  # type: ignore[union-attr]


def test_names_ending_with_a_province_name_are_still_found() -> None:
    # "Huệ" reads "hue" like the city of Huế: the name itself comes first.
    assert official.match("Xã Nguyễn Huệ").status == "one"


def test_every_unit_is_found_by_its_site_name_and_by_its_own_name_in_its_province() -> None:
    for unit in official.units():
        assert official.match(official.site_name(unit)).unit == unit, unit
        assert official.match(unit.name, unit.province_code).unit == unit, unit


@pytest.mark.parametrize("written", ["Xã Không Có Thật", "Hội trường tầng 3", "", "UBND"])
def test_unknown_names_match_nothing(written: str) -> None:
    assert official.match(written).status == "none"


def test_looks_like_unit() -> None:
    assert official.looks_like_unit("Xã Không Có Thật")
    assert official.looks_like_unit("UBND phường Chưa Có")
    assert not official.looks_like_unit("Hội trường tầng 3 Sở Nội vụ")
    assert not official.looks_like_unit("UBND huyện Hoài Ân")
