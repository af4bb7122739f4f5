"""The attendance board, its live stream, the roll call and the attendance sheet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

import anyio

from litestar import Controller, MediaType, Request, Response, get, post, put
from litestar.di import Provide
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import User
from confmgr.attendance import services
from confmgr.attendance.chart import ChartLabels, answers_chart
from confmgr.attendance.exports import to_csv, to_xlsx
from confmgr.attendance.province_chart import ProvinceChartLabels, province_chart
from confmgr.attendance.schemas import (
    AbsentPerson,
    BoardFilters,
    RollCallDelegateOut,
    RollCallInput,
    RollCallOut,
    RollCallTotalsOut,
)
from confmgr.errors import InvalidInput
from confmgr.i18n import N_, current_locale, gettext
from confmgr.live.events import board_channel
from confmgr.live.stream import meeting_stream_refusal, short_session, sse_response
from confmgr.meetings.access import get_meeting
from confmgr.schemas import Person
from confmgr.sites.models import Site
from confmgr.web.forms import form_data
from confmgr.web.render import is_htmx, page

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A roll call card holds a form per delegate: fewer of them a page than board rows.
ROLL_CALL_PAGE_SIZE = 50
FILTER_KEYS = ("response", "check", "role", "connected", "q", "page", "province")


def _filters(response: str, check: str, role: str, connected: str, q: str, page_number: int, province: str = "") -> BoardFilters:
    return BoardFilters.parse(
        response=response, check=check, role=role, connected=connected, q=q, page=page_number, province=province
    )


def _fragment_wanted(request: Request[Any, Any, Any]) -> bool:
    # Back/forward may ask htmx for a page it no longer has: that needs the whole page.
    return (
        is_htmx(request)
        and not request.headers.get("hx-boosted")
        and not request.headers.get("hx-history-restore-request")
    )


def _chart(points: list[services.ChartPoint], total_sites: int) -> Any:
    labels = ChartLabels(
        title=gettext("Answers over time"),
        attending=gettext("Attending"),
        declined=gettext("Declined"),
        empty=gettext("No answer yet"),
    )
    return answers_chart(points, total_sites=total_sites, labels=labels)


def _province_chart(provinces: list[services.ProvinceCount]) -> Any:
    labels = ProvinceChartLabels(
        title=gettext("Answers by province"), answered=gettext("Answered"), attending=gettext("Attending"),
        no_province=gettext("Other sites"),
    )
    return province_chart(provinces, labels) if provinces else None


async def _summary_context(db: AsyncSession, actor: Any, meeting_id: int) -> dict[str, Any]:
    summary = await services.board_summary(db, actor, meeting_id)
    return {
        "counts": summary.counts,
        "chart": _chart(summary.points, summary.counts.sites),
        "version": summary.version,
        "provinces": summary.provinces,
        "province_chart": _province_chart(summary.provinces),
    }


BOARD_FRAGMENTS = {"board-summary": "attendance/_summary.html", "board-table": "attendance/_table.html"}


async def _board_fragment(
    request: Request[Any, Any, Any], db: AsyncSession, actor: Any, meeting: Any, target: str, filters: BoardFilters
) -> Response[str]:
    """The summary or the table, as htmx refreshes them on every live change.

    Every viewer of the board refreshes on the same event: the viewers asking together
    share one rendering that started after they asked (confmgr.web.fragments). Nothing
    in a fragment depends on who asks, beyond the access already checked and the language.
    """
    await end_reading(db)
    key = ("board", meeting.id, target, tuple(sorted(filters.query().items())), current_locale.get())

    async def render() -> str:
        async with short_session(request.app) as reading:
            context: dict[str, Any] = {"meeting": meeting, "filters": filters}
            if target == "board-summary":
                context.update(await _summary_context(reading, actor, meeting.id))
            else:
                context["result"] = await services.board_rows(reading, actor, meeting.id, filters)
        return request.app.template_engine.get_template(BOARD_FRAGMENTS[target]).render(**context)  # type: ignore[union-attr]

    return Response(await request.app.state.fragments.get(key, render), media_type=MediaType.HTML)


def _attachment(content: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


async def end_reading(db: AsyncSession) -> None:
    """End a read-only request's transaction before the slow part (rendering, a file).

    On SQLite every transaction holds the database's write lock; a board or a sheet
    being rendered must not make the sites' confirmations wait.
    """
    await db.commit()


async def sheet_filters(
    response: str = "", check: str = "", role: str = "", connected: str = "", q: str = "", province: str = ""
) -> BoardFilters:
    """An attendance sheet's query: the board's filters, every one optional."""
    return _filters(response, check, role, connected, q, 1, province)


SHEET_FILTERS = {"filters": Provide(sheet_filters)}


async def _sheet(db: AsyncSession, actor: Any, meeting_id: int, kind: str, filters: BoardFilters) -> Response[bytes]:
    meeting, lines = await services.attendance_sheet(db, actor, meeting_id, filters)
    provinces = await services.province_counts(db, actor, meeting_id, filters) if kind == "xlsx" else []
    await end_reading(db)
    name = f"diem-danh-hoi-nghi-{meeting.id}"
    if filters.province and filters.province != "none":
        name += f"-tinh-{filters.province}"
    # Built in a thread: ten thousand rows must not stall every other request.
    if kind == "csv":
        return _attachment(await anyio.to_thread.run_sync(to_csv, lines), "text/csv; charset=utf-8", f"{name}.csv")
    content = await anyio.to_thread.run_sync(to_xlsx, lines, meeting.title, provinces)
    return _attachment(content, XLSX_TYPE, f"{name}.xlsx")



class BoardPages(Controller):
    """The secretariat's attendance board (any logged-in user may look)."""

    path = "/meetings/{meeting_id:int}"
    include_in_schema = False

    @get("/attendance")
    async def board(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        actor: User | None,
        meeting_id: int,
        response: str = "",
        check: str = "",
        role: str = "",
        q: str = "",
        page_number: Annotated[int, Parameter(query="page", ge=1, le=100_000)] = 1,
        province: str = "",
    ) -> Template | Response[str]:
        filters = _filters(response, check, role, "", q, page_number, province)
        meeting = await get_meeting(db_session, actor, meeting_id)
        # The summary and the table refresh on their own; each asks only for its part.
        target = request.headers.get("hx-target") if _fragment_wanted(request) else None
        if target in BOARD_FRAGMENTS:
            return await _board_fragment(request, db_session, actor, meeting, target, filters)
        context: dict[str, Any] = {"meeting": meeting, "user": actor, "filters": filters}
        context.update(await _summary_context(db_session, actor, meeting_id))
        context["result"] = await services.board_rows(db_session, actor, meeting_id, filters)
        await end_reading(db_session)
        return Template(template_name="attendance/board.html", context=context)

    @get("/attendance/stream")
    async def stream(self, request: Request[Any, Any, Any], meeting_id: int) -> Response[Any]:
        """Tells the board when a site changed; the board then fetches what it shows."""
        if refusal := await meeting_stream_refusal(request, meeting_id):
            return refusal
        app = request.app

        async def initial() -> Iterable[tuple[str, str]]:
            # What is true now, so a board that reconnects knows whether it missed anything.
            async with short_session(app) as db:
                return [("board-version", await services.board_version(db, meeting_id))]

        return sse_response(app, [board_channel(meeting_id)], initial, last_event_id=request.headers.get("last-event-id"))

    @get("/attendance.xlsx", dependencies=SHEET_FILTERS)
    async def xlsx(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, filters: BoardFilters,
    ) -> Response[bytes]:
        return await _sheet(db_session, actor, meeting_id, "xlsx", filters)

    @get("/attendance.csv", dependencies=SHEET_FILTERS)
    async def csv(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, filters: BoardFilters,
    ) -> Response[bytes]:
        return await _sheet(db_session, actor, meeting_id, "csv", filters)


