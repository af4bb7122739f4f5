"""Times: stored in UTC, shown and entered in Vietnam time (Asia/Ho_Chi_Minh)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A time without an offset is Vietnam time: that is what every form means."""
    return value.replace(tzinfo=VN_TZ) if value.tzinfo is None else value


def to_vn(value: datetime | None) -> datetime | None:
    return None if value is None else aware(value).astimezone(VN_TZ)


def vn_date(value: date | datetime | None) -> str:
    """``ngày 05 tháng 01 năm 2026``: days below 10 and months 1 and 2 take a zero."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_vn(value).date()  # type: ignore[union-attr]
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"


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
