"""The attendance board: counts over all sites, filters, search, pages, chart, access."""

from __future__ import annotations

import re
from typing import Any

from tests.factories import sites_csv
from tests.helpers import text_of
from tests.integration.attendance.conftest import Board, add_site, answer, create_meeting, person


def _count(html: str, name: str) -> int:
    match = re.search(rf'id="count-{name}">(\d+)<', html)
    assert match, f"count {name} not on the page"
    return int(match.group(1))


def _site_names(html: str) -> list[str]:
    rows = re.findall(r'<tr id="site-\d+">\s*<td[^>]*>([^<]+)', html)
    return [r.strip() for r in rows]


def test_board_page_shows_every_site_with_its_answer_and_counts(admin_client: Any, board: Board) -> None:
    page = admin_client.get(board.url)
    assert page.status_code == 200
    assert "<html" in page.text
    text = text_of(page.text)
    assert "Bảng theo dõi xác nhận tham dự" in text
    assert _count(page.text, "sites") == 4
    assert _count(page.text, "attending") == 1
    assert _count(page.text, "declined") == 1
    assert _count(page.text, "silent") == 2
    assert _count(page.text, "expected") == 10
    assert _count(page.text, "confirmed") == 2
    # Host first, then the meeting's order; the decline shows its reason; names of delegates on expand.
    assert _site_names(page.text) == [
        "Hội trường UBND tỉnh", "UBND thành phố Quy Nhơn", "UBND thị xã An Nhơn", "UBND huyện Tuy Phước",
    ]
    assert "Trùng lịch tiếp công dân" in text
    row = page.text.split(f'id="site-{board.quy_nhon.id}"')[1].split("</tr>")[0]
    assert "<details" in row and "Đặng Văn Tâm" in row and "Nguyễn Thị Hồng" in row and "2 / 3" in row
    # Live: the SSE extension only on this page, connected to this meeting's stream.
    assert "/static/js/htmx-ext-sse.min.js" in page.text
    assert f'sse-connect="/meetings/{board.meeting_id}/attendance/stream"' in page.text


def test_meeting_page_does_not_load_the_sse_extension(admin_client: Any, board: Board) -> None:
    page = admin_client.get(f"/meetings/{board.meeting_id}")
    assert page.status_code == 200
    assert "htmx-ext-sse" not in page.text


