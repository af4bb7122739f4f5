"""Sites from the official list of administrative units: directory, meetings, imports."""

from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy import func, select

from confmgr.__main__ import main as cli_main
from confmgr.sites import units as official
from confmgr.sites.models import DirectorySite, Site
from confmgr.text import search_key
from tests.factories import meeting_form, meeting_json
from tests.helpers import csrf_token, form_post, text_of

GIA_LAI = "52"


def _meeting(client: Any, headers: dict[str, str]) -> int:
    return int(client.post("/api/v1/meetings", json=meeting_json(), headers=headers).json()["id"])


def test_directory_gets_one_province_then_the_whole_country_through_the_api(client: Any, admin_api: dict[str, str]) -> None:
    province_units = official.select_units(GIA_LAI)
    added = client.post("/api/v1/directory/units", json={"province": GIA_LAI}, headers=admin_api)
    assert added.status_code == 201, added.text
    assert added.json() == {"created": len(province_units), "skipped": 0}
    started = time.perf_counter()
    country = client.post("/api/v1/directory/units", json={}, headers=admin_api)
    elapsed = time.perf_counter() - started
    assert country.json() == {"created": 3321 - len(province_units), "skipped": len(province_units)}
    assert elapsed < 5, elapsed
    directory = client.get("/api/v1/directory", headers=admin_api).json()
    assert len(directory) == 3321
    by_code = {d["unit_code"]: d for d in directory}
    for unit in official.units():
        entry = by_code[unit.code]
        assert entry["province_code"] == unit.province_code
        assert entry["province"] == unit.province.name
        assert entry["name"] == official.site_name(unit)
    again = client.post("/api/v1/directory/units", json={"province": "01", "type": "phuong"}, headers=admin_api)
    assert again.json()["created"] == 0


def test_meeting_gets_the_whole_country_through_the_api_each_site_with_its_own_link(client: Any, admin_api: dict[str, str], db: Any) -> None:
    meeting_id = _meeting(client, admin_api)
    started = time.perf_counter()
    added = client.post(f"/api/v1/meetings/{meeting_id}/sites/units", json={}, headers=admin_api)
    elapsed = time.perf_counter() - started
    assert added.status_code == 201 and added.json() == {"created": 3321, "skipped": 0}
    assert elapsed < 5, elapsed
    sites = client.get(f"/api/v1/meetings/{meeting_id}/sites", headers=admin_api).json()
    assert len(sites) == 3321
    assert len({s["token"] for s in sites}) == 3321
    codes = {s["unit_code"]: s for s in sites}
    assert set(codes) == {u.code for u in official.units()}
    assert codes["00070"]["province"] == "Thành phố Hà Nội" and codes["00070"]["name"] == "Điểm cầu UBND phường Hoàn Kiếm"
    # A site's link opens that one site.
    portal = client.get("/api/v1/portal", headers={"Authorization": f"Bearer {codes['00070']['token']}"})
    assert portal.status_code == 200 and "Hoàn Kiếm" in portal.text
    again = client.post(f"/api/v1/meetings/{meeting_id}/sites/units", json={"province": "01"}, headers=admin_api)
    assert again.json() == {"created": 0, "skipped": len(official.select_units("01"))}


def test_bad_choices_are_clear_errors_that_change_nothing(client: Any, admin_api: dict[str, str]) -> None:
    bad = client.post("/api/v1/directory/units", json={"province": "99", "type": "huyen"}, headers=admin_api)
    assert bad.status_code == 422
    body = bad.json()
    assert body["status_code"] == 422 and set(body["fields"]) == {"province", "type"}
    assert client.get("/api/v1/directory", headers=admin_api).json() == []
    assert client.post("/api/v1/directory/units", json={"province": "01"}).status_code == 401


def test_units_api_lists_provinces_and_counts(client: Any, admin_api: dict[str, str]) -> None:
    provinces = client.get("/api/v1/units/provinces", headers=admin_api).json()
    assert len(provinces) == 34 and sum(p["units"] for p in provinces) == 3321
    special = client.get("/api/v1/units", params={"type": "dac_khu"}, headers=admin_api).json()
    assert special["count"] == 13 and all(u["type"] == "dac_khu" for u in special["units"])


