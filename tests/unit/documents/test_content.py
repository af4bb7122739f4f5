from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from confmgr.documents.content import (
    INLINE_SITE_LIMIT,
    AgencyHeader,
    ConclusionsContent,
    Contribution,
    MinutesContent,
    Person,
    Signer,
    SiteAttendance,
    Task,
    Venue,
    clean,
    conclusions_body,
    header_caps,
    issue_date_line,
    minutes_body,
    recipient_lines,
)

MakeMinutes = Callable[..., MinutesContent]
MakeConclusions = Callable[..., ConclusionsContent]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ủy ban nhân dân tỉnh Bình Định", "UBND TỈNH BÌNH ĐỊNH"),
        ("Uỷ ban nhân dân huyện Tuy Phước", "UBND HUYỆN TUY PHƯỚC"),
        ("ủy ban nhân dân thành phố Hà Nội", "UBND THÀNH PHỐ HÀ NỘI"),
        ("Bộ Nội vụ", "BỘ NỘI VỤ"),
        ("Văn phòng Ủy ban nhân dân tỉnh", "VĂN PHÒNG ỦY BAN NHÂN DÂN TỈNH"),
    ],
)
def test_header_caps_abbreviates_only_a_leading_people_s_committee(name: str, expected: str) -> None:
    assert header_caps(name) == expected


def test_agency_header_prints_the_issuing_agency_in_full() -> None:
    header = AgencyHeader(None, "Ủy ban nhân dân tỉnh Bình Định", "UBND", "Bình Định")
    assert header.parent_caps is None
    assert header.name_caps == "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH"


def test_person_office_reads_as_a_title() -> None:
    assert Person("An", "Giám đốc", "Sở Nội vụ").describe() == "An, Giám đốc Sở Nội vụ"
    assert Person("An", "Giám đốc Sở Nội vụ", "Sở Nội vụ").office == "Giám đốc Sở Nội vụ"
    assert Person("An", "Chuyên viên").describe() == "An, Chuyên viên"


def test_venue_names_few_sites_and_counts_many() -> None:
    few = Venue("Hội trường", ("Xã A", "Xã B"))
    assert few.describe() == "Hội trường, kết nối trực tuyến với các điểm cầu: Xã A; Xã B"
    assert Venue("Hội trường").describe() == "Hội trường"
    many = Venue("Hội trường", tuple(f"Xã {i}" for i in range(3321)))
    assert many.describe() == "Hội trường, kết nối trực tuyến với 3.321 điểm cầu"
    edge = Venue("H", tuple(str(i) for i in range(INLINE_SITE_LIMIT)))
    assert not edge.lists_sites_by_count and "các điểm cầu" in edge.describe()


def test_issued_document_needs_a_number(make_minutes: MakeMinutes) -> None:
    with pytest.raises(ValueError, match="needs a number"):
        make_minutes(number=None, draft=False)
    assert make_minutes(number=None, draft=True).number_text.endswith("/BB-SNV")
    assert make_minutes(number=7).number_text == "07/BB-SNV"


def test_clean_normalises_and_drops_invisible_characters() -> None:
    assert clean(" Cu\u0309a\u200b\x07 ") == "Của"
    assert clean("a\r\nb\rc") == "a\nb\nc"
    assert clean(None) == ""


def test_recipients_end_with_semicolons_and_the_archive_line() -> None:
    assert recipient_lines(("UBND tỉnh;", " Sở Tài chính. ", ""), "VP") == [
        "- UBND tỉnh;",
        "- Sở Tài chính;",
        "- Lưu: VT, VP.",
    ]
    assert recipient_lines((), None) == ["- Lưu: VT."]


def test_draft_date_line_has_blanks_and_the_year() -> None:
    header = AgencyHeader(None, "Sở Nội vụ", "SNV", "Bình Định")
    assert issue_date_line(header, date(2026, 1, 5), 2026) == "Bình Định, ngày 05 tháng 01 năm 2026"
    blank = issue_date_line(header, None, 2027)
    assert blank.startswith("Bình Định, ngày\u00a0") and blank.endswith("năm 2027")


