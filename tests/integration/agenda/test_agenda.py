from __future__ import annotations

from typing import Any

import pytest
from pypdf import PdfReader

from tests.helpers import form_post, login, text_of
from tests.integration.agenda.conftest import World

PRESENTER = {"full_name": "Nguyễn Văn Thành", "position": "Phó Giám đốc Sở", "organization": "Sở Nội vụ"}


def test_api_builds_an_agenda_in_order(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m = world.meeting()
    first = world.item(m, "Khai mạc hội nghị", "opening")
    response = client.post(
        f"/api/v1/meetings/{m}/agenda",
        json={"title": "Báo cáo tổng kết công tác năm 2026", "kind": "report", "presenter": PRESENTER,
              "planned_start": "2026-12-20T08:15:00+07:00", "duration_minutes": 30},
        headers=admin_api,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["position"] == 2 and body["presenter"]["full_name"] == "Nguyễn Văn Thành"
    listed = client.get(f"/api/v1/meetings/{m}/agenda", headers=admin_api).json()
    assert [i["id"] for i in listed] == [first, body["id"]]


def test_api_refuses_bad_items_and_changes_nothing(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m = world.meeting()
    for bad in ({"title": "", "kind": "report"}, {"title": "X", "kind": "party"}, {"title": "X", "duration_minutes": 0}):
        response = client.post(f"/api/v1/meetings/{m}/agenda", json=bad, headers=admin_api)
        assert response.status_code in (400, 422), bad
        assert response.json()["detail"]
    assert client.get(f"/api/v1/meetings/{m}/agenda", headers=admin_api).json() == []


def test_patch_delete_and_reorder(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m = world.meeting()
    a, b, c = (world.item(m, t) for t in ("A", "B", "C"))
    patched = client.patch(f"/api/v1/meetings/{m}/agenda/{b}", json={"title": "Thảo luận", "kind": "discussion"}, headers=admin_api)
    assert patched.status_code == 200 and patched.json()["kind"] == "discussion"
    reordered = client.post(f"/api/v1/meetings/{m}/agenda/reorder", json={"item_ids": [c, a, b]}, headers=admin_api)
    assert reordered.status_code == 200
    assert [i["id"] for i in reordered.json()] == [c, a, b]
    wrong = client.post(f"/api/v1/meetings/{m}/agenda/reorder", json={"item_ids": [c, a]}, headers=admin_api)
    assert wrong.status_code == 422
    assert client.delete(f"/api/v1/meetings/{m}/agenda/{a}", headers=admin_api).status_code == 204
    listed = client.get(f"/api/v1/meetings/{m}/agenda", headers=admin_api).json()
    assert [(i["id"], i["position"]) for i in listed] == [(c, 1), (b, 2)]


def test_agenda_of_another_meeting_is_not_found(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m1, m2 = world.meeting(), world.meeting()
    item = world.item(m1, "A")
    assert client.patch(f"/api/v1/meetings/{m2}/agenda/{item}", json={"title": "B"}, headers=admin_api).status_code == 404
    assert client.get(f"/api/v1/meetings/{m1}/agenda").status_code == 401


def test_agenda_page_and_move_buttons_with_and_without_htmx(world: World, client: Any) -> None:
    m = world.meeting()
    a, b = world.item(m, "Khai mạc"), world.item(m, "Báo cáo <chính>")
    login(client)
    page = client.get(f"/meetings/{m}/agenda")
    assert page.status_code == 200 and "<html" in page.text
    assert "Báo cáo &lt;chính&gt;" in page.text  # user text is escaped
    assert "Chương trình" in text_of(page.text)
    # Without JavaScript: a form post and a redirect back to the list.
    moved = form_post(client, f"/meetings/{m}/agenda/{b}/move/up")
    assert moved.status_code in (302, 303)
    assert moved.headers["location"].endswith(f"/agenda#item-{b}")
    order = client.get(f"/meetings/{m}/agenda").text
    assert order.index("Báo cáo &lt;chính&gt;") < order.index("Khai mạc")
    # With htmx: only the list comes back.
    fragment = form_post(client, f"/meetings/{m}/agenda/{b}/move/down", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="ag-items"' in fragment.text
    assert fragment.text.index("Khai mạc") < fragment.text.index("Báo cáo &lt;chính&gt;")
    assert a


def test_add_item_form_errors_are_vietnamese_and_keep_input(world: World, client: Any) -> None:
    m = world.meeting()
    login(client)
    bad = form_post(client, f"/meetings/{m}/agenda", {"title": "", "kind": "report", "presenter.full_name": "Trần Văn Bình"})
    assert bad.status_code == 422
    assert "Trường này là bắt buộc" in text_of(bad.text)
    assert 'value="Trần Văn Bình"' in bad.text
    good = form_post(client, f"/meetings/{m}/agenda", {"title": "Phát biểu chỉ đạo", "kind": "speech", "duration_minutes": "20"})
    assert good.status_code in (302, 303)
    assert "Phát biểu chỉ đạo" in client.get(f"/meetings/{m}/agenda").text


def test_viewer_cannot_change_the_agenda(world: World, client: Any, db: Any) -> None:
    from tests.helpers import api_token, make_user

    m = world.meeting()
    make_user(db, "xemthoi", "viewer")
    headers = api_token(client, "xemthoi")
    response = client.post(f"/api/v1/meetings/{m}/agenda", json={"title": "A"}, headers=headers)
    assert response.status_code == 403
    assert client.get(f"/api/v1/meetings/{m}/agenda", headers=headers).json() == []


def _pdf_text(content: bytes) -> str:
    import io

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_printable_agenda_html_and_pdf(world: World, client: Any, admin_api: dict[str, str]) -> None:
    m = world.meeting()
    world.item(m, "Khai mạc hội nghị", "opening", planned_start="2026-12-20T08:00:00+07:00", duration_minutes=10)
    world.item(m, "Báo cáo <tổng kết> & phương hướng", "report", presenter=PRESENTER, duration_minutes=30)
    papers = world.item(m, "Tham luận của các đơn vị", "contributions")
    site_id, _token = world.site(m, "UBND huyện Hoài Ân")
    contribution = client.post(
        f"/api/v1/meetings/{m}/contributions",
        json={"agenda_item_id": papers, "site_id": site_id, "title": "Kết quả sắp xếp tổ chức bộ máy",
              "speaker": {"full_name": "Đặng Thị Ửng", "position": "Chủ tịch UBND huyện"}},
        headers=admin_api,
    )
    assert contribution.status_code == 201, contribution.text
    login(client)
    printable = client.get(f"/meetings/{m}/agenda/print")
    assert printable.status_code == 200 and "@media print" in printable.text
    pdf = client.get(f"/meetings/{m}/agenda.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"].startswith("application/pdf")
    import io

    reader = PdfReader(io.BytesIO(pdf.content))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "CHƯƠNG TRÌNH" in text
    assert "Báo cáo <tổng kết> & phương hướng" in text
    assert "08:10 – 08:40" in text  # the second item follows on from the first
    flat = " ".join(text.split())
    assert "Nguyễn Văn Thành, Phó Giám đốc Sở Nội vụ" in flat
    assert "– Kết quả sắp xếp tổ chức bộ máy (Đặng Thị Ửng, Chủ tịch UBND huyện)" in flat
    fonts = {str(f.get("/BaseFont")) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert any("LiberationSerif" in name or "Times" in name for name in fonts), fonts


@pytest.mark.parametrize("env_overrides", [{"CONFMGR_DOCUMENT_WORKERS": "0"}])
def test_the_agenda_pdf_is_built_off_the_event_loop(
    world: World, client: Any, monkeypatch: pytest.MonkeyPatch, env_overrides: dict[str, str]
) -> None:
    """Built by the printing pool (with 0 workers, its thread), never on the loop."""
    import threading

    from confmgr.agenda import controllers, pdf

    threads: list[str] = []

    def watched(*args: Any) -> bytes:
        threads.append(threading.current_thread().name)
        return pdf.build_agenda_pdf(*args)

    monkeypatch.setattr(controllers, "build_agenda_pdf", watched)
    m = world.meeting()
    login(client)
    response = client.get(f"/meetings/{m}/agenda.pdf")
    assert response.status_code == 200
    assert "Chưa có nội dung nào trong chương trình." in " ".join(_pdf_text(response.content).split())
    assert len(threads) == 1 and threads[0].startswith("confmgr-documents"), threads