def test_directory_page_adds_a_province_by_type_after_showing_the_count(admin_client: Any) -> None:
    page = admin_client.get("/directory")
    assert "Thêm đơn vị hành chính" in page.text
    form = admin_client.get("/directory/units")
    assert form.status_code == 200 and "Cả nước" in form.text and "3321 đơn vị" in text_of(form.text)
    wards = len(official.select_units(GIA_LAI, "phuong"))
    count = admin_client.get("/directory/units/count", params={"province": GIA_LAI, "type": "phuong"}, headers={"HX-Request": "true"})
    assert f"{wards} đơn vị" in text_of(count.text)
    response = form_post(admin_client, "/directory/units", {"province": GIA_LAI, "type": "phuong", "prefix": "Điểm cầu UBND"})
    assert response.status_code in (302, 303), text_of(response.text)
    listing = admin_client.get(response.headers["location"])
    assert f"Đã thêm {wards} đơn vị" in text_of(listing.text)
    assert "Gia Lai" in listing.text
    bad = form_post(admin_client, "/directory/units", {"province": "00", "type": "", "prefix": ""})
    assert bad.status_code == 422 and "Không có tỉnh, thành phố này" in text_of(bad.text)


def test_meeting_page_adds_the_whole_country_in_one_step(admin_client: Any, db: Any) -> None:
    created = form_post(admin_client, "/meetings/new", meeting_form())
    meeting_id = int(created.headers["location"].rsplit("/", 1)[1])
    show = admin_client.get(f"/meetings/{meeting_id}")
    assert f"/meetings/{meeting_id}/sites/units" in show.text
    started = time.perf_counter()
    response = form_post(admin_client, f"/meetings/{meeting_id}/sites/units", {"province": "", "type": "", "prefix": "Điểm cầu UBND"})
    elapsed = time.perf_counter() - started
    assert response.status_code in (302, 303), text_of(response.text)
    assert elapsed < 5, elapsed

    async def codes(session: Any) -> list[tuple[str, str, str]]:
        rows = await session.execute(select(Site.unit_code, Site.province_code, Site.name).where(Site.meeting_id == meeting_id))
        return list(rows)

    found = db(codes)
    assert len(found) == 3321
    # Each unit of the country, found with its code, its province and its usual name.
    assert {tuple(r) for r in found} == {(u.code, u.province_code, official.site_name(u)) for u in official.units()}
    # The board's page of the meeting lists them by province.
    board = admin_client.get(f"/meetings/{meeting_id}/attendance", params={"province": "52"})
    assert board.status_code == 200 and f"{len(official.select_units('52'))} " in text_of(board.text)


def _csv(rows: list[str]) -> bytes:
    return ("Tên điểm cầu,Tỉnh\n" + "\n".join(rows) + "\n").encode("utf-8")


# 20 real names written the ways people write them, and 2 that are no unit at all.
REAL = [
    ("Phường Hoàn Kiếm", "", "00070"),
    ("UBND phường Cửa Nam", "", "00073"),
    ("phuong ba dinh", "", "00004"),
    ("Điểm cầu UBND đặc khu Phú Quốc", "", "31078"),
    ("Đặc khu Côn Đảo", "", "26732"),
    ("xã hòa bình", "Cà Mau", "31891"),
    ("UBND xã Hòa Bình, tỉnh Vĩnh Long", "", "29830"),
    ("Điểm cầu UBND xã Tân Tiến (Lạng Sơn)", "", "06019"),
    ("Xã Nguyễn Huệ", "", "01699"),
    ("Phường Văn Miếu - Quốc Tử Giám", "", "00196"),
    ("phuong van mieu quoc tu giam", "01", "00196"),
    ("Phường Hà Giang 1", "", "00694"),
    ("Xã Thạnh An", "TP Hồ Chí Minh", "27676"),
    ("Ủy ban nhân dân xã Văn Lăng", "Thái Nguyên", "05665"),
]


