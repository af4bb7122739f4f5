"""Dates, times and document numbers as Vietnamese administrative documents write them.

The rules come from Nghị định 30/2020/NĐ-CP (Appendix I). Dates and times themselves
are :mod:`confmgr.timeutil`'s (one rule for the whole application: a stored time
without an offset is UTC); the names here stay for the document builders.
"""

from __future__ import annotations

from collections.abc import Iterable

from confmgr import workdays

from datetime import date, datetime, timedelta

from confmgr.timeutil import VN_TZ, to_vn, vn_date, vn_time

# Non-breaking spaces keep a blank of a fixed width: renderers collapse runs of
# ordinary spaces, and the blank is where a clerk writes by hand.
BLANK = "\u00a0" * 6

__all__ = [
    "BLANK",
    "VN_TZ",
    "add_working_days",
    "format_number",
    "format_thousands",
    "format_vn_date",
    "format_vn_time",
    "place_and_date",
    "place_and_undated",
    "to_vn_time",
]


def format_vn_date(d: date) -> str:
    """``ngày 05 tháng 01 năm 2026``; ``ngày 29 tháng 6 năm 2019`` (see timeutil.vn_date)."""
    return vn_date(d)


def to_vn_time(dt: datetime) -> datetime:
    """A stored time in Vietnam time; naive means UTC, as stored (see timeutil.to_vn)."""
    local = to_vn(dt)
    assert local is not None
    return local


def format_vn_time(dt: datetime) -> str:
    """``08 giờ 00 phút`` in Vietnam time (see timeutil.vn_time)."""
    return vn_time(dt)


def place_and_date(place: str, d: date) -> str:
    """``Bình Định, ngày 24 tháng 12 năm 2021`` (địa danh và thời gian ban hành)."""
    return f"{place}, {format_vn_date(d)}"


def place_and_undated(place: str, year: int) -> str:
    """The place-and-date line of a draft: day and month left blank, year printed.

    A draft is not dated until it is issued; the clerk fills the blanks on paper or
    the issued version replaces the draft.
    """
    return f"{place}, ngày{BLANK}tháng{BLANK}năm {year}"


def format_number(n: int | None, doc_type: str, abbr: str) -> str:
    """``05/BB-SNV`` (số, ký hiệu); ``None`` gives the blank of an unissued document.

    Numbers below 10 get a leading zero; there are no spaces around ``/`` and ``-``.
    """
    symbol = f"{doc_type.strip()}-{abbr.strip()}"
    if n is None:
        return f"{BLANK}/{symbol}"
    if n < 1:
        raise ValueError(f"document numbers start at 1, got {n}")
    return f"{n:02d}/{symbol}"


def format_thousands(n: int) -> str:
    """``3.321``: Vietnamese writes the thousands separator as a dot."""
    return f"{n:,}".replace(",", ".")


def add_working_days(d: date, n: int, extra_days_off: Iterable[date] = ()) -> date:
    """The date ``n`` working days after ``d``: weekends, Vietnamese public holidays
    and the agency's ``extra_days_off`` skipped, official make-up Saturdays counted
    (see :mod:`confmgr.workdays`). ``n == 0`` returns ``d`` itself."""
    return workdays.add_working_days(d, n, extra_days_off)