def test_minutes_body_order_and_closing(make_minutes: MakeMinutes) -> None:
    texts = [p.text for p in minutes_body(make_minutes())]
    labels = [
        "Thời gian bắt đầu:",
        "Địa điểm:",
        "Thành phần tham dự:",
        "Chủ trì (chủ tọa):",
        "Thư ký (người ghi biên bản):",
        "Nội dung (theo diễn biến cuộc họp):",
    ]
    positions = [next(i for i, t in enumerate(texts) if t.startswith(label)) for label in labels]
    assert positions == sorted(positions)
    assert texts[-1] == "Hội nghị kết thúc vào 11 giờ 30 phút, ngày 05 tháng 01 năm 2026./."
    site_lines = [t for t in texts if t.startswith("- ")]
    assert all(t.endswith(";") for t in site_lines[:-1]) and site_lines[-1].endswith(".")


def test_minutes_time_uses_the_vietnamese_date_after_midnight(make_minutes: MakeMinutes) -> None:
    late = dataclasses.replace(
        make_minutes(),
        started_at=datetime(2026, 1, 5, 17, 30, tzinfo=UTC),
        ended_at=datetime(2026, 1, 5, 18, 15, tzinfo=UTC),
    )
    texts = [p.text for p in minutes_body(late)]
    assert texts[0] == "Thời gian bắt đầu: 00 giờ 30 phút, ngày 06 tháng 01 năm 2026."
    assert texts[-1].startswith("Hội nghị kết thúc vào 01 giờ 15 phút, ngày 06 tháng 01")


def test_site_without_delegates_shows_its_note(make_minutes: MakeMinutes) -> None:
    content = dataclasses.replace(make_minutes(), attendance=(SiteAttendance("Xã A", (), "vắng, mất kết nối"),))
    assert "- Xã A: vắng, mất kết nối." in [p.text for p in minutes_body(content)]


def test_speaker_names_are_bold(make_minutes: MakeMinutes) -> None:
    body = minutes_body(make_minutes())
    chair = next(p for p in body if p.text.startswith("Chủ trì"))
    assert [r.text for r in chair.runs if r.bold] == ["Nguyễn Văn Bình"]
    headings = [p.text for p in body if p.heading]
    assert headings[0] == "I. BÁO CÁO TỔNG KẾT CÔNG TÁC NĂM 2025"
    assert headings[-1] == "IV. KẾT LUẬN CỦA CHỦ TỌA"


def test_multiline_summary_becomes_paragraphs(make_minutes: MakeMinutes) -> None:
    body = [p.text for p in minutes_body(make_minutes(summary="Dòng một.\n\nDòng hai."))]
    first = next(i for i, t in enumerate(body) if t.endswith(": Dòng một."))
    assert body[first + 1] == "Dòng hai."


def test_conclusions_wording(make_conclusions: MakeConclusions) -> None:
    content = make_conclusions()
    texts = [p.text for p in conclusions_body(content)]
    assert content.subject == "Kết luận của Giám đốc Sở Nội vụ tại Hội nghị tổng kết công tác nội vụ năm 2025"
    assert texts[1].endswith("Giám đốc Sở Nội vụ kết luận như sau:")
    assert texts[2].startswith("1. ") and texts[3].startswith("2. ")
    assert texts[4] == "3. Tổ chức thực hiện:"
    assert texts[5] == (
        "a) Giao Phòng Tổ chức, biên chế chủ trì, phối hợp với các cơ quan, đơn vị liên quan "
        "tham mưu kế hoạch tinh giản biên chế năm 2026, hoàn thành trước ngày 15 tháng 02 năm 2026."
    )
    assert texts[6] == (
        "b) Giao Văn phòng Sở chủ trì, phối hợp với Phòng Công chức, viên chức tổng hợp ý kiến của các điểm cầu."
    )
    assert texts[-1] == "Sở Nội vụ thông báo để các cơ quan, đơn vị biết, thực hiện./."