def _known_rows() -> list[tuple[str, str, str]]:
    rows = [r for r in REAL if r[0] != "phuong van mieu quoc tu giam"]  # one site per unit
    # Seven communes of Gia Lai, written without accents, in capitals or with prefixes.
    taken = {code for _, _, code in rows}
    extra = [u for u in official.select_units(GIA_LAI, "xa") if official.match(u.name).status == "one" and u.code not in taken][:7]
    written = [
        lambda b: f"xa {search_key(b)}", lambda b: f"UBND xã {b}", lambda b: f"Điểm cầu UBND xã {b}",
        lambda b: f"Xã {b}", lambda b: f"XÃ {b.upper()}", lambda b: f"uy ban nhan dan xa {search_key(b)}",
        lambda b: f"Điểm cầu trực tuyến UBND xã {b}",
    ]
    rows += [(form(unit.base), "", unit.code) for form, unit in zip(written, extra, strict=True)]
    return rows


def test_import_matches_twenty_names_and_lists_two_to_confirm(client: Any, admin_api: dict[str, str]) -> None:
    known = _known_rows()
    assert len(known) == 20
    unknown = ["Xã Không Có Thật", "UBND phường Chưa Có Tên"]
    content = _csv([f'"{name}",{province}' for name, province, _ in known] + unknown)
    meeting_id = _meeting(client, admin_api)
    response = client.post(f"/api/v1/meetings/{meeting_id}/sites/import", files={"file": ("s.csv", content)}, headers=admin_api)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["created"] == 22
    assert [(r["row"], r["name"], r["candidates"]) for r in body["to_confirm"]] == [(22, unknown[0], []), (23, unknown[1], [])]
    sites = client.get(f"/api/v1/meetings/{meeting_id}/sites", headers=admin_api).json()
    by_name = {s["name"]: s for s in sites}
    for name, _, code in known:
        assert by_name[name]["unit_code"] == code, name
        assert by_name[name]["unit_pending"] is False
    assert [s["unit_code"] for s in sites if s["unit_pending"]] == [None, None]
    # The secretariat confirms: one is Phường Hoàn Kiếm's neighbour, the other no unit.
    pending = [s for s in sites if s["unit_pending"]]
    confirmed = client.put(
        f"/api/v1/meetings/{meeting_id}/sites/{pending[0]['id']}/unit", json={"unit_code": "00070"}, headers=admin_api
    )
    assert confirmed.status_code == 409  # already another site of the meeting
    confirmed = client.put(
        f"/api/v1/meetings/{meeting_id}/sites/{pending[0]['id']}/unit", json={"unit_code": "99999"}, headers=admin_api
    )
    assert confirmed.status_code == 422
    wards = [u for u in official.select_units("01", "phuong") if u.code not in {c for _, _, c in known}]
    confirmed = client.put(
        f"/api/v1/meetings/{meeting_id}/sites/{pending[0]['id']}/unit", json={"unit_code": wards[0].code}, headers=admin_api
    )
    assert confirmed.status_code == 200 and confirmed.json()["unit_code"] == wards[0].code
    assert confirmed.json()["province"] == "Thành phố Hà Nội" and confirmed.json()["unit_pending"] is False
    none = client.put(f"/api/v1/meetings/{meeting_id}/sites/{pending[1]['id']}/unit", json={"unit_code": None}, headers=admin_api)
    assert none.json()["unit_code"] is None and none.json()["unit_pending"] is False