def _roll_call_from_form(form: dict[str, Any], site: Site) -> RollCallInput:
    """The roll call form, as the API's input: one choice per delegate, plus a newcomer."""
    errors: dict[str, str] = {}
    connected = form.get("connected")
    if connected not in ("yes", "no"):
        errors["connected"] = N_("Say whether the site is connected.")
    present: list[int | Person] = []
    absent: list[AbsentPerson] = []
    for delegate in site.delegates:
        choice = form.get(f"d.{delegate.id}", "")
        if choice == "present":
            present.append(delegate.id)
        elif choice == "absent":
            absent.append(AbsentPerson(person=delegate.id, reason=str(form.get(f"reason.{delegate.id}", ""))))
    newcomer = Person(
        full_name=str(form.get("new.full_name", "")),
        position=str(form.get("new.position", "")),
        organization=str(form.get("new.organization", "")) or None,
    )
    new_status = form.get("new.status", "present")
    if newcomer.full_name.strip():
        if new_status == "absent":
            absent.append(AbsentPerson(person=newcomer, reason=str(form.get("new.reason", ""))))
        else:
            present.append(newcomer)
    elif form.get("new.position", "").strip() or form.get("new.organization", "").strip():
        errors["new.full_name"] = N_("Enter the full name.")
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", field_errors=errors)
    return RollCallInput(connected=connected == "yes", present=present, absent=absent)


