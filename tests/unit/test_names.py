"""The one rule that joins a position and an organisation (confmgr.names)."""

from __future__ import annotations

import unicodedata

import pytest

from confmgr.names import join_office, same_office, short_office, signer_title

# (position, organisation, title as printed): offices of provinces, districts
# (before July 2025) and communes and wards, as secretariats store them.
PAIRS = [
    # The three the issue saw doubled.
    ("Chánh Văn phòng Sở", "Sở Nội vụ", "Chánh Văn phòng Sở Nội vụ"),
    ("Phó Chủ tịch UBND tỉnh", "Ủy ban nhân dân tỉnh Bình Định", "Phó Chủ tịch UBND tỉnh Bình Định"),
    ("Phó Chủ tịch UBND huyện", "UBND huyện Tây Sơn", "Phó Chủ tịch UBND huyện Tây Sơn"),
    # Province.
    ("Giám đốc", "Sở Nội vụ", "Giám đốc Sở Nội vụ"),
    ("Giám đốc Sở Nội vụ", "Sở Nội vụ", "Giám đốc Sở Nội vụ"),
    ("Phó Giám đốc Sở", "Sở Nội vụ tỉnh Bình Định", "Phó Giám đốc Sở Nội vụ tỉnh Bình Định"),
    ("Phó Giám đốc Sở Tư pháp", "Sở Tư pháp", "Phó Giám đốc Sở Tư pháp"),
    ("Chủ tịch", "Ủy ban nhân dân tỉnh Gia Lai", "Chủ tịch Ủy ban nhân dân tỉnh Gia Lai"),
    ("Phó Chủ tịch Ủy ban nhân dân tỉnh", "UBND tỉnh Gia Lai", "Phó Chủ tịch Ủy ban nhân dân tỉnh Gia Lai"),
    ("Phó Chủ tịch UBND tỉnh Bình Định", "Ủy ban nhân dân tỉnh Bình Định", "Phó Chủ tịch UBND tỉnh Bình Định"),
    ("Phó Chủ tịch Uỷ ban nhân dân tỉnh", "Ủy ban nhân dân tỉnh Bình Định", "Phó Chủ tịch Uỷ ban nhân dân tỉnh Bình Định"),
    ("Chánh Văn phòng", "Văn phòng UBND tỉnh", "Chánh Văn phòng UBND tỉnh"),
    ("Phó Trưởng Ban", "Ban Tổ chức Tỉnh ủy", "Phó Trưởng Ban Tổ chức Tỉnh ủy"),
    ("Trưởng Ban Tổ chức Tỉnh ủy", "Tỉnh ủy Bình Định", "Trưởng Ban Tổ chức Tỉnh ủy Bình Định"),
    ("Phó Chủ tịch HĐND tỉnh", "Hội đồng nhân dân tỉnh Quảng Ngãi", "Phó Chủ tịch HĐND tỉnh Quảng Ngãi"),
    ("Trưởng phòng Tổ chức cán bộ", "Sở Giáo dục và Đào tạo", "Trưởng phòng Tổ chức cán bộ Sở Giáo dục và Đào tạo"),
    ("Trưởng Ban", "Ban Quản lý Khu kinh tế tỉnh", "Trưởng Ban Quản lý Khu kinh tế tỉnh"),
    ("Phó Chủ tịch Ủy ban MTTQ Việt Nam tỉnh", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Gia Lai",
     "Phó Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Gia Lai"),
    ("Giám đốc Sở Tài chính", "", "Giám đốc Sở Tài chính"),
    ("", "Sở Y tế", "Sở Y tế"),
    # District level (2021 names).
    ("Chủ tịch UBND thị xã", "UBND thị xã An Nhơn", "Chủ tịch UBND thị xã An Nhơn"),
    ("Phó Chủ tịch UBND", "UBND thị xã Hoài Nhơn", "Phó Chủ tịch UBND thị xã Hoài Nhơn"),
    ("Phó Chủ tịch UBND thành phố", "UBND TP. Quy Nhơn", "Phó Chủ tịch UBND thành phố Quy Nhơn"),
    ("Chủ tịch UBND TP.", "Ủy ban nhân dân thành phố Quy Nhơn", "Chủ tịch UBND TP. Quy Nhơn"),
    ("Trưởng phòng Nội vụ", "Phòng Nội vụ huyện Phù Mỹ", "Trưởng phòng Nội vụ huyện Phù Mỹ"),
    ("Trưởng phòng Nội vụ", "UBND huyện Tuy Phước", "Trưởng phòng Nội vụ UBND huyện Tuy Phước"),
    ("Phó Trưởng phòng Nội vụ huyện Hoài Ân", "UBND huyện Hoài Ân", "Phó Trưởng phòng Nội vụ huyện Hoài Ân"),
    ("Trưởng Ban Tổ chức Huyện ủy", "Huyện ủy Vĩnh Thạnh", "Trưởng Ban Tổ chức Huyện ủy Vĩnh Thạnh"),
    ("Chánh Văn phòng HĐND và UBND huyện", "UBND huyện An Lão", "Chánh Văn phòng HĐND và UBND huyện An Lão"),
    ("Phó Chủ tịch Thường trực UBND huyện", "Ủy ban nhân dân huyện Vân Canh",
     "Phó Chủ tịch Thường trực UBND huyện Vân Canh"),
    # Commune and ward level (after 1 July 2025).
    ("Chủ tịch UBND xã", "UBND xã Tây Sơn", "Chủ tịch UBND xã Tây Sơn"),
    ("Phó Chủ tịch UBND phường", "Ủy ban nhân dân phường Quy Nhơn", "Phó Chủ tịch UBND phường Quy Nhơn"),
    ("Chủ tịch Ủy ban nhân dân", "UBND phường Pleiku", "Chủ tịch Ủy ban nhân dân phường Pleiku"),
    ("Trưởng phòng Văn hóa - Xã hội", "UBND xã Ia Grai", "Trưởng phòng Văn hóa - Xã hội UBND xã Ia Grai"),
    ("Công chức Văn phòng - Thống kê", "Ủy ban nhân dân xã Chư Sê", "Công chức Văn phòng - Thống kê Ủy ban nhân dân xã Chư Sê"),
    ("Chánh Văn phòng HĐND và UBND", "Văn phòng HĐND và UBND phường An Nhơn",
     "Chánh Văn phòng HĐND và UBND phường An Nhơn"),
    ("Bí thư Đảng ủy xã", "Đảng ủy xã Đak Pơ", "Bí thư Đảng ủy xã Đak Pơ"),
    ("Chủ tịch HĐND đặc khu", "Hội đồng nhân dân đặc khu Phú Quốc", "Chủ tịch HĐND đặc khu Phú Quốc"),
]