def test_ambiguous_names_are_listed_with_their_candidates_never_guessed(client: Any, admin_api: dict[str, str]) -> None:
    meeting_id = _meeting(client, admin_api)
    content = _csv(["Xã Hòa Bình,", "Hội trường tầng 3,", "Phường Hoàn Kiếm,", "UBND phường Hoàn Kiếm,"])
    body = client.post(f"/api/v1/meetings/{meeting_id}/sites/import", files={"file": ("s.csv", content)}, headers=admin_api)
    # The same unit twice is one row to confirm; a hall is no unit and nothing to confirm.
    result = body.json()
    assert result["created"] == 4
    rows = {r["row"]: r for r in result["to_confirm"]}
    assert set(rows) == {2, 5}
    assert {c["unit_code"] for c in rows[2]["candidates"]} == {u.code for u in official.match("Xã Hòa Bình").units}
    assert [c["unit_code"] for c in rows[5]["candidates"]] == ["00070"]


def test_the_page_asks_to_confirm_and_the_secretariat_chooses(admin_client: Any) -> None:
    created = form_post(admin_client, "/meetings/new", meeting_form())
    meeting_id = int(created.headers["location"].rsplit("/", 1)[1])
    content = _csv(["Xã Hòa Bình,", "Phường Hoàn Kiếm,"])
    response = admin_client.post(
        f"/meetings/{meeting_id}/sites/import", files={"file": ("s.csv", content)},
        data={"_csrf_token": csrf_token(admin_client)}, follow_redirects=False,
    )
    assert response.status_code in (302, 303)
    show = admin_client.get(f"/meetings/{meeting_id}")
    text = text_of(show.text)
    assert "Điểm cầu cần xác nhận (1)" in text
    site_id = int(re.search(r'/sites/(\d+)/unit"', show.text).group(1))  # type: ignore[union-attr]
    choice = official.match("Xã Hòa Bình").units[-1]
    assert f'value="{choice.code}"' in show.text
    done = form_post(admin_client, f"/meetings/{meeting_id}/sites/{site_id}/unit", {"unit_code": choice.code, "other_code": ""})
    assert done.status_code in (302, 303)
    assert "Điểm cầu cần xác nhận" not in text_of(admin_client.get(f"/meetings/{meeting_id}").text)


