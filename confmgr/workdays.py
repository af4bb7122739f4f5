"""Working days (ngày làm việc) of a Vietnamese state agency.

A working day is Monday to Friday, not a public holiday, plus the official
make-up Saturdays (làm bù) the government sets when it moves a day off next to a
holiday. Public holidays come from the ``holidays`` package (country VN): Tết
Dương lịch, Tết Nguyên Đán by the lunar calendar with the days the Labour Code
and the yearly decisions give, Giỗ Tổ Hùng Vương, 30/4, 1/5, 2/9 and the day
beside it, and the days moved by the government (``Ngày nghỉ (thay cho ngày
…)``); the date each of those moved days is made up on is a working Saturday.
An agency may add its own days off (a local holiday, a closure).

The notice of conclusions is due 5 working days after the meeting (Quyết định
45/2018/QĐ-TTg); tasks' deadlines are checked against the same calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays
from holidays.countries.vietnam import VietnamStaticHolidays

__all__ = [
    "add_working_days",
    "day_off_name",
    "is_working_day",
    "make_up_days",
    "parse_days_off",
]


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("VN", years=year, language="vi").items())


def _make_up_entries(year: int) -> list[date]:
    # The package records each moved day as (month, day, from month, from day[,
    # from year]) under the year of the day off: the "from" date is the Saturday
    # worked in exchange.
    entries = VietnamStaticHolidays.special_public_holidays.get(year, ())
    if entries and isinstance(entries[0], int):
        entries = (entries,)
    out = []
    for entry in entries:
        if len(entry) < 4:
            continue
        from_year = entry[4] if len(entry) > 4 else year
        out.append(date(from_year, entry[2], entry[3]))
    return out


@lru_cache(maxsize=64)
def make_up_days(year: int) -> frozenset[date]:
    """The official make-up working days (usually Saturdays) that fall in ``year``."""
    found = set()
    for key_year in (year - 1, year, year + 1):
        found |= {d for d in _make_up_entries(key_year) if d.year == year}
    return frozenset(found)


def day_off_name(day: date, extra_days_off: Iterable[date] = ()) -> str | None:
    """Why ``day`` is not a working day (``Tết Dương lịch``, ``Thứ Bảy``…), or ``None``."""
    if day in make_up_days(day.year):
        return None
    name = _public_holidays(day.year).get(day)
    if name:
        return name
    if day in set(extra_days_off):
        return "Ngày nghỉ của cơ quan"
    if day.weekday() == 5:
        return "Thứ Bảy"
    if day.weekday() == 6:
        return "Chủ nhật"
    return None


def is_working_day(day: date, extra_days_off: Iterable[date] = ()) -> bool:
    """Monday to Friday and no public holiday, or an official make-up day; never one
    of the agency's own ``extra_days_off``."""
    if day in make_up_days(day.year) and day not in set(extra_days_off):
        return True
    return day_off_name(day, extra_days_off) is None


def add_working_days(start: date, n: int, extra_days_off: Iterable[date] = ()) -> date:
    """The date ``n`` working days after ``start`` (``start`` itself does not count).

    ``add_working_days(date(2026, 12, 28), 5) == date(2027, 1, 5)``: 01/01/2027 is a
    holiday and the weekend does not count. ``n == 0`` returns ``start`` itself.
    """
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    off = frozenset(extra_days_off)
    current = start
    remaining = n
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current, off):
            remaining -= 1
    return current


def parse_days_off(values: Iterable[object]) -> tuple[date, ...]:
    """The agency's stored days off (ISO strings or dates), bad values skipped."""
    out = []
    for value in values or ():
        if isinstance(value, date):
            out.append(value)
        elif isinstance(value, str):
            try:
                out.append(date.fromisoformat(value.strip()))
            except ValueError:
                continue
    return tuple(sorted(set(out)))
