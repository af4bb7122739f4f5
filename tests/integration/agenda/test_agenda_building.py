"""Building an agenda: the add form stays open for the next item; start times follow
from the meeting's start and the durations and are recomputed when items move; the
whole new order can be sent at once (drag and drop)."""

from __future__ import annotations

import re
from typing import Any

from tests.helpers import form_post, login, text_of
from tests.integration.agenda.conftest import World


def _times(html: str) -> list[str]:
    return re.findall(r'<span class="ag-time">(\d\d:\d\d)', html)


def test_times_follow_the_durations_and_the_order(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m = world.meeting(starts_at="2030-03-04T14:00:00+07:00", ends_at="2030-03-04T17:00:00+07:00")
    login(client)
    added = form_post(client, f"/meetings/{m}/agenda", {"title": "Khai mạc", "kind": "opening", "duration_minutes": "10"})
    assert added.status_code in (302, 303) and "added=true" in added.headers["location"]
    page = client.get(added.headers["location"])
    assert re.search(r'<details class="subcard" open>\s*<summary>', page.text)
    assert "Đã thêm nội dung" in text_of(page.text) and "autofocus" in page.text
    form_post(client, f"/meetings/{m}/agenda", {"title": "Báo cáo", "kind": "report", "duration_minutes": "30"})
    # A hand-typed start earlier than where the items before end is not allowed to jump ahead.
    form_post(client, f"/meetings/{m}/agenda", {"title": "Thảo luận", "kind": "discussion", "duration_minutes": "20",
                                                "planned_start": "2030-03-04T13:30"})
    items = client.get(f"/api/v1/meetings/{m}/agenda", headers=admin_api).json()
    assert [i["title"] for i in items] == ["Khai mạc", "Báo cáo", "Thảo luận"]
    assert _times(client.get(f"/meetings/{m}/agenda").text) == ["14:00", "14:10", "14:40"]

    ids = [i["id"] for i in items]
    moved = form_post(client, f"/meetings/{m}/agenda/order", {"item_ids": f"{ids[0]},{ids[2]},{ids[1]}"},
                      headers={"HX-Request": "true"})
    assert moved.status_code == 200 and "<html" not in moved.text
    assert _times(moved.text) == ["14:00", "14:10", "14:30"]
    assert [i["title"] for i in client.get(f"/api/v1/meetings/{m}/agenda", headers=admin_api).json()] == ["Khai mạc", "Thảo luận", "Báo cáo"]
    bad = form_post(client, f"/meetings/{m}/agenda/order", {"item_ids": "x,y"})
    assert bad.status_code == 422


def test_the_site_portal_shows_the_computed_times_after_a_reorder(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m = world.meeting(starts_at="2030-03-04T14:00:00+07:00", ends_at="2030-03-04T17:00:00+07:00")
    site = client.post(f"/api/v1/meetings/{m}/sites", json={"name": "UBND huyện An Lão", "role": "remote"}, headers=admin_api)
    assert site.status_code == 201, site.text
    token = site.json()["token"]
    login(client)
    for title, minutes in (("Khai mạc", "10"), ("Báo cáo", "30"), ("Thảo luận", "20")):
        form_post(client, f"/meetings/{m}/agenda", {"title": title, "kind": "other", "duration_minutes": minutes})
    ids = [i["id"] for i in client.get(f"/api/v1/meetings/{m}/agenda", headers=admin_api).json()]

    def portal_times() -> list[tuple[str, str]]:
        html = client.get(f"/s/{token}").text
        agenda = re.search(r'<section class="card" id="agenda">(.*?)</section>', html, re.S)
        assert agenda
        return re.findall(r'<span class="agenda-time">(\d\d:\d\d)</span>\s*<div>\s*<strong>([^<]+)</strong>', agenda.group(1))

    def api_times() -> list[tuple[str, str]]:
        body = client.get("/api/v1/portal", headers={"Authorization": f"Bearer {token}"}).json()
        return [(i["starts_at"][11:16], i["title"]) for i in body["agenda"]]

    assert portal_times() == [("14:00", "Khai mạc"), ("14:10", "Báo cáo"), ("14:40", "Thảo luận")]
    assert form_post(client, f"/meetings/{m}/agenda/order", {"item_ids": f"{ids[0]},{ids[2]},{ids[1]}"}).status_code in (200, 302, 303)
    assert portal_times() == [("14:00", "Khai mạc"), ("14:10", "Thảo luận"), ("14:30", "Báo cáo")]
    assert api_times() == [("14:00", "Khai mạc"), ("14:10", "Thảo luận"), ("14:30", "Báo cáo")]
