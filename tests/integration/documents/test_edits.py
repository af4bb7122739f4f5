"""The minutes drafted from the record and edited by section; edits survive regeneration."""

from __future__ import annotations

from typing import Any

from tests.helpers import form_post, login, text_of
from tests.integration.documents.conftest import MALICIOUS, Built, pdf_text, watermark


def sections(client: Any, api: dict[str, str], mid: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/meetings/{mid}/documents/minutes/sections", headers=api)
    assert response.status_code == 200, response.text
    return response.json()


def draft_text(client: Any, api: dict[str, str], mid: int) -> str:
    response = client.get(f"/api/v1/meetings/{mid}/documents/minutes.pdf", headers=api)
    assert response.status_code == 200
    assert "DỰTHẢO" in watermark(response.content)
    return pdf_text(response.content)


def test_regenerating_keeps_edits_shows_new_entries_and_orphans(client: Any, db: Any, api: dict[str, str], meeting: Built) -> None:
    paper = meeting.contributions["presented"]
    report = meeting.items["report"]
    state = sections(client, api, meeting.id)
    keys = {s["key"]: s for s in state["sections"]}
    assert f"contribution:{paper}:summary" in keys and f"item:{report}:notes" in keys
    assert f"contribution:{meeting.contributions['declined']}:summary" not in keys
    assert keys[f"contribution:{meeting.contributions['malicious']}:summary"]["text"] == MALICIOUS

    saved = client.put(
        f"/api/v1/meetings/{meeting.id}/documents/minutes/sections",
        json={"version": state["version"], "sections": {
            f"contribution:{paper}:summary": "Tóm tắt do thư ký biên tập lại.",
            f"item:{report}:notes": "Ghi chú đã biên tập.",
        }},
        headers=api,
    )
    assert saved.status_code == 200, saved.text
    version = saved.json()["version"]
    assert version == state["version"] + 1

    async def change_record(session: Any) -> None:
        from confmgr.agenda.models import AgendaItem, Contribution

        session.add(Contribution(
            meeting_id=meeting.id, agenda_item_id=meeting.items["discussion"], speaker={"full_name": "Đinh Văn Mới", "position": "Chuyên viên"},
            title="Tham luận bổ sung", summary="Nội dung bổ sung mới.", status="accepted", sort_order=9,
        ))
        item = await session.get(AgendaItem, report)
        item.notes = "Ghi chú gốc đã đổi."
        await session.delete(await session.get(Contribution, paper))

    db(change_record)
    text = draft_text(client, api, meeting.id)
    assert "Ghi chú đã biên tập." in text  # the edit wins over the changed record
    assert "Ghi chú gốc đã đổi." not in text
    assert "Đinh Văn Mới" in text and "Nội dung bổ sung mới." in text  # new record entries appear
    assert "Tóm tắt do thư ký biên tập lại." not in text  # its source is gone

    after = sections(client, api, meeting.id)
    notes = next(s for s in after["sections"] if s["key"] == f"item:{report}:notes")
    assert notes["edited"] and notes["record_changed"] and notes["generated"] == "Ghi chú gốc đã đổi."
    assert [o["key"] for o in after["orphans"]] == [f"contribution:{paper}:summary"]
    assert after["orphans"][0]["text"] == "Tóm tắt do thư ký biên tập lại."

    # A stale save is refused and changes nothing.
    stale = client.put(
        f"/api/v1/meetings/{meeting.id}/documents/minutes/sections",
        json={"version": state["version"], "sections": {f"item:{report}:notes": "Bản cũ"}}, headers=api,
    )
    assert stale.status_code == 409
    assert "Bản cũ" not in draft_text(client, api, meeting.id)

    # Unknown keys are refused; the orphan goes only when discarded by name.
    bad = client.put(
        f"/api/v1/meetings/{meeting.id}/documents/minutes/sections",
        json={"version": version, "sections": {"item:999999:notes": "x"}}, headers=api,
    )
    assert bad.status_code == 422
    dropped = client.put(
        f"/api/v1/meetings/{meeting.id}/documents/minutes/sections",
        json={"version": version, "sections": {f"item:{report}:notes": None}, "discard": [f"contribution:{paper}:summary"]},
        headers=api,
    )
    assert dropped.status_code == 200, dropped.text
    assert dropped.json()["orphans"] == []
    assert "Ghi chú gốc đã đổi." in draft_text(client, api, meeting.id)


def test_minutes_form_page_and_fragment(client: Any, api: dict[str, str], meeting: Built) -> None:
    login(client)
    page = client.get(f"/meetings/{meeting.id}/documents/minutes")
    assert page.status_code == 200 and "<html" in page.text
    assert "Biên tập biên bản" in text_of(page.text)
    # User text is escaped in the form.
    assert MALICIOUS not in page.text and "&lt;b&gt;x&lt;/b&gt;" in page.text
    fragment = client.get(f"/meetings/{meeting.id}/documents/minutes", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="minutes-form"' in fragment.text

    key = f"item:{meeting.items['report']}:notes"
    saved = form_post(client, f"/meetings/{meeting.id}/documents/minutes", {"version": "0", f"section:{key}": "Ghi chú trên trang."})
    assert saved.status_code in (302, 303)
    assert "saved=true" in saved.headers["location"]
    shown = client.get(saved.headers["location"])
    assert "Ghi chú trên trang." in shown.text and "Đã lưu biên bản" in text_of(shown.text)

    # htmx: the fragment comes back saved, without the page around it.
    again = form_post(
        client, f"/meetings/{meeting.id}/documents/minutes", {"version": "1", f"section:{key}": "Lần hai."},
        headers={"HX-Request": "true"},
    )
    assert again.status_code == 200 and "<html" not in again.text and "Lần hai." in again.text
    # A stale form: 409, what the person typed is kept, and the other text is shown.
    stale = form_post(
        client, f"/meetings/{meeting.id}/documents/minutes", {"version": "1", f"section:{key}": "Bản của tôi."},
        headers={"HX-Request": "true"},
    )
    assert stale.status_code == 409 and "<html" not in stale.text
    assert "Bản của tôi." in stale.text and "Lần hai." in stale.text
    full_stale = form_post(client, f"/meetings/{meeting.id}/documents/minutes", {"version": "1", f"section:{key}": "Bản khác."})
    assert full_stale.status_code == 409 and "<html" in full_stale.text


def test_minutes_form_needs_csrf_and_editor(client: Any, db: Any, api: dict[str, str], meeting: Built) -> None:
    from tests.helpers import make_user

    login(client)
    key = f"item:{meeting.items['report']}:notes"
    no_csrf = client.post(f"/meetings/{meeting.id}/documents/minutes", data={"version": "0", f"section:{key}": "x"})
    assert no_csrf.status_code == 403
    make_user(db, "xem", "viewer")
    form_post(client, "/logout")
    login(client, "xem")
    refused = form_post(client, f"/meetings/{meeting.id}/documents/minutes", {"version": "0", f"section:{key}": "x"})
    assert refused.status_code == 403
    assert sections(client, api, meeting.id)["version"] == 0