def test_many_tasks_follow_the_vietnamese_alphabet(make_conclusions: MakeConclusions) -> None:
    tasks = tuple(Task(f"Đơn vị {i}", "làm việc") for i in range(7))
    texts = [p.text for p in conclusions_body(dataclasses.replace(make_conclusions(), tasks=tasks))]
    letters = [t.split(")")[0] for t in texts if t.startswith(tuple("abcdđeg")) and ") Giao" in t]
    assert letters == ["a", "b", "c", "d", "đ", "e", "g"]


def test_signer_heading_lines() -> None:
    assert Signer("Phó Giám đốc", "An", "KT. Giám đốc").heading_lines == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    assert Signer("Giám đốc", "An").heading_lines == ("GIÁM ĐỐC",)


def test_content_is_frozen(make_minutes: MakeMinutes) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_minutes().title = "x"  # type: ignore[misc]


def test_contribution_names_the_site_unless_the_title_already_does(make_minutes: MakeMinutes) -> None:
    speakers = (
        Contribution(Person("A", "Chủ tịch", "UBND xã Cát Tiến"), "Ý kiến.", site_name="UBND xã Cát Tiến"),
        Contribution(Person("B", "Chuyên gia"), "Ý kiến.", site_name="UBND xã Cát Tiến"),
    )
    content = make_minutes()
    agenda = (dataclasses.replace(content.agenda[1], contributions=speakers),)
    texts = [p.text for p in minutes_body(dataclasses.replace(content, agenda=agenda))]
    assert "1. A, Chủ tịch UBND xã Cát Tiến: Ý kiến." in texts
    assert "2. B, Chuyên gia (UBND xã Cát Tiến): Ý kiến." in texts


# --- Minutes structure (issue 11) ----------------------------------------------------

from confmgr.documents.content import AbsentSite, AgendaEntry  # noqa: E402


def _seed_agenda() -> tuple[AgendaEntry, ...]:
    return (
        AgendaEntry("Khai mạc", presenter=Person("Lê Văn Hòa", "Chánh Văn phòng Sở", "Sở Nội vụ"), kind="opening"),
        AgendaEntry("Báo cáo tổng kết", presenter=Person("Phạm Văn Phước", "Phó Giám đốc", "Sở Nội vụ"), kind="report"),
        AgendaEntry("Tham luận", kind="contributions"),  # nothing recorded under it
        AgendaEntry(
            "Phát biểu chỉ đạo", presenter=Person("Võ Văn Cảnh", "Phó Chủ tịch UBND tỉnh", "Ủy ban nhân dân tỉnh Bình Định"),
            kind="speech",
        ),
        AgendaEntry("Kết luận hội nghị", presenter=Person("Bạch Văn Mạnh", "Giám đốc", "Sở Nội vụ"), kind="conclusion"),
        AgendaEntry("Bế mạc", kind="closing"),
    )


def test_conclusions_sit_in_the_conclusion_item_before_the_closing(make_minutes: MakeMinutes) -> None:
    content = dataclasses.replace(make_minutes(), agenda=_seed_agenda())
    texts = [p.text for p in minutes_body(content)]
    headings = [p.text for p in minutes_body(content) if p.heading]
    # No heading without text under it: the empty "Tham luận" and "Bế mạc" are left out.
    assert headings == ["I. KHAI MẠC", "II. BÁO CÁO TỔNG KẾT", "III. PHÁT BIỂU CHỈ ĐẠO", "IV. KẾT LUẬN HỘI NGHỊ"]
    conclusion = texts.index("IV. KẾT LUẬN HỘI NGHỊ")
    assert texts[conclusion + 1] == "Kết luận: Bạch Văn Mạnh, Giám đốc Sở Nội vụ."
    assert texts[conclusion + 2].startswith("1. Hoàn thành việc sắp xếp")
    assert texts[conclusion + 3].startswith("2. Đẩy mạnh")
    assert texts[-1].startswith("Hội nghị kết thúc vào")
    assert not any("KẾT LUẬN CỦA CHỦ TỌA" in t for t in texts)


