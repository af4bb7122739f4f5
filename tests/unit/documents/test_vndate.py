from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from confmgr.documents.vndate import (
    BLANK,
    add_working_days,
    format_number,
    format_thousands,
    format_vn_date,
    format_vn_time,
    place_and_date,
    place_and_undated,
    to_vn_time,
)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 1, 5), "ngày 05 tháng 01 năm 2026"),
        (date(2020, 2, 9), "ngày 09 tháng 02 năm 2020"),
        (date(2019, 6, 29), "ngày 29 tháng 6 năm 2019"),
        (date(2021, 12, 24), "ngày 24 tháng 12 năm 2021"),
        (date(2021, 3, 1), "ngày 01 tháng 3 năm 2021"),
        (date(2021, 10, 10), "ngày 10 tháng 10 năm 2021"),
    ],
)
def test_date_pads_day_below_ten_and_only_january_and_february(d: date, expected: str) -> None:
    assert format_vn_date(d) == expected


def test_time_is_converted_to_vietnam_time() -> None:
    assert format_vn_time(datetime(2026, 1, 5, 1, 0, tzinfo=UTC)) == "08 giờ 00 phút"
    assert format_vn_time(datetime(2026, 1, 5, 20, 5, tzinfo=UTC)) == "03 giờ 05 phút"
    paris = timezone(timedelta(hours=1))
    assert format_vn_time(datetime(2026, 1, 5, 3, 30, tzinfo=paris)) == "09 giờ 30 phút"


def test_conversion_crosses_midnight_into_the_vietnamese_date() -> None:
    local = to_vn_time(datetime(2025, 12, 31, 18, 0, tzinfo=UTC))
    assert local.date() == date(2026, 1, 1)


def test_a_naive_datetime_is_utc_as_stored() -> None:
    assert format_vn_time(datetime(2026, 1, 5, 1, 0)) == "08 giờ 00 phút"
    assert to_vn_time(datetime(2025, 12, 31, 18, 0)).date() == date(2026, 1, 1)


def test_place_and_date() -> None:
    assert place_and_date("Bình Định", date(2021, 12, 24)) == "Bình Định, ngày 24 tháng 12 năm 2021"


def test_undated_draft_line_leaves_blanks_that_survive_rendering() -> None:
    line = place_and_undated("Bình Định", 2026)
    assert line == f"Bình Định, ngày{BLANK}tháng{BLANK}năm 2026"
    # Non-breaking spaces: a renderer collapsing white space keeps the blank.
    assert BLANK.strip(" ") == BLANK and "\u00a0" in BLANK


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "01/BB-SNV"), (5, "05/BB-SNV"), (9, "09/BB-SNV"), (10, "10/BB-SNV"), (123, "123/BB-SNV")],
)
def test_number_has_leading_zero_below_ten_and_no_spaces(n: int, expected: str) -> None:
    assert format_number(n, "BB", "SNV") == expected


def test_number_symbol_is_stripped_of_stray_spaces() -> None:
    assert format_number(3, " TB ", " SNV ") == "03/TB-SNV"


def test_missing_number_prints_a_blank_before_the_symbol() -> None:
    assert format_number(None, "BB", "SNV") == f"{BLANK}/BB-SNV"


def test_number_zero_is_refused() -> None:
    with pytest.raises(ValueError):
        format_number(0, "BB", "SNV")


def test_thousands_use_a_dot() -> None:
    assert format_thousands(3321) == "3.321"
    assert format_thousands(999) == "999"
    assert format_thousands(1234567) == "1.234.567"


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 1, 5), 5, date(2026, 1, 12)),  # Monday -> next Monday
        (date(2026, 1, 9), 1, date(2026, 1, 12)),  # Friday -> Monday
        (date(2026, 1, 8), 5, date(2026, 1, 15)),  # Thursday -> next Thursday
        (date(2026, 1, 10), 1, date(2026, 1, 12)),  # Saturday -> Monday
        (date(2026, 1, 11), 5, date(2026, 1, 16)),  # Sunday -> Friday
        (date(2026, 1, 7), 10, date(2026, 1, 21)),
        (date(2026, 1, 10), 0, date(2026, 1, 10)),
    ],
)
def test_working_days_skip_weekends(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected


def test_working_days_never_land_on_a_weekend() -> None:
    start = date(2026, 1, 1)
    for offset in range(14):
        for n in range(1, 12):
            assert add_working_days(start + timedelta(days=offset), n).weekday() < 5


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 5), -1)