def test_summary_fragment_for_htmx(admin_client: Any, board: Board) -> None:
    fragment = admin_client.get(board.url, headers={"HX-Request": "true", "HX-Target": "board-summary"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<section id="board-summary"')
    assert _count(fragment.text, "attending") == 1
    assert "<svg" in fragment.text
    assert 'id="board-table"' not in fragment.text


def test_table_fragment_for_htmx_keeps_the_filters(admin_client: Any, board: Board) -> None:
    fragment = admin_client.get(
        board.url, params={"response": "pending"}, headers={"HX-Request": "true", "HX-Target": "board-table"}
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div id="board-table"')
    assert _site_names(fragment.text) == ["Hội trường UBND tỉnh", "UBND huyện Tuy Phước"]
    # The fragment refreshes itself with the same filters.
    assert f'hx-get="/meetings/{board.meeting_id}/attendance?response=pending"' in fragment.text
    assert 'id="board-summary"' not in fragment.text


def test_history_restore_gets_the_whole_page(admin_client: Any, board: Board) -> None:
    page = admin_client.get(
        board.url, headers={"HX-Request": "true", "HX-Target": "board-table", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in page.text


def test_filters_by_answer_check_and_role(admin_client: Any, board: Board) -> None:
    assert _site_names(admin_client.get(board.url, params={"response": "declined"}).text) == ["UBND thị xã An Nhơn"]
    assert _site_names(admin_client.get(board.url, params={"role": "host"}).text) == ["Hội trường UBND tỉnh"]
    assert _site_names(admin_client.get(board.url, params={"check": "problem"}).text) == []
    # An unknown value filters nothing rather than failing.
    assert len(_site_names(admin_client.get(board.url, params={"response": "maybe"}).text)) == 4
    # Counts stay over every site whatever the filter.
    filtered = admin_client.get(board.url, params={"response": "declined"})
    assert _count(filtered.text, "sites") == 4


def test_technical_check_filter(admin_client: Any, client: Any, board: Board) -> None:
    response = client.put(
        "/api/v1/portal/technical-check", json={"status": "problem", "note": "Mất tiếng"}, headers=board.tuy_phuoc.bearer
    )
    assert response.status_code == 200, response.text
    page = admin_client.get(board.url, params={"check": "problem"})
    assert _site_names(page.text) == ["UBND huyện Tuy Phước"]
    assert "Mất tiếng" in text_of(page.text)


def test_search_ignores_accents_and_case(admin_client: Any, board: Board) -> None:
    assert _site_names(admin_client.get(board.url, params={"q": "quy nhon"}).text) == ["UBND thành phố Quy Nhơn"]
    assert _site_names(admin_client.get(board.url, params={"q": "TUY PHƯỚC"}).text) == ["UBND huyện Tuy Phước"]
    assert _site_names(admin_client.get(board.url, params={"q": "thi xa an"}).text) == ["UBND thị xã An Nhơn"]
    empty = admin_client.get(board.url, params={"q": "Hà Nội"})
    assert _site_names(empty.text) == []
    assert "Không có điểm cầu nào phù hợp" in text_of(empty.text)


def test_site_names_are_escaped(admin_client: Any, client: Any, admin_api: dict[str, str]) -> None:
    meeting_id = create_meeting(client, admin_api)
    site = add_site(client, admin_api, meeting_id, "<script>alert(1)</script> xã")
    answer(client, site, True, [person("<b>Ông A</b>")])
    page = admin_client.get(f"/meetings/{meeting_id}/attendance")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<b>Ông A</b>" not in page.text
    # The table as every viewer's live refresh gets it (a shared rendering).
    fragment = admin_client.get(
        f"/meetings/{meeting_id}/attendance", headers={"HX-Request": "true", "HX-Target": "board-table"}
    )
    assert "<html" not in fragment.text
    assert "<script>alert(1)</script>" not in fragment.text and "<b>Ông A</b>" not in fragment.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fragment.text


def test_chart_draws_cumulative_answers(admin_client: Any, client: Any, board: Board) -> None:
    # An answer changed from attending to declined moves the site from one line to the other.
    answer(client, board.tuy_phuoc, True, [person("Lê Văn Đức")])
    answer(client, board.tuy_phuoc, False, reason="Mất điện")
    fragment = admin_client.get(board.url, headers={"HX-Request": "true", "HX-Target": "board-summary"}).text
    svg = fragment[fragment.index("<svg"): fragment.index("</svg>")]
    assert "<desc>Tham dự: 1, Không tham dự: 2 / 4</desc>" in svg
    assert 'class="line-attending"' in svg and 'class="line-declined"' in svg
    assert "<script" not in svg


def test_viewer_may_look_at_the_board(viewer_client: Any, board: Board) -> None:
    page = viewer_client.get(board.url)
    assert page.status_code == 200
    assert _count(page.text, "attending") == 1


def test_anonymous_is_sent_to_login(client: Any, board: Board) -> None:
    response = client.get(board.url, follow_redirects=False)
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/login")
    fragment = client.get(board.url, headers={"HX-Request": "true"}, follow_redirects=False)
    assert fragment.headers.get("hx-redirect", "").startswith("/login")


def test_site_token_opens_no_board(client: Any, board: Board) -> None:
    for url in (board.url, f"/meetings/{board.meeting_id}/roll-call/", f"/meetings/{board.meeting_id}/attendance.csv"):
        response = client.get(url, headers=board.quy_nhon.bearer, follow_redirects=False)
        assert response.status_code in (302, 303, 401), url
        assert "Quy Nhơn" not in response.text


def test_unknown_meeting_is_404(admin_client: Any) -> None:
    assert admin_client.get("/meetings/999/attendance").status_code == 404


def test_three_thousand_sites_page_quickly(admin_client: Any, client: Any, admin_api: dict[str, str], db: Any) -> None:
    meeting_id = create_meeting(client, admin_api)
    imported = client.post(
        f"/api/v1/meetings/{meeting_id}/sites/import",
        files={"file": ("sites.csv", sites_csv(3321), "text/csv")}, headers=admin_api,
    )
    assert imported.status_code == 201, imported.text

    async def answer_most(session: Any) -> None:
        from sqlalchemy import insert, select, update

        from confmgr.sites.models import AttendanceEvent, Delegate, Site

        ids = list(await session.scalars(select(Site.id).where(Site.meeting_id == meeting_id).order_by(Site.id)))
        attending, declined = ids[:3000], ids[3000:3100]
        await session.execute(update(Site).where(Site.id.in_(attending)).values(response="attending"))
        await session.execute(update(Site).where(Site.id.in_(declined)).values(response="declined", reason="Bận"))
        await session.execute(
            insert(Delegate),
            [{"site_id": s, "full_name": f"Đại biểu {s}-{k}", "sort_order": k} for s in attending for k in range(3)],
        )
        await session.execute(
            insert(AttendanceEvent),
            [{"meeting_id": meeting_id, "site_id": s, "response": "attending", "delegates": 3} for s in attending]
            + [{"meeting_id": meeting_id, "site_id": s, "response": "declined", "delegates": 0} for s in declined],
        )

    db(answer_most)
    url = f"/meetings/{meeting_id}/attendance"
    admin_client.get(url)  # templates compiled, caches warm
    # How fast is measured by bench/ (docs/performance.md), not here: a shared CI
    # machine would make a timed assertion flaky without saying anything about the code.
    page = admin_client.get(url)
    assert page.status_code == 200
    assert _count(page.text, "sites") == 3321
    assert _count(page.text, "attending") == 3000
    assert _count(page.text, "declined") == 100
    assert _count(page.text, "silent") == 221
    assert _count(page.text, "confirmed") == 9000
    assert len(_site_names(page.text)) == 200
    assert "trang 1/17" in text_of(page.text)
    last = admin_client.get(url, params={"page": 17})
    assert len(_site_names(last.text)) == 3321 - 16 * 200
    # Beyond the last page: the last page.
    assert _site_names(admin_client.get(url, params={"page": 99}).text) == _site_names(last.text)
    search = admin_client.get(url, params={"q": "diem cau xa so 3320"}, headers={"HX-Request": "true", "HX-Target": "board-table"})
    assert _site_names(search.text) == ["Điểm cầu xã số 3320"]


def test_chart_counts_answers_recorded_without_an_event(admin_client: Any, board: Board, db: Any) -> None:
    async def record_directly(session: Any) -> None:
        from confmgr.sites.models import Site
        from confmgr.timeutil import now

        site = await session.get(Site, board.tuy_phuoc.id)
        site.response, site.responded_at = "attending", now()

    db(record_directly)
    fragment = admin_client.get(board.url, headers={"HX-Request": "true", "HX-Target": "board-summary"}).text
    assert "<desc>Tham dự: 2, Không tham dự: 1 / 4</desc>" in fragment


def test_meeting_page_links_to_the_board_and_the_roll_call(admin_client: Any, board: Board) -> None:
    page = admin_client.get(f"/meetings/{board.meeting_id}").text
    assert f'href="/meetings/{board.meeting_id}/attendance"' in page
    assert f'href="/meetings/{board.meeting_id}/roll-call/"' in page


def test_board_fragments_are_never_stale(admin_client: Any, admin_api: dict[str, str], board: Board) -> None:
    """Every viewer refreshes on the same live event and the viewers asking together
    share a rendering (confmgr.web.fragments): whatever changed before a refresh (an
    answer, a technical check, a roll call) is in what it gets."""
    table = {"HX-Request": "true", "HX-Target": "board-table"}
    summary = {"HX-Request": "true", "HX-Target": "board-summary"}

    first = admin_client.get(board.url, headers=table)
    assert first.status_code == 200 and "<html" not in first.text
    filtered = admin_client.get(board.url, params={"response": "attending"}, headers=table)
    assert _site_names(filtered.text) == ["UBND thành phố Quy Nhơn"]

    answer(admin_client, board.tuy_phuoc, True, [person("Lê Văn Hải", "Phó Chủ tịch")])
    after = admin_client.get(board.url, headers=table)
    assert "Lê Văn Hải" in after.text
    assert _count(admin_client.get(board.url, headers=summary).text, "attending") == 2

    checked = admin_client.put(
        "/api/v1/portal/technical-check", json={"status": "problem", "note": "Mất hình ảnh"}, headers=board.quy_nhon.bearer
    )
    assert checked.status_code == 200, checked.text
    assert "Mất hình ảnh" in admin_client.get(board.url, headers=table).text

    def connected_cell(html: str) -> str:
        row = html.split(f'id="site-{board.host.id}"')[1].split("</tr>")[0]
        return text_of("<td" + row.split("<td")[6]).strip()

    assert connected_cell(admin_client.get(board.url, headers=table).text) == "—"
    called = admin_client.put(
        f"/api/v1/meetings/{board.meeting_id}/sites/{board.host.id}/roll-call", json={"connected": True}, headers=admin_api
    )
    assert called.status_code == 200, called.text
    assert connected_cell(admin_client.get(board.url, headers=table).text) == "Có"


def test_board_fragments_follow_the_viewers_language(admin_client: Any, board: Board) -> None:
    table = {"HX-Request": "true", "HX-Target": "board-table"}
    assert "Tham dự" in admin_client.get(board.url, headers=table).text
    admin_client.cookies.set("lang", "en")
    english = admin_client.get(board.url, headers=table).text
    assert "Attending" in english and "Tham dự" not in english


def test_the_summary_reads_what_the_separate_counts_read(admin_client: Any, admin_api: dict[str, str], board: Board, db: Any) -> None:
    """The summary (read on every refresh, in four statements) agrees with the board's
    other readers: the counts, the per-province counts, the chart and the version the
    live stream sends a reconnecting board."""
    from sqlalchemy import select, update

    from confmgr.accounts.models import User
    from confmgr.attendance import services
    from confmgr.sites.models import Site

    async def read(session: Any) -> tuple[Any, ...]:
        await session.execute(update(Site).where(Site.id == board.quy_nhon.id).values(province_code="52"))
        await session.flush()
        actor = (await session.scalars(select(User).where(User.username == "admin"))).one()
        return (
            await services.board_summary(session, actor, board.meeting_id),
            await services.province_counts(session, actor, board.meeting_id),
            await services.answers_over_time(session, actor, board.meeting_id),
            await services.board_version(session, board.meeting_id),
        )

    summary, provinces, points, version = db(read)
    assert (summary.counts.sites, summary.counts.attending, summary.counts.declined, summary.counts.silent) == (4, 1, 1, 2)
    assert (summary.counts.delegates_expected, summary.counts.delegates_confirmed) == (10, 2)
    assert summary.provinces == provinces and [p.code for p in provinces] == ["52", None]
    assert summary.points == points and len(points) == 2
    assert summary.version == version