def test_a_closing_with_a_speaker_follows_the_conclusions(make_minutes: MakeMinutes) -> None:
    agenda = (*_seed_agenda()[:4], AgendaEntry("Bế mạc", presenter=Person("A", "Giám đốc", "Sở Nội vụ"), kind="closing"))
    texts = [p.text for p in minutes_body(dataclasses.replace(make_minutes(), agenda=agenda))]
    # No conclusion item: the chair's conclusions get their own section before the closing.
    assert texts.index("IV. KẾT LUẬN CỦA CHỦ TỌA") < texts.index("V. BẾ MẠC")
    assert "Phát biểu bế mạc: A, Giám đốc Sở Nội vụ." in texts


def test_presenter_verbs_follow_the_kind_of_item(make_minutes: MakeMinutes) -> None:
    texts = [p.text for p in minutes_body(dataclasses.replace(make_minutes(), agenda=_seed_agenda()))]
    assert "Phát biểu khai mạc: Lê Văn Hòa, Chánh Văn phòng Sở Nội vụ." in texts
    assert "Trình bày: Phạm Văn Phước, Phó Giám đốc Sở Nội vụ." in texts
    assert "Phát biểu chỉ đạo: Võ Văn Cảnh, Phó Chủ tịch UBND tỉnh Bình Định." in texts
    assert not any(t.startswith("Trình bày: Võ Văn Cảnh") or t.startswith("Trình bày: Bạch") for t in texts)


def test_attendance_lists_who_came_then_who_did_not_with_reasons(make_minutes: MakeMinutes) -> None:
    base = make_minutes()
    lan = Person("Trần Thị Lan", "Trưởng phòng Nội vụ", "UBND huyện Tây Sơn")
    attendance = (
        SiteAttendance("UBND huyện Tây Sơn", (Person("Nguyễn Văn Hùng", "Phó Chủ tịch UBND huyện", "UBND huyện Tây Sơn"),),
                       absent=((lan, "đi công tác"),)),
    )
    content = dataclasses.replace(
        base,
        attendance=attendance,
        absent_sites=(
            AbsentSite("UBND huyện An Lão", "declined", "Trùng lịch tiếp công dân định kỳ."),
            AbsentSite("UBND huyện Vân Canh", "not_connected"),
        ),
    )
    texts = [p.text for p in minutes_body(content)]
    start = texts.index("Thành phần tham dự:")
    assert texts[start + 1] == "- UBND huyện Tây Sơn: Nguyễn Văn Hùng, Phó Chủ tịch UBND huyện Tây Sơn."
    assert texts[start + 2] == "Vắng mặt:"
    assert texts[start + 3] == "- UBND huyện An Lão: không tham dự, lý do: Trùng lịch tiếp công dân định kỳ;"
    assert texts[start + 4] == "- UBND huyện Vân Canh: không kết nối;"
    assert texts[start + 5] == (
        "- UBND huyện Tây Sơn: vắng Trần Thị Lan, Trưởng phòng Nội vụ UBND huyện Tây Sơn, lý do: đi công tác."
    )
    for text in texts:
        depth = 0
        for ch in text:
            depth += ch == "("
            assert depth <= 1, text  # never a bracket inside a bracket
            depth -= ch == ")"


def test_no_absence_heading_when_everyone_came(make_minutes: MakeMinutes) -> None:
    assert "Vắng mặt:" not in [p.text for p in minutes_body(make_minutes())]


