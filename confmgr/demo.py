"""The demo: a provincial Department of Home Affairs' year-end conference.

A host hall and twelve remote sites; a few sites have already answered. Loaded
only into an empty database, so running it twice changes nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from confmgr.accounts.models import User
from confmgr.accounts.services import create_user, generate_password
from confmgr.agency.services import save_agency
from confmgr.agenda.schemas import AgendaItemInput
from confmgr.agenda.services import create_item
from confmgr.cli_support import session_scope
from confmgr.meetings.models import Meeting
from confmgr.meetings.schemas import MeetingInput
from confmgr.meetings.services import create_meeting
from confmgr.meetings.status import change_status
from confmgr.schemas import Person
from confmgr.settings import Settings
from confmgr.sites.models import Delegate, Site
from confmgr.sites.schemas import Contact, SiteInput
from confmgr.sites.services import add_from_directory, create_directory_site
from confmgr.sites.tokens import SiteKeys
from confmgr.timeutil import VN_TZ, now

ADMIN_USERNAME = "admin"
CREDENTIALS_FILE = "demo-login.txt"

HOST = ("Hội trường UBND tỉnh Bình Định", "Số 01 Trần Phú, phường Quy Nhơn, tỉnh Bình Định", "Phan Thị Mai", "0256 3822 123")
DISTRICTS = [
    ("UBND thành phố Quy Nhơn", "Đặng Văn Tâm"),
    ("UBND thị xã An Nhơn", "Nguyễn Thị Hồng"),
    ("UBND thị xã Hoài Nhơn", "Trần Quốc Bảo"),
    ("UBND huyện Tuy Phước", "Lê Văn Đức"),
    ("UBND huyện Phù Cát", "Võ Thị Ngọc Ánh"),
    ("UBND huyện Phù Mỹ", "Huỳnh Văn Lực"),
    ("UBND huyện Hoài Ân", "Phạm Thị Yến"),
    ("UBND huyện An Lão", "Đinh Văn Thương"),
    ("UBND huyện Vĩnh Thạnh", "Đinh Thị Hoa"),
    ("UBND huyện Tây Sơn", "Nguyễn Đình Khải"),
    ("UBND huyện Vân Canh", "Lê Thị Ửng"),
    ("Ban Quản lý Khu kinh tế tỉnh", "Trương Công Hậu"),
]


@dataclass(frozen=True)
class DemoResult:
    admin_username: str
    admin_password: str | None
    credentials_file: Path | None


def _write_credentials(settings: Settings, password: str) -> Path:
    path = settings.data_dir / CREDENTIALS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"{settings.server.base_url}/login\nusername: {ADMIN_USERNAME}\npassword: {password}\n")
    return path


def _next_year_end() -> datetime:
    today = now().astimezone(VN_TZ)
    day = datetime(today.year, 12, 28, 8, 0, tzinfo=VN_TZ)
    return day if day > today + timedelta(days=2) else day.replace(year=today.year + 1)


AGENDA = [
    ("Khai mạc, giới thiệu đại biểu", "opening", ("Lê Thị Thu Hà", "Chánh Văn phòng Sở", "Sở Nội vụ"), 10),
    ("Báo cáo tổng kết công tác nội vụ năm 2026, phương hướng nhiệm vụ năm 2027", "report",
     ("Nguyễn Văn Bình", "Phó Giám đốc Sở Nội vụ", "Sở Nội vụ"), 30),
    ("Tham luận của các đơn vị, địa phương", "contributions", None, 60),
    ("Thảo luận", "discussion", None, 30),
    ("Phát biểu chỉ đạo", "speech", ("Hồ Quốc Dũng", "Phó Chủ tịch UBND tỉnh", "Ủy ban nhân dân tỉnh Bình Định"), 30),
    ("Kết luận hội nghị", "conclusion", ("Trần Minh Hoàng", "Giám đốc Sở Nội vụ", "Sở Nội vụ"), 20),
    ("Bế mạc", "closing", None, 5),
]


async def _agenda(db: Any, admin: User, meeting_id: int, starts: datetime) -> None:
    moment = starts
    for title, kind, presenter, minutes in AGENDA:
        person = Person(full_name=presenter[0], position=presenter[1], organization=presenter[2]) if presenter else None
        await create_item(
            db, admin, meeting_id,
            AgendaItemInput(title=title, kind=kind, presenter=person, planned_start=moment, duration_minutes=minutes),  # type: ignore[arg-type]
        )
        moment += timedelta(minutes=minutes)


async def load_demo(settings: Settings) -> DemoResult:
    credentials = settings.data_dir / CREDENTIALS_FILE
    async with session_scope(settings) as db:
        has_meetings = await db.scalar(select(func.count(Meeting.id)))
        has_admin = await db.scalar(select(User.id).where(User.username == ADMIN_USERNAME))
        if has_meetings or has_admin:
            return DemoResult(ADMIN_USERNAME, None, credentials if credentials.exists() else None)
        password = generate_password()
        admin = await create_user(
            db, None, username=ADMIN_USERNAME, role="admin", password=password, full_name="Quản trị hệ thống"
        )
        await save_agency(
            db, admin, name="Sở Nội vụ", parent_name="Ủy ban nhân dân tỉnh Bình Định",
            abbreviation="SNV", place_name="Bình Định",
        )
        host = await create_directory_site(
            db, admin,
            SiteInput(name=HOST[0], role="host", address=HOST[1], contact=Contact(full_name=HOST[2], phone=HOST[3]), expected_delegates=80),
        )
        directory_ids = [host.id]
        for index, (name, contact) in enumerate(DISTRICTS):
            site = await create_directory_site(
                db, admin,
                SiteInput(
                    name=name, role="remote", contact=Contact(full_name=contact, phone=f"0905 {100 + index:03d} {200 + index:03d}"),
                    expected_delegates=5,
                ),
            )
            directory_ids.append(site.id)
        starts = _next_year_end()
        meeting = await create_meeting(
            db, admin,
            MeetingInput(
                title="Hội nghị tổng kết công tác nội vụ năm 2026 và triển khai nhiệm vụ năm 2027",
                starts_at=starts,
                ends_at=starts + timedelta(hours=3, minutes=30),
                response_deadline=starts - timedelta(days=3),
                mode="hybrid",
                venue=HOST[0],
                chair=Person(full_name="Trần Minh Hoàng", position="Giám đốc Sở Nội vụ", organization="Sở Nội vụ"),
                secretary=Person(full_name="Lê Thị Thu Hà", position="Chánh Văn phòng Sở", organization="Sở Nội vụ"),
                description="Kính đề nghị các điểm cầu kiểm tra kỹ thuật trước 60 phút.",
            ),
        )
        await add_from_directory(db, admin, SiteKeys(settings.server.secret_key), meeting.id, directory_ids)
        await _agenda(db, admin, meeting.id, starts)
        await change_status(db, admin, meeting.id, "invite")
        # A few sites have answered already, so the board is not empty.
        sites = list(await db.scalars(select(Site).where(Site.meeting_id == meeting.id).order_by(Site.sort_order)))
        answered_at = now()
        for site in sites[1:5]:
            site.response = "attending"
            site.responded_at = answered_at
            site.last_activity_at = answered_at
            site.invited_at = answered_at
            for order, (full_name, position) in enumerate(
                [("Nguyễn Văn Hùng", "Phó Chủ tịch UBND"), ("Trần Thị Lan", "Trưởng phòng Nội vụ")]
            ):
                db.add(Delegate(site_id=site.id, full_name=full_name, position=position, organization=site.name, sort_order=order))
        sites[5].response = "declined"
        sites[5].reason = "Trùng lịch tiếp công dân định kỳ; đề nghị nhận tài liệu qua hệ thống."
        sites[5].responded_at = answered_at
        await db.flush()
    path = _write_credentials(settings, password)
    return DemoResult(ADMIN_USERNAME, password, path)
