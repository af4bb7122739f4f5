"""One module for dates and times: a stored time without an offset is UTC, a typed
one is Vietnam time; pages and documents write dates the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from confmgr import timeutil
from confmgr.documents import vndate
from confmgr.timeutil import VN_TZ, aware, to_vn, vn_date, vn_datetime, vn_time


def test_a_stored_naive_time_is_utc() -> None:
    stored = datetime(2026, 1, 5, 1, 30)  # as SQLite gives it back: no offset, UTC
    assert to_vn(stored) == datetime(2026, 1, 5, 8, 30, tzinfo=VN_TZ)
    assert vn_time(stored) == "08 giờ 30 phút"
    assert vn_datetime(stored) == "08:30, ngày 05 tháng 01 năm 2026"
    # 18:00 UTC on 31 December is already 1 January in Vietnam.
    assert vn_date(datetime(2025, 12, 31, 18, 0)) == "ngày 01 tháng 01 năm 2026"
    assert to_vn(stored) == to_vn(stored.replace(tzinfo=UTC))


def test_a_typed_naive_time_is_vietnam_time() -> None:
    typed = datetime(2026, 1, 5, 8, 30)  # from <input type="datetime-local">
    assert aware(typed).astimezone(UTC) == datetime(2026, 1, 5, 1, 30, tzinfo=UTC)


def test_aware_times_keep_their_instant() -> None:
    paris = timezone(timedelta(hours=1))
    assert vn_time(datetime(2026, 1, 5, 3, 30, tzinfo=paris)) == "09 giờ 30 phút"


def test_dates_pad_the_day_and_only_january_and_february() -> None:
    assert vn_date(date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    assert vn_date(date(2019, 6, 29)) == "ngày 29 tháng 6 năm 2019"
    assert vn_date(None) == ""


def test_documents_use_the_same_rules() -> None:
    assert vndate.VN_TZ is timeutil.VN_TZ
    moment = datetime(2026, 2, 9, 0, 15)
    assert vndate.format_vn_date(moment.date()) == vn_date(moment.date())
    assert vndate.format_vn_time(moment) == vn_time(moment) == "07 giờ 15 phút"
    assert vndate.to_vn_time(moment) == to_vn(moment)
