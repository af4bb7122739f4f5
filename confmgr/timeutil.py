"""Times: stored in UTC, shown and entered in Vietnam time (Asia/Ho_Chi_Minh).

The one module for dates and times, on pages and in documents alike. Two rules for a
datetime without an offset, each where it applies:

- **read back** (from the database, a record, anything stored): naive means UTC, as it
  was stored (:func:`as_utc`, :func:`to_vn`, :func:`vn_date`, :func:`vn_time`);
- **typed in** (a form's ``datetime-local``): naive means Vietnam time, what the person
  meant (:func:`aware`).

Dates are written as Nghị định 30/2020/NĐ-CP wants: ``ngày 05 tháng 01 năm 2026``
(the day below 10 and the months January and February take a leading zero).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from confmgr.i18n import current_locale

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A time typed without an offset is Vietnam time: that is what every form means."""
    return value.replace(tzinfo=VN_TZ) if value.tzinfo is None else value


def as_utc(value: datetime) -> datetime:
    """A stored time: without an offset it is UTC, as it was stored."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None or value.utcoffset() is None else value


def to_vn(value: datetime | None) -> datetime | None:
    """A stored time in Vietnam time (naive means UTC)."""
    return None if value is None else as_utc(value).astimezone(VN_TZ)


def vn_date(value: date | datetime | None) -> str:
    """``ngày 05 tháng 01 năm 2026``: days below 10 and months 1 and 2 take a zero.

    Only January and February are padded: "tháng 01", "tháng 02" keep a clerk from
    turning "tháng 1" into "tháng 11" or "tháng 12" by hand.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_vn(value).date()  # type: ignore[union-attr]
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"


def vn_time(value: datetime) -> str:
    """``08 giờ 00 phút`` in Vietnam time, as documents write it."""
    local = to_vn(value)
    assert local is not None
    return f"{local.hour:02d} giờ {local.minute:02d} phút"


def vn_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = to_vn(value)
    assert local is not None
    return f"{local:%H:%M}, {vn_date(local)}"


def input_value(value: datetime | None) -> str:
    """The value of an ``<input type="datetime-local">`` in Vietnam time."""
    local = to_vn(value)
    return "" if local is None else local.strftime("%Y-%m-%dT%H:%M")


MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


def page_date(value: date | datetime | None) -> str:
    """A date in the reader's language (the request's): ``ngày 05 tháng 01 năm 2026`` or
    ``5 January 2026``. Documents and Vietnamese mail keep :func:`vn_date`."""
    if value is None or current_locale.get() != "en":
        return vn_date(value)
    if isinstance(value, datetime):
        value = to_vn(value).date()  # type: ignore[union-attr]
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def page_datetime(value: datetime | None) -> str:
    """A moment in Vietnam time, in the reader's language."""
    if value is None or current_locale.get() != "en":
        return vn_datetime(value)
    local = to_vn(value)
    return f"{local:%H:%M}, {page_date(local)}"