def test_filing_line_names_the_drafting_unit_the_file_and_the_copies() -> None:
    header = AgencyHeader("Ủy ban nhân dân tỉnh Bình Định", "Sở Nội vụ", "SNV", "Bình Định", drafting_unit="VP", archive_copies=2)
    assert recipient_lines((), header.filing()) == ["- Lưu: VT, VP, 02b."]
    assert recipient_lines((), header.filing(file=True)) == ["- Lưu: VT, VP, hồ sơ, 02b."]
    bare = AgencyHeader(None, "Sở Nội vụ", "SNV", "Bình Định")
    assert recipient_lines((), bare.filing()) == ["- Lưu: VT."]
    assert recipient_lines((), bare.filing(file=True)) == ["- Lưu: VT, hồ sơ."]


def test_default_signer_and_notice_recipients_follow_the_decree() -> None:
    from confmgr.documents.record import signer_default

    assert signer_default({"full_name": "Bạch Văn Mạnh", "position": "Giám đốc Sở Nội vụ"}, "Sở Nội vụ") == {
        "prefix": "", "on_behalf_of": "", "title": "Giám đốc", "full_name": "Bạch Văn Mạnh",
    }
    deputy = signer_default({"full_name": "Phạm Văn Phước", "position": "Phó Giám đốc Sở Nội vụ"}, "Sở Nội vụ")
    assert deputy == {"prefix": "KT.", "on_behalf_of": "Giám đốc", "title": "Phó Giám đốc", "full_name": "Phạm Văn Phước"}


def test_minutes_and_notice_have_their_own_default_recipients() -> None:
    from datetime import UTC, datetime

    from confmgr.documents.record import (
        DEFAULT_MINUTES_RECIPIENTS,
        ConclusionsRecord,
        MeetingRecord,
        minutes_content,
        notice_recipients,
    )

    when = datetime(2021, 12, 24, 1, 0, tzinfo=UTC)
    header = AgencyHeader("Ủy ban nhân dân tỉnh Bình Định", "Sở Nội vụ", "SNV", "Bình Định", drafting_unit="VP")
    record = MeetingRecord(
        meeting_id=1, title="Hội nghị", venue="Hội trường", starts_at=when, ends_at=when, actual_started_at=None,
        actual_ended_at=None, chair={"full_name": "Bạch Văn Mạnh", "position": "Giám đốc Sở Nội vụ"},
        secretary={"full_name": "Nguyễn Thị Thanh Hương", "position": "Chánh Văn phòng Sở"}, agency=header, sites=(),
        items=(), speeches=(),
        conclusions=ConclusionsRecord(tasks=({"assignee": "Phòng Nội vụ các huyện"}, {"assignee": "Văn phòng Sở"})),
        edits={}, edits_version=0,
    )
    # The minutes go to the chair and the sites and are filed; they report to nobody.
    minutes = minutes_content(record).recipients
    assert minutes == DEFAULT_MINUTES_RECIPIENTS == ("Chủ tọa hội nghị", "Các điểm cầu tham dự hội nghị")
    assert not any("để báo cáo" in r for r in minutes)
    # The notice reports to the parent agency and goes to those given a task.
    assert notice_recipients(record) == (
        "UBND tỉnh Bình Định (để báo cáo)", "Phòng Nội vụ các huyện", "Văn phòng Sở", "Các điểm cầu tham dự hội nghị",
    )


def test_a_correction_says_what_it_replaces_and_why(make_conclusions: MakeConclusions, make_minutes: MakeMinutes) -> None:
    from confmgr.documents.content import Replacement

    replaces = Replacement("01/TB-SNV", date(2026, 1, 9), "Bổ sung nhiệm vụ.")
    texts = [p.text for p in conclusions_body(dataclasses.replace(make_conclusions(), replaces=replaces))]
    assert texts[-2] == "Thông báo này thay thế Thông báo số 01/TB-SNV ngày 09 tháng 01 năm 2026 của Sở Nội vụ; lý do: Bổ sung nhiệm vụ."
    minutes = [p.text for p in minutes_body(dataclasses.replace(make_minutes(), replaces=Replacement("01/BB-SNV", date(2026, 1, 5))))]
    assert minutes[-2] == "Biên bản này thay thế Biên bản số 01/BB-SNV ngày 05 tháng 01 năm 2026 của Sở Nội vụ."
