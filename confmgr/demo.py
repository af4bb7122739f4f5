"""The demo: the real conference confmgr was built for, and one still to come.

1. **24/12/2021**, Sở Nội vụ tỉnh Bình Định: `Hội nghị trực tiếp và trực tuyến triển khai
   nhiệm vụ ngành Nội vụ năm 2022`, at the hall of the provincial People's Committee,
   connected with the 11 district-level sites of Bình Định as they were named in 2021.
   Bạch Văn Mạnh (Giám đốc Sở Nội vụ) chaired, Phạm Văn Phước (Phó Giám đốc) presented
   the report, Võ Văn Cảnh (Phó Chủ tịch UBND tỉnh) gave the directive speech;
   departments and districts presented papers; the director concluded. The meeting is
   run through the same services a secretariat uses (sites, roll call, agenda, papers,
   notes, conclusions) and ends with its minutes and its notice **issued**, so a
   newcomer opens real documents at once. The three named officials and the content
   are from the agency's own report of the day; the other delegates' names are made up.
2. An upcoming year-end conference of the Sở Nội vụ tỉnh Gia Lai (Bình Định merged into
   Gia Lai on 1 July 2025) in today's two-level structure: the host hall and communes
   and wards of Gia Lai from the official list, some of which have answered.

Loaded only into an empty database, so running it twice changes nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from confmgr import events
from confmgr.accounts.models import User
from confmgr.accounts.services import create_user, generate_password
from confmgr.agency.services import save_agency
from confmgr.agenda.schemas import AgendaItemInput, ContributionInput
from confmgr.agenda.services import create_contribution, create_item, finish_item, save_notes, start_item
from confmgr.attendance.schemas import AbsentPerson, RollCallInput
from confmgr.attendance.services import roll_call
from confmgr.cli_support import session_scope
from confmgr.documents.schemas import ConclusionsInput, IssueInput, TaskInput
from confmgr.documents.services import issue_document, save_conclusions
from confmgr.meetings.models import Meeting
from confmgr.meetings.schemas import MeetingInput
from confmgr.meetings.services import create_meeting
from confmgr.meetings.status import change_status
from confmgr.schemas import Person
from confmgr.settings import Settings
from confmgr.sites import units
from confmgr.sites.unit_services import confirm_directory_unit
from confmgr.sites.models import Delegate, Site
from confmgr.sites.schemas import Contact, SiteInput
from confmgr.sites.services import add_from_directory, add_site, create_directory_site
from confmgr.sites.tokens import SiteKeys
from confmgr.timeutil import VN_TZ, now

ADMIN_USERNAME = "admin"
CREDENTIALS_FILE = "demo-login.txt"

# ---- 24/12/2021: the seed conference --------------------------------------------------

SEED_TITLE = "Hội nghị trực tiếp và trực tuyến triển khai nhiệm vụ ngành Nội vụ năm 2022"
SEED_DAY = date(2021, 12, 24)
SEED_HOST = "Hội trường UBND tỉnh Bình Định"
SEED_AGENCY = {
    "name": "Sở Nội vụ",
    "parent_name": "Ủy ban nhân dân tỉnh Bình Định",
    "abbreviation": "SNV",
    "place_name": "Bình Định",
    "drafting_unit": "VP",
}
MANH = ("Bạch Văn Mạnh", "Giám đốc Sở Nội vụ", "Sở Nội vụ")
PHUOC = ("Phạm Văn Phước", "Phó Giám đốc Sở Nội vụ", "Sở Nội vụ")
CANH = ("Võ Văn Cảnh", "Phó Chủ tịch UBND tỉnh", "Ủy ban nhân dân tỉnh Bình Định")
SECRETARY = ("Nguyễn Thị Thanh Hương", "Chánh Văn phòng Sở", "Sở Nội vụ")

# The 11 district-level units of Bình Định in 2021: (kind, name, party committee).
DISTRICTS_2021 = [
    ("thành phố", "Quy Nhơn", "Thành ủy"),
    ("thị xã", "An Nhơn", "Thị ủy"),
    ("thị xã", "Hoài Nhơn", "Thị ủy"),
    ("huyện", "Tuy Phước", "Huyện ủy"),
    ("huyện", "Phù Cát", "Huyện ủy"),
    ("huyện", "Phù Mỹ", "Huyện ủy"),
    ("huyện", "Hoài Ân", "Huyện ủy"),
    ("huyện", "An Lão", "Huyện ủy"),
    ("huyện", "Vĩnh Thạnh", "Huyện ủy"),
    ("huyện", "Tây Sơn", "Huyện ủy"),
    ("huyện", "Vân Canh", "Huyện ủy"),
]
DECLINED_2021 = ("An Lão", "Trùng lịch kỳ họp thường lệ cuối năm của HĐND huyện; đề nghị nhận tài liệu qua hệ thống.")
ABSENT_2021 = ("Tây Sơn", 2, "đi công tác tại Hà Nội")  # site, delegate index, reason

# Made-up names for everyone the report does not name: distinct at every site, men
# and women in turn, each with a middle and a given name that go together.
_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đoàn", "Trương"]
_MIDDLE = (
    ["Văn", "Minh", "Quốc", "Hữu", "Đình", "Công"],
    ["Thị", "Thị Kim", "Thị Thu", "Ngọc", "Thị Thanh", "Thị Mỹ"],
)
# 23 given names each (a prime: with 15 family and 6 middle names every index below
# 4,140 gives a different full name).
_GIVEN = (
    ["Hùng", "Tâm", "Hải", "Dũng", "Thắng", "Sơn", "Tuấn", "Khải", "Lực", "Bình", "Tài", "Quang", "Nam",
     "Toàn", "Phúc", "Đức", "Trí", "Việt", "Hiếu", "Thịnh", "Kiên", "Long", "Cường"],
    ["Lan", "Phương", "Hoa", "Nga", "Yến", "Vy", "Trang", "Hạnh", "Nhung", "Thảo", "Diệu", "Hiền", "Linh",
     "Ánh", "My", "Loan", "Mai", "Oanh", "Ngân", "Hằng", "Huệ", "Thủy", "Hương"],
)


def _name(i: int) -> str:
    """The i-th made-up name: never the same twice for i below 4,140.

    Neighbours differ in family name (a man and the woman after him are not made to
    look related: the woman's family name is shifted by 7) and, from one to the
    next, in middle name, so the people of one site do not read as a family."""
    woman, j = i % 2, i // 2
    rest, family_index = divmod(j, len(_FAMILY))
    family = _FAMILY[(family_index + 7 * woman) % len(_FAMILY)]
    # (family, middle) stands for j modulo 90 and the given name for j modulo 23.
    middle = _MIDDLE[woman][(rest + family_index) % len(_MIDDLE[woman])]
    given = _GIVEN[woman][(j * 7) % len(_GIVEN[woman])]
    return f"{family} {middle} {given}"


def _district_delegates(index: int, kind: str, name: str, party: str) -> list[Person]:
    ubnd = f"UBND {kind} {name}"
    base = 10 + index * 3
    return [
        Person(full_name=_name(base), position=f"Phó Chủ tịch UBND {kind}", organization=ubnd),
        Person(full_name=_name(base + 1), position="Trưởng phòng Nội vụ", organization=ubnd),
        Person(full_name=_name(base + 2), position=f"Trưởng Ban Tổ chức {party}", organization=f"{party} {name}"),
    ]


HOST_DELEGATES_2021 = [
    Person(full_name=CANH[0], position=CANH[1], organization=CANH[2]),
    Person(full_name=MANH[0], position=MANH[1], organization=MANH[2]),
    Person(full_name=PHUOC[0], position=PHUOC[1], organization=PHUOC[2]),
    Person(full_name=_name(1), position="Phó Trưởng Ban Tổ chức Tỉnh ủy", organization="Tỉnh ủy Bình Định"),
    Person(full_name=_name(2), position="Phó Giám đốc Sở Tư pháp", organization="Sở Tư pháp"),
    Person(full_name=_name(3), position="Phó Giám đốc Sở Giáo dục và Đào tạo", organization="Sở Giáo dục và Đào tạo"),
    Person(full_name=_name(4), position="Trưởng phòng Tổ chức cán bộ", organization="Sở Y tế"),
    Person(full_name=SECRETARY[0], position=SECRETARY[1], organization=SECRETARY[2]),
]

REPORT_NOTES = (
    "Năm 2021, ngành Nội vụ thực hiện phương châm “Kỷ cương, gương mẫu, đoàn kết, tinh thông, sáng tạo, "
    "hiệu quả”, hoàn thành các nhiệm vụ được giao: hoàn thiện thể chế; sắp xếp tổ chức bộ máy, tinh giản "
    "biên chế; phục vụ thành công cuộc bầu cử đại biểu Quốc hội và đại biểu HĐND các cấp nhiệm kỳ 2021 - 2026; "
    "tổ chức thi nâng ngạch công chức.\n"
    "Hạn chế: việc soạn thảo một số văn bản còn chậm; công tác văn thư, lưu trữ ở một số đơn vị chưa được "
    "quan tâm đúng mức; tuyên truyền pháp luật về tín ngưỡng, tôn giáo chưa đồng đều."
)
SPEECH_NOTES = (
    "Đồng chí Phó Chủ tịch UBND tỉnh ghi nhận kết quả ngành Nội vụ đạt được năm 2021, đề nghị năm 2022 "
    "tiếp tục sắp xếp tổ chức bộ máy tinh gọn, nâng cao chất lượng đội ngũ cán bộ, công chức, viên chức, "
    "đẩy mạnh cải cách hành chính và chuyển đổi số trong công tác văn thư, lưu trữ."
)
CONCLUSIONS_2021 = [
    "Năm 2021, ngành Nội vụ tỉnh đã hoàn thành tốt các nhiệm vụ được giao, nổi bật là sắp xếp tổ chức bộ máy, "
    "tinh giản biên chế và phục vụ thành công cuộc bầu cử đại biểu Quốc hội và đại biểu HĐND các cấp.",
    "Năm 2022, đề nghị các cơ quan, đơn vị, địa phương quán triệt phương châm “Kỷ cương, gương mẫu, đoàn kết, "
    "tinh thông, sáng tạo, hiệu quả”, tập trung thực hiện các nhiệm vụ trọng tâm của ngành Nội vụ; khắc phục "
    "các hạn chế trong soạn thảo văn bản, công tác văn thư, lưu trữ và tuyên truyền pháp luật về tín ngưỡng, tôn giáo.",
    "Đề nghị Văn phòng, Phòng Tổ chức cán bộ các Sở, ban, ngành và Phòng Nội vụ các huyện, thị xã, thành phố "
    "cụ thể hóa các nhiệm vụ trọng tâm năm 2022 thành chương trình, kế hoạch công tác với các giải pháp cụ thể, "
    "phù hợp với cơ quan, đơn vị, địa phương.",
]
TASKS_2021 = [
    ("Văn phòng, Phòng Tổ chức cán bộ các Sở, ban, ngành",
     "cụ thể hóa nhiệm vụ trọng tâm năm 2022 của ngành Nội vụ thành chương trình, kế hoạch công tác của cơ quan, đơn vị"),
    ("Phòng Nội vụ các huyện, thị xã, thành phố",
     "tham mưu UBND cấp huyện xây dựng kế hoạch thực hiện nhiệm vụ công tác nội vụ năm 2022 với các giải pháp cụ thể"),
]


def _vn(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VN_TZ)


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


def _p(value: tuple[str, str, str]) -> Person:
    return Person(full_name=value[0], position=value[1], organization=value[2])


async def _seed_meeting(db: Any, admin: User, settings: Settings) -> Meeting:
    """The 24/12/2021 conference, run and documented as the secretariat would."""
    keys = SiteKeys(settings.server.secret_key)
    starts = _vn(SEED_DAY, 8)
    meeting = await create_meeting(
        db, admin,
        MeetingInput(
            title=SEED_TITLE,
            starts_at=starts,
            ends_at=_vn(SEED_DAY, 11, 30),
            response_deadline=_vn(date(2021, 12, 22), 17),
            mode="hybrid",
            venue=SEED_HOST,
            chair=_p(MANH),
            secretary=_p(SECRETARY),
            description="Hội nghị trực tiếp tại Hội trường UBND tỉnh, trực tuyến tại điểm cầu UBND các huyện, "
            "thị xã, thành phố. Các điểm cầu kiểm tra kỹ thuật trước 60 phút.",
        ),
    )
    host, _token = await add_site(
        db, admin, keys, meeting.id,
        SiteInput(name=SEED_HOST, role="host", address="Số 01 Trần Phú, thành phố Quy Nhơn, tỉnh Bình Định",
                  contact=Contact(full_name=SECRETARY[0], phone="0256 3822 123"), expected_delegates=80),
    )
    remotes: dict[str, Site] = {}
    for index, (kind, name, _party) in enumerate(DISTRICTS_2021):
        site, _token = await add_site(
            db, admin, keys, meeting.id,
            SiteInput(name=f"UBND {kind} {name}", role="remote",
                      contact=Contact(full_name=_name(200 + index), phone=f"0256 38{index:02d} {300 + index:03d}"),
                      expected_delegates=5),
        )
        remotes[name] = site

    items: dict[str, int] = {}
    plan = [
        ("opening", "Khai mạc hội nghị", MANH, 10),
        ("report", "Báo cáo tổng kết công tác nội vụ năm 2021, nhiệm vụ trọng tâm năm 2022", PHUOC, 30),
        ("contributions", "Tham luận của các sở, ngành, địa phương", None, 60),
        ("speech", "Phát biểu chỉ đạo của lãnh đạo UBND tỉnh", CANH, 30),
        ("conclusion", "Kết luận hội nghị", MANH, 15),
        ("closing", "Bế mạc", None, 5),
    ]
    moment = starts
    for kind, title, presenter, minutes in plan:
        item = await create_item(
            db, admin, meeting.id,
            AgendaItemInput(title=title, kind=kind, presenter=_p(presenter) if presenter else None,  # type: ignore[arg-type]
                            planned_start=moment, duration_minutes=minutes),
        )
        items[kind] = item.id
        moment += timedelta(minutes=minutes)

    await change_status(db, admin, meeting.id, "invite", at=_vn(date(2021, 12, 20), 9))
    answered = _vn(date(2021, 12, 22), 10)
    declined_name, declined_reason = DECLINED_2021
    for site in remotes.values():
        site.invited_at = _vn(date(2021, 12, 20), 9)
        site.responded_at = answered
        site.last_activity_at = answered
        site.response = "attending"
    remotes[declined_name].response = "declined"
    remotes[declined_name].reason = declined_reason
    host.response = "attending"
    await db.flush()
    for site in (host, *remotes.values()):
        # The roll call reads each site's delegates; load them here, in async.
        await db.refresh(site, attribute_names=["delegates"])

    # Roll call at 07:45, before the start: who is connected, who is present, who is not.
    await roll_call(db, admin, meeting.id, host.id, RollCallInput(connected=True, present=list(HOST_DELEGATES_2021)))  # type: ignore[arg-type]
    absent_site, absent_index, absent_reason = ABSENT_2021
    for index, (kind, name, party) in enumerate(DISTRICTS_2021):
        if name == declined_name:
            continue
        people = _district_delegates(index, kind, name, party)
        absent = [AbsentPerson(person=people.pop(absent_index), reason=absent_reason)] if name == absent_site else []
        await roll_call(db, admin, meeting.id, remotes[name].id, RollCallInput(connected=True, present=people, absent=absent))  # type: ignore[arg-type]

    await change_status(db, admin, meeting.id, "start", at=starts)
    times = {"opening": (8, 0), "report": (8, 10), "contributions": (8, 40), "speech": (9, 45), "conclusion": (10, 15), "closing": (10, 30)}
    for kind in ("opening", "report", "contributions", "speech", "conclusion", "closing"):
        await start_item(db, admin, meeting.id, items[kind], at=_vn(SEED_DAY, *times[kind]))
        if kind == "report":
            await save_notes(db, admin, meeting.id, items[kind], REPORT_NOTES, 0)
        elif kind == "speech":
            await save_notes(db, admin, meeting.id, items[kind], SPEECH_NOTES, 0)
        elif kind == "contributions":
            for speaker, site, title, summary in _papers_2021(remotes, host):
                await create_contribution(
                    db, admin, settings, meeting.id,
                    ContributionInput(speaker=speaker, title=title, summary=summary, agenda_item_id=items[kind], site_id=site.id),
                )
    await finish_item(db, admin, meeting.id, items["closing"], at=_vn(SEED_DAY, 10, 35))
    await change_status(db, admin, meeting.id, "end", at=_vn(SEED_DAY, 10, 35))

    await save_conclusions(
        db, admin, meeting.id,
        ConclusionsInput(
            title_of_chair="Giám đốc Sở Nội vụ",
            conclusions=list(CONCLUSIONS_2021),
            tasks=[TaskInput(assignee=a, description=d) for a, d in TASKS_2021],
        ),
    )
    # Signed the afternoon of the meeting, and the notice the next working morning.
    await issue_document(db, admin, settings, meeting.id, "minutes", IssueInput(issued_on=SEED_DAY, issued_time=time(16, 30)))
    await issue_document(
        db, admin, settings, meeting.id, "conclusions", IssueInput(issued_on=date(2021, 12, 27), issued_time=time(9, 30))
    )
    return meeting


def _papers_2021(remotes: dict[str, Site], host: Site) -> list[tuple[Person, Site, str, str]]:
    return [
        (HOST_DELEGATES_2021[3], host, "Công tác tổ chức, cán bộ năm 2021 và định hướng năm 2022",
         "Phối hợp chặt chẽ giữa Ban Tổ chức Tỉnh ủy và Sở Nội vụ trong sắp xếp tổ chức bộ máy, quy hoạch "
         "và đánh giá cán bộ; đề nghị sớm hoàn thành đề án vị trí việc làm."),
        (HOST_DELEGATES_2021[5], host, "Tuyển dụng, sử dụng viên chức ngành giáo dục",
         "Kết quả tuyển dụng giáo viên năm 2021; kiến nghị bổ sung chỉ tiêu biên chế giáo viên mầm non, tiểu học."),
        (_district_delegates(1, "thị xã", "An Nhơn", "Thị ủy")[0], remotes["An Nhơn"],
         "Sắp xếp các đơn vị sự nghiệp công lập cấp huyện",
         "Thị xã đã giảm đầu mối đơn vị sự nghiệp, tinh giản biên chế đúng lộ trình; kiến nghị hướng dẫn "
         "bố trí viên chức dôi dư sau sắp xếp."),
        (_district_delegates(9, "huyện", "Tây Sơn", "Huyện ủy")[1], remotes["Tây Sơn"],
         "Cải cách hành chính và công tác văn thư, lưu trữ ở cấp huyện",
         "Huyện đã số hóa hồ sơ lưu trữ giai đoạn 2016 - 2021; kiến nghị tập huấn nghiệp vụ văn thư cho công "
         "chức cấp xã."),
    ]


# ---- an upcoming meeting in today's two-level structure ------------------------------

UPCOMING_AGENCY = {
    "name": "Sở Nội vụ",
    "parent_name": "Ủy ban nhân dân tỉnh Gia Lai",
    "abbreviation": "SNV",
    "place_name": "Gia Lai",
    "drafting_unit": "VP",
}
UPCOMING_HOST = "Hội trường UBND tỉnh Gia Lai"
# Communes and wards of Gia Lai (official list), by their name without the division word.
UPCOMING_UNITS = [
    "Quy Nhơn", "Quy Nhơn Nam", "Pleiku", "An Nhơn", "Hoài Nhơn", "An Khê", "Ayun Pa", "Diên Hồng",
    "Tây Sơn", "Tuy Phước", "Phù Cát", "Phù Mỹ",
]


def _commune_site(unit: units.Unit) -> str:
    """``Điểm cầu UBND phường An Khê``: every site is in the meeting's province, so
    none needs the province the national list adds where a name repeats elsewhere."""
    return f"Điểm cầu UBND {unit.kind_word} {unit.base}"


# Who a commune or ward sends besides its chair: the offices of the two-level
# structure (Văn phòng HĐND và UBND, the Kinh tế and Văn hóa - Xã hội offices).
_COMMUNE_OFFICES = (
    "Chánh Văn phòng HĐND và UBND",
    "Trưởng phòng Văn hóa - Xã hội",
    "Trưởng phòng Kinh tế",
    "Phó Chánh Văn phòng HĐND và UBND",
    "Phó Trưởng phòng Văn hóa - Xã hội",
)


def _next_year_end() -> datetime:
    today = now().astimezone(VN_TZ)
    day = datetime(today.year, 12, 28, 8, 0, tzinfo=VN_TZ)
    return day if day > today + timedelta(days=2) else day.replace(year=today.year + 1)


async def _upcoming_meeting(db: Any, admin: User, settings: Settings) -> Meeting:
    province = units.find_province("Gia Lai")
    assert province is not None
    by_base = {u.base: u for u in units.select_units(province.code)}
    chosen = [by_base[name] for name in UPCOMING_UNITS if name in by_base]
    host = await create_directory_site(
        db, admin,
        SiteInput(name=UPCOMING_HOST, role="host", address="Số 02 Trần Hưng Đạo, phường Pleiku, tỉnh Gia Lai",
                  contact=Contact(full_name=_name(401), phone="0269 3824 123"), expected_delegates=80),
    )
    directory_ids = [host.id]
    for index, unit in enumerate(chosen):
        site = await create_directory_site(
            db, admin,
            SiteInput(name=_commune_site(unit), role="remote",
                      contact=Contact(full_name=_name(420 + index), phone=f"0905 {100 + index:03d} {200 + index:03d}"),
                      expected_delegates=4),
        )
        # The entry is this official unit: its code and province (board and minutes by province).
        await confirm_directory_unit(db, admin, site.id, unit.code)
        directory_ids.append(site.id)
    starts = _next_year_end()
    year = starts.year
    chair = Person(full_name=_name(501), position="Giám đốc Sở Nội vụ", organization="Sở Nội vụ")
    meeting = await create_meeting(
        db, admin,
        MeetingInput(
            title=f"Hội nghị tổng kết công tác nội vụ năm {year}, triển khai nhiệm vụ năm {year + 1}",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3, minutes=30),
            response_deadline=starts - timedelta(days=3),
            mode="hybrid",
            venue=UPCOMING_HOST,
            chair=chair,
            secretary=Person(full_name=_name(502), position="Chánh Văn phòng Sở", organization="Sở Nội vụ"),
            description="Kính đề nghị các điểm cầu kiểm tra kỹ thuật trước 60 phút.",
        ),
    )
    await add_from_directory(db, admin, SiteKeys(settings.server.secret_key), meeting.id, directory_ids)
    moment = starts
    deputy = Person(full_name=_name(503), position="Phó Giám đốc Sở Nội vụ", organization="Sở Nội vụ")
    leader = Person(full_name=_name(504), position="Phó Chủ tịch UBND tỉnh", organization="Ủy ban nhân dân tỉnh Gia Lai")
    for title, kind, presenter, minutes in [
        ("Khai mạc hội nghị", "opening", chair, 10),
        (f"Báo cáo tổng kết công tác nội vụ năm {year}, phương hướng nhiệm vụ năm {year + 1}", "report", deputy, 30),
        ("Tham luận của các xã, phường", "contributions", None, 60),
        ("Thảo luận", "discussion", None, 30),
        ("Phát biểu chỉ đạo", "speech", leader, 30),
        ("Kết luận hội nghị", "conclusion", chair, 20),
        ("Bế mạc", "closing", None, 5),
    ]:
        await create_item(
            db, admin, meeting.id,
            AgendaItemInput(title=title, kind=kind, presenter=presenter, planned_start=moment, duration_minutes=minutes),  # type: ignore[arg-type]
        )
        moment += timedelta(minutes=minutes)
    await change_status(db, admin, meeting.id, "invite")
    # A few sites have answered already, so the board is not empty.
    sites = list(await db.scalars(select(Site).where(Site.meeting_id == meeting.id).order_by(Site.sort_order)))
    answered_at = now()
    by_name = {_commune_site(u): u for u in chosen}
    for number, site in enumerate(sites[1:6]):
        unit = by_name.get(site.name)
        office = f"UBND {unit.kind_word} {unit.base}" if unit else site.name
        site.response = "attending"
        site.responded_at = answered_at
        site.last_activity_at = answered_at
        site.invited_at = answered_at
        second = _COMMUNE_OFFICES[number % len(_COMMUNE_OFFICES)]
        if unit is not None and unit.kind == "phuong":  # a ward's economic office also has infrastructure
            second = second.replace("phòng Kinh tế", "phòng Kinh tế, Hạ tầng và Đô thị")
        people = [
            (_name(600 + number * 2), f"Chủ tịch UBND {unit.kind_word if unit else 'xã'}"),
            (_name(601 + number * 2), second),
        ]
        for order, (full_name, position) in enumerate(people):
            db.add(Delegate(site_id=site.id, full_name=full_name, position=position, organization=office, sort_order=order))
    sites[6].response = "declined"
    sites[6].reason = "Trùng lịch tiếp công dân định kỳ; đề nghị nhận tài liệu qua hệ thống."
    sites[6].responded_at = answered_at
    await db.flush()
    return meeting


async def load_demo(settings: Settings) -> DemoResult:
    credentials = settings.data_dir / CREDENTIALS_FILE
    # The demo is loaded into an empty database, in one transaction: no site has its
    # link yet, so nobody can be waiting to hear that a meeting's status changed.
    async with session_scope(settings, delivery=events.drop) as db:
        has_meetings = await db.scalar(select(func.count(Meeting.id)))
        has_admin = await db.scalar(select(User.id).where(User.username == ADMIN_USERNAME))
        if has_meetings or has_admin:
            return DemoResult(ADMIN_USERNAME, None, credentials if credentials.exists() else None)
        password = generate_password()
        admin = await create_user(
            db, None, username=ADMIN_USERNAME, role="admin", password=password, full_name="Quản trị hệ thống"
        )
        # The agency as it was in 2021; its documents are issued under that name.
        await save_agency(db, admin, **SEED_AGENCY)
        await _seed_meeting(db, admin, settings)
        # Since 1 July 2025 Bình Định is part of Gia Lai: the agency as it is today.
        await save_agency(db, admin, **UPCOMING_AGENCY)
        await _upcoming_meeting(db, admin, settings)
        await db.flush()
    path = _write_credentials(settings, password)
    return DemoResult(ADMIN_USERNAME, password, path)