@pytest.mark.parametrize(("position", "organization", "expected"), PAIRS)
def test_real_pairs_print_each_office_once(position: str, organization: str, expected: str) -> None:
    assert join_office(position, organization) == expected


def test_at_least_thirty_real_pairs() -> None:
    assert len(PAIRS) >= 30


@pytest.mark.parametrize(("position", "organization", "_expected"), PAIRS)
def test_no_office_word_doubled(position: str, organization: str, _expected: str) -> None:
    title = join_office(position, organization).casefold()
    for office in ("sở sở", "ubnd ubnd", "ủy ban nhân dân ủy ban nhân dân", "ubnd tỉnh ủy ban", "ubnd huyện ubnd"):
        assert office not in title


def test_decomposed_input_and_extra_spaces_are_normalised() -> None:
    position = unicodedata.normalize("NFD", "Phó  Chủ tịch UBND tỉnh ")
    title = join_office(position, " Ủy ban nhân dân tỉnh Bình Định;")
    assert title == "Phó Chủ tịch UBND tỉnh Bình Định"
    assert unicodedata.is_normalized("NFC", title)


def test_same_office_treats_abbreviations_as_their_words() -> None:
    assert same_office("UBND tỉnh Bình Định", "Ủy ban nhân dân tỉnh Bình Định")
    assert same_office("UBND TP. Quy Nhơn", "Ủy ban nhân dân thành phố Quy Nhơn")
    assert not same_office("UBND huyện Tây Sơn", "UBND xã Tây Sơn")


def test_an_unrelated_organisation_is_kept_whole() -> None:
    # A word in common that is not where the position ends is not an overlap.
    assert join_office("Giám đốc Sở", "Trung tâm Lưu trữ lịch sử") == "Giám đốc Sở Trung tâm Lưu trữ lịch sử"


@pytest.mark.parametrize(
    ("position", "organization", "expected"),
    [
        ("Giám đốc Sở Nội vụ", "Sở Nội vụ", ("", "", "Giám đốc")),
        ("Giám đốc", "Sở Nội vụ", ("", "", "Giám đốc")),
        ("Phó Giám đốc Sở Nội vụ", "Sở Nội vụ", ("KT.", "Giám đốc", "Phó Giám đốc")),
        ("Phó Giám đốc", "Sở Nội vụ", ("KT.", "Giám đốc", "Phó Giám đốc")),
        ("Chủ tịch UBND tỉnh Gia Lai", "Ủy ban nhân dân tỉnh Gia Lai", ("", "", "Chủ tịch")),
        ("Phó Chủ tịch Ủy ban nhân dân tỉnh", "UBND tỉnh", ("KT.", "Chủ tịch", "Phó Chủ tịch")),
        ("Chánh Văn phòng", "Sở Nội vụ", ("", "", "Chánh Văn phòng")),
    ],
)
def test_signer_titles_follow_the_decree(position: str, organization: str, expected: tuple[str, str, str]) -> None:
    assert signer_title(position, organization) == expected


def test_short_office_abbreviates_the_people_s_committee() -> None:
    assert short_office("Ủy ban nhân dân tỉnh Bình Định") == "UBND tỉnh Bình Định"
    assert short_office("Sở Tư pháp") == "Sở Tư pháp"