def test_cli_adds_units_once(settings: Any, db: Any, capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("confmgr.__main__.load_settings", lambda: settings)
    assert cli_main(["directory", "add-units", "--province", "52", "--type", "dac_khu"]) == 0
    assert cli_main(["directory", "add-units", "--province", "48"]) == 0
    assert cli_main(["directory", "add-units", "--province", "48"]) == 0
    out = capsys.readouterr().out
    assert "0 units added" in out
    assert cli_main(["directory", "add-units", "--province", "77"]) == 1

    async def codes(session: Any) -> set[str]:
        return set(await session.scalars(select(DirectorySite.unit_code)))

    assert db(codes) == {u.code for u in official.select_units("48")}


def test_directory_import_lists_names_to_confirm_and_the_page_confirms_them(admin_client: Any, admin_api: dict[str, str]) -> None:
    client = admin_client
    content = _csv(["Xã Hòa Bình,", "Phường Hoàn Kiếm,", "Hội trường UBND tỉnh,"])
    body = client.post("/api/v1/directory/import", files={"file": ("s.csv", content)}, headers=admin_api).json()
    assert body["created"] == 3 and [r["row"] for r in body["to_confirm"]] == [2]
    entries = {d["name"]: d for d in client.get("/api/v1/directory", headers=admin_api).json()}
    assert entries["Phường Hoàn Kiếm"]["unit_code"] == "00070" and entries["Hội trường UBND tỉnh"]["unit_code"] is None
    page = client.get("/directory")
    assert "Điểm cầu cần xác nhận (1)" in text_of(page.text)
    entry_id = entries["Xã Hòa Bình"]["id"]
    taken = client.put(f"/api/v1/directory/{entry_id}/unit", json={"unit_code": "00070"}, headers=admin_api)
    assert taken.status_code == 409
    choice = official.match("Xã Hòa Bình").units[0]
    done = form_post(client, f"/directory/units/confirm/{entry_id}", {"unit_code": choice.code, "other_code": ""})
    assert done.status_code in (302, 303)
    entry = {d["id"]: d for d in client.get("/api/v1/directory", headers=admin_api).json()}[entry_id]
    assert entry["unit_code"] == choice.code and entry["province"] == choice.province.name
    assert "Điểm cầu cần xác nhận" not in text_of(client.get("/directory").text)


def test_units_picked_from_the_directory_or_copied_keep_their_codes(client: Any, admin_api: dict[str, str]) -> None:
    assert client.post("/api/v1/directory/units", json={"province": "22", "type": "dac_khu"}, headers=admin_api).status_code == 201
    directory = client.get("/api/v1/directory", headers=admin_api).json()
    meeting_id = _meeting(client, admin_api)
    picked = client.post(
        f"/api/v1/meetings/{meeting_id}/sites/from-directory", json={"directory_site_ids": [d["id"] for d in directory]},
        headers=admin_api,
    )
    assert picked.json()["created"] == 2
    sites = client.get(f"/api/v1/meetings/{meeting_id}/sites", headers=admin_api).json()
    assert {(s["unit_code"], s["province_code"]) for s in sites} == {(d["unit_code"], "22") for d in directory}
    # Adding the province's units afterwards finds them already there.
    again = client.post(f"/api/v1/meetings/{meeting_id}/sites/units", json={"province": "22", "type": "dac_khu"}, headers=admin_api)
    assert again.json() == {"created": 0, "skipped": 2}


def test_meeting_gets_one_province_through_the_api_each_with_its_code(client: Any, admin_api: dict[str, str]) -> None:
    meeting_id = _meeting(client, admin_api)
    province_units = official.select_units(GIA_LAI)
    added = client.post(f"/api/v1/meetings/{meeting_id}/sites/units", json={"province": GIA_LAI}, headers=admin_api)
    assert added.status_code == 201 and added.json() == {"created": len(province_units), "skipped": 0}
    sites = client.get(f"/api/v1/meetings/{meeting_id}/sites", headers=admin_api).json()
    found = {(s["unit_code"], s["province_code"], s["province"], s["name"]) for s in sites}
    assert found == {(u.code, GIA_LAI, "Gia Lai", official.site_name(u)) for u in province_units}
    assert len({s["token"] for s in sites}) == len(province_units)


def test_meeting_page_adds_one_whole_province_each_with_its_code(admin_client: Any, db: Any) -> None:
    created = form_post(admin_client, "/meetings/new", meeting_form())
    meeting_id = int(created.headers["location"].rsplit("/", 1)[1])
    response = form_post(admin_client, f"/meetings/{meeting_id}/sites/units", {"province": GIA_LAI, "type": "", "prefix": "Điểm cầu UBND"})
    assert response.status_code in (302, 303), text_of(response.text)

    async def codes(session: Any) -> set[tuple[str, str, str]]:
        rows = await session.execute(select(Site.unit_code, Site.province_code, Site.name).where(Site.meeting_id == meeting_id))
        return {tuple(r) for r in rows}

    expected = {(u.code, u.province_code, official.site_name(u)) for u in official.select_units(GIA_LAI)}
    assert db(codes) == expected and len(expected) > 100


def _xlsx(rows: list[tuple[str, str]]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Tên điểm cầu", "Tỉnh"])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_import_matches_twenty_names_and_lists_two_to_confirm(client: Any, admin_api: dict[str, str]) -> None:
    known = _known_rows()
    unknown = ["Xã Không Có Thật", "UBND phường Chưa Có Tên"]
    content = _xlsx([(name, province) for name, province, _ in known] + [(name, "") for name in unknown])
    meeting_id = _meeting(client, admin_api)
    response = client.post(f"/api/v1/meetings/{meeting_id}/sites/import", files={"file": ("s.xlsx", content)}, headers=admin_api)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["created"] == 22
    assert [(r["row"], r["name"], r["candidates"]) for r in body["to_confirm"]] == [(22, unknown[0], []), (23, unknown[1], [])]
    by_name = {s["name"]: s for s in client.get(f"/api/v1/meetings/{meeting_id}/sites", headers=admin_api).json()}
    assert {name: by_name[name]["unit_code"] for name, _, _ in known} == {name: code for name, _, code in known}
