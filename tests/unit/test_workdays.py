"""Working days from the Vietnamese public holiday calendar (confmgr.workdays)."""

from __future__ import annotations

from datetime import date

import pytest

from confmgr.documents.vndate import add_working_days as vndate_add
from confmgr.workdays import add_working_days, day_off_name, is_working_day, make_up_days, parse_days_off


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # The case: 01/01/2027 is a holiday, then a weekend.
        (date(2026, 12, 28), 5, date(2027, 1, 5)),
        # The seed meeting, Friday 24/12/2021: the five days before New Year.
        (date(2021, 12, 24), 5, date(2021, 12, 31)),
        # Tết 2026: 16/02 (29 Tết) to 20/02 are off; Friday 13/02 + 1 is Monday 23/02.
        (date(2026, 2, 13), 1, date(2026, 2, 23)),
        (date(2026, 2, 12), 5, date(2026, 2, 26)),
        # 30/4 and 1/5/2026 (Thursday, Friday): Wednesday 29/4 + 1 is Monday 4/5.
        (date(2026, 4, 29), 1, date(2026, 5, 4)),
        # Giỗ Tổ 2026 falls on Sunday 26/4 and is taken on Monday 27/4.
        (date(2026, 4, 24), 1, date(2026, 4, 28)),
        # 2/9/2026: 31/8 (moved), 1/9 and 2/9 off; Friday 28/8 + 1 is Thursday 3/9.
        (date(2026, 8, 28), 1, date(2026, 9, 3)),
        # The make-up Saturday 22/8/2026 counts: Friday 21/8 + 1 is that Saturday.
        (date(2026, 8, 21), 1, date(2026, 8, 22)),
        # 2025: Saturday 26/4 was worked for Friday 2/5.
        (date(2025, 4, 25), 1, date(2025, 4, 26)),
        (date(2025, 4, 29), 1, date(2025, 5, 5)),
        (date(2026, 1, 10), 0, date(2026, 1, 10)),
    ],
)
def test_working_days_follow_the_holiday_calendar(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected
    assert vndate_add(start, n) == expected


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2027, 1, 1), "Tết Dương lịch"),
        (date(2026, 2, 17), "Tết Nguyên Đán"),
        (date(2026, 4, 30), "Ngày Chiến thắng"),
        (date(2026, 5, 1), "Ngày Quốc tế Lao động"),
        (date(2026, 9, 2), "Quốc khánh"),
    ],
)
def test_public_holidays_are_named_in_vietnamese(day: date, name: str) -> None:
    assert not is_working_day(day)
    assert name in (day_off_name(day) or "")


def test_make_up_saturdays_are_working_days() -> None:
    assert date(2026, 8, 22) in make_up_days(2026)
    assert date(2026, 8, 22).weekday() == 5
    assert is_working_day(date(2026, 8, 22))
    assert not is_working_day(date(2026, 8, 29))  # an ordinary Saturday
    assert not is_working_day(date(2026, 8, 31))  # the day off it pays for


def test_the_agency_adds_its_own_days_off() -> None:
    local = [date(2026, 12, 29)]
    assert add_working_days(date(2026, 12, 28), 5, local) == date(2027, 1, 6)
    assert day_off_name(date(2026, 12, 29), local) == "Ngày nghỉ của cơ quan"
    assert parse_days_off(["2026-12-29", "nonsense", date(2026, 12, 30), "2026-12-29"]) == (
        date(2026, 12, 29),
        date(2026, 12, 30),
    )


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 5), -1)