def _back_query(raw: str) -> str:
    """The board's filters to return to, rebuilt from known keys only."""
    pairs = [(k, v) for k, v in parse_qsl(raw or "") if k in FILTER_KEYS]
    return ("?" + urlencode(pairs)) if pairs else ""


class RollCallPages(Controller):
    """Roll call on the day (điểm danh): editors record it, viewers read it."""

    path = "/meetings/{meeting_id:int}/roll-call"
    include_in_schema = False

    async def _page_context(
        self, db: AsyncSession, actor: Any, meeting_id: int, filters: BoardFilters
    ) -> dict[str, Any]:
        meeting = await get_meeting(db, actor, meeting_id)
        return {
            "meeting": meeting,
            "user": actor,
            "filters": filters,
            "result": await services.board_rows(db, actor, meeting_id, filters, page_size=ROLL_CALL_PAGE_SIZE),
            "totals": await services.roll_call_totals(db, meeting_id),
            "provinces": await services.province_counts(db, actor, meeting_id),
        }

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        actor: User | None,
        meeting_id: int,
        response: str = "",
        connected: str = "",
        q: str = "",
        page_number: Annotated[int, Parameter(query="page", ge=1, le=100_000)] = 1,
        province: str = "",
    ) -> Template:
        filters = _filters(response, "", "", connected, q, page_number, province)
        context = await self._page_context(db_session, actor, meeting_id, filters)
        await end_reading(db_session)
        template = "attendance/_roll_call_list.html" if _fragment_wanted(request) else "attendance/roll_call.html"
        return Template(template_name=template, context=context)

    @post("/{site_id:int}")
    async def save(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int
    ) -> Template | Redirect:
        form = await form_data(request)
        back = _back_query(str(form.get("_back", "")))
        site = await services.get_site(db_session, actor, meeting_id, site_id)
        try:
            site = await services.roll_call(db_session, actor, meeting_id, site_id, _roll_call_from_form(form, site))
        except InvalidInput as exc:
            return await self._site_answer(
                request, db_session, actor, meeting_id, site_id, back,
                errors=exc.field_errors, message=exc.message, form=form, status_code=422,
            )
        if not is_htmx(request):
            return Redirect(f"/meetings/{meeting_id}/roll-call{back}#site-{site_id}")
        return await self._site_answer(request, db_session, actor, meeting_id, site_id, back, saved=True)

    async def _site_answer(
        self, request: Request[Any, Any, Any], db: AsyncSession, actor: Any, meeting_id: int, site_id: int,
        back: str, *, errors: dict[str, str] | None = None, message: str | None = None,
        form: dict[str, Any] | None = None, saved: bool = False, status_code: int = 200,
    ) -> Template:
        """The site's card (htmx), or the page with the card showing its errors."""
        meeting = await get_meeting(db, actor, meeting_id)
        site = await services.get_site(db, actor, meeting_id, site_id)
        await db.refresh(site, ["delegates"])
        totals = await services.roll_call_totals(db, meeting_id)
        common = {
            "meeting": meeting, "user": actor, "totals": totals, "back": back,
            "site_errors": {site_id: errors or {}}, "site_message": {site_id: message} if message else {},
            "site_form": {site_id: form} if form else {}, "saved": {site_id} if saved else set(),
        }
        row = services.BoardRow(
            id=site.id, name=site.name, role=site.role, response=site.response, reason=site.reason,
            expected_delegates=site.expected_delegates, technical_check=site.technical_check,
            technical_note=site.technical_note, connected=site.connected,
            last_activity_at=site.last_activity_at or site.responded_at,
            delegates=tuple(
                services.DelegateRow(
                    d.id, d.full_name, d.position, d.organization, d.present, d.absence_reason, d.arrived_late
                )
                for d in site.delegates
            ),
        )
        if is_htmx(request):
            return page("attendance/_roll_call_site.html", status_code=status_code, row=row, oob_totals=True, **common)
        filters = BoardFilters.parse(**{k: v for k, v in parse_qsl(back.lstrip("?")) if k in FILTER_KEYS and k != "page"})
        context = await self._page_context(db, actor, meeting_id, filters)
        context.update(common)
        return page("attendance/roll_call.html", status_code=status_code, **context)


