"""Inputs for tests: realistic Vietnamese meetings and sites."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from confmgr.timeutil import VN_TZ

PERSON_CHAIR = {"full_name": "Trần Minh Hoàng", "position": "Giám đốc Sở Nội vụ", "organization": "Sở Nội vụ"}
PERSON_SECRETARY = {"full_name": "Lê Thị Thu Hà", "position": "Chánh Văn phòng Sở", "organization": "Sở Nội vụ"}


def future(days: int = 30, hour: int = 8) -> datetime:
    base = datetime.now(VN_TZ).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


def meeting_json(**overrides: Any) -> dict[str, Any]:
    starts = future()
    data: dict[str, Any] = {
        "title": "Hội nghị tổng kết công tác nội vụ năm 2026",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "mode": "hybrid",
        "venue": "Hội trường UBND tỉnh",
        "chair": PERSON_CHAIR,
        "secretary": PERSON_SECRETARY,
        "response_deadline": (starts - timedelta(days=3)).isoformat(),
    }
    data.update(overrides)
    return data


def meeting_form(**overrides: Any) -> dict[str, Any]:
    starts = future()
    data = {
        "title": "Hội nghị sơ kết 6 tháng đầu năm",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "response_deadline": "",
        "mode": "hybrid",
        "venue": "Hội trường UBND tỉnh",
        "chair.full_name": PERSON_CHAIR["full_name"],
        "chair.position": PERSON_CHAIR["position"],
        "chair.organization": PERSON_CHAIR["organization"],
        "secretary.full_name": PERSON_SECRETARY["full_name"],
        "secretary.position": PERSON_SECRETARY["position"],
        "secretary.organization": PERSON_SECRETARY["organization"],
        "description": "",
    }
    data.update(overrides)
    return data


def sites_csv(count: int, *, header: str = "name,role,address,contact_name,contact_phone,contact_email,expected_delegates") -> bytes:
    lines = [header]
    for i in range(count):
        role = "host" if i == 0 else "remote"
        lines.append(f"Điểm cầu xã số {i + 1},{role},Thôn {i + 1},Người liên hệ {i + 1},0905{i:06d},lienhe{i}@example.vn,{3 + i % 5}")
    return ("\n".join(lines) + "\n").encode("utf-8")
