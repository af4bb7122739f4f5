"""The pages name a person's office by the documents' rule: never "Sở Nội vụ, Sở Nội vụ"."""

from __future__ import annotations

from typing import Any

from tests.helpers import login, text_of
from tests.integration.agenda.conftest import World

CHAIR = {"full_name": "Bạch Văn Mạnh", "position": "Giám đốc Sở Nội vụ", "organization": "Sở Nội vụ"}
SECRETARY = {"full_name": "Nguyễn Thị Thanh Hương", "position": "Chánh Văn phòng Sở", "organization": "Sở Nội vụ"}
LEADER = {"full_name": "Võ Văn Cảnh", "position": "Phó Chủ tịch UBND tỉnh", "organization": "Ủy ban nhân dân tỉnh Bình Định"}
SPEAKER = {"full_name": "Đặng Thị Ửng", "position": "Chủ tịch UBND huyện", "organization": "UBND huyện Hoài Ân"}


def test_meeting_agenda_and_contribution_pages_join_the_office_once(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m = world.meeting(chair=CHAIR, secretary=SECRETARY)
    world.item(m, "Phát biểu chỉ đạo", "speech", presenter=LEADER)
    papers = world.item(m, "Tham luận của các đơn vị", "contributions")
    site_id, _token = world.site(m, "UBND huyện Hoài Ân")
    contribution = client.post(
        f"/api/v1/meetings/{m}/contributions",
        json={"agenda_item_id": papers, "site_id": site_id, "title": "Sắp xếp tổ chức bộ máy", "speaker": SPEAKER},
        headers=admin_api,
    )
    assert contribution.status_code == 201, contribution.text
    login(client)
    show = text_of(client.get(f"/meetings/{m}").text)
    assert "Bạch Văn Mạnh, Giám đốc Sở Nội vụ" in show and "Nguyễn Thị Thanh Hương, Chánh Văn phòng Sở Nội vụ" in show
    agenda = text_of(client.get(f"/meetings/{m}/agenda").text)
    assert "Võ Văn Cảnh, Phó Chủ tịch UBND tỉnh Bình Định" in agenda
    assert "Đặng Thị Ửng, Chủ tịch UBND huyện Hoài Ân" in agenda
    printable = text_of(client.get(f"/meetings/{m}/agenda/print").text)
    assert "Võ Văn Cảnh, Phó Chủ tịch UBND tỉnh Bình Định" in printable
    for page in (show, agenda, printable):
        for doubled in ("Sở Nội vụ, Sở Nội vụ", "Sở, Sở", "UBND tỉnh, Ủy ban", "UBND huyện, UBND huyện"):
            assert doubled not in page, doubled