def _roll_call_out(site: Site) -> RollCallOut:
    return RollCallOut(
        site_id=site.id,
        connected=site.connected,
        roll_called_at=site.roll_called_at.isoformat() if site.roll_called_at else None,
        delegates=[
            RollCallDelegateOut(
                id=d.id, full_name=d.full_name, position=d.position, organization=d.organization or None,
                present=d.present, absence_reason=d.absence_reason, arrived_late=d.arrived_late,
            )
            for d in site.delegates
        ],
    )


class AttendanceApi(Controller):
    path = "/api/v1/meetings/{meeting_id:int}"
    tags = ["attendance"]

    @get("/attendance")
    async def summary(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> dict[str, Any]:
        """Counts over every site (answers, delegates, technical checks) and the roll call totals."""
        counts = await services.board_counts(db_session, actor, meeting_id)
        totals = await services.roll_call_totals(db_session, meeting_id)
        return {"counts": counts.__dict__, "roll_call": RollCallTotalsOut(**totals.__dict__)}

    @get("/attendance/provinces")
    async def provinces(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> list[dict[str, Any]]:
        """Per-province counts (official order; ``code`` null: sites that are no official unit):
        sites, attending, declined, silent, connected, not_connected, delegates_confirmed."""
        counts = await services.province_counts(db_session, actor, meeting_id)
        return [{**c.__dict__, "answered": c.answered} for c in counts]

    @put("/sites/{site_id:int}/roll-call")
    async def roll_call(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, site_id: int,
        data: Annotated[RollCallInput, Body()],
    ) -> RollCallOut:
        """Record a site's roll call: connected or not, delegates present, absent with a reason.

        ``present`` and ``absent[].person`` take a delegate id or a person; a person who is not
        yet a delegate of the site is added (arrived late once the meeting has started).
        """
        site = await services.roll_call(db_session, actor, meeting_id, site_id, data)
        return _roll_call_out(site)

    @get("/attendance.xlsx", dependencies=SHEET_FILTERS)
    async def xlsx(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, filters: BoardFilters,
    ) -> Response[bytes]:
        """The attendance sheet: one row per delegate, Vietnamese headings; the board's
        filters (``province``, ``response``, ``check``, ``role``, ``connected``, ``q``)
        narrow it. Sites that are official units add a sheet of per-province counts."""
        return await _sheet(db_session, actor, meeting_id, "xlsx", filters)

    @get("/attendance.csv", dependencies=SHEET_FILTERS)
    async def csv(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, filters: BoardFilters,
    ) -> Response[bytes]:
        """The attendance sheet as CSV in UTF-8 with a byte order mark (opens in Excel),
        narrowed by the board's filters as the XLSX is."""
        return await _sheet(db_session, actor, meeting_id, "csv", filters)


ROUTES = [BoardPages, RollCallPages, AttendanceApi]
