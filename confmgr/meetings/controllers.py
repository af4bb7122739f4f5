"""Meeting pages and ``/api/v1/meetings``: parse, call the service, render."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.params import Body, Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import User
from confmgr.accounts.permissions import require_editor
from confmgr.errors import InvalidInput
from confmgr.meetings import services
from confmgr.meetings.access import get_meeting
from confmgr.meetings.status import change_status, offered_actions
from confmgr.meetings.models import Meeting, MeetingStatus
from confmgr.meetings.schemas import CopyInput, MeetingInput, MeetingOut, MeetingPatch, TimeInput
from confmgr.schemas import Person
from confmgr.sites.services import count_sites, list_sites
from confmgr.timeutil import input_value, to_vn
from confmgr.web.confirm import CONSEQUENCES, confirm_page, is_confirmed, start_question
from confmgr.web.forms import form_data, to_struct
from confmgr.web.render import page, page_or_fragment


def meeting_out(meeting: Meeting, sites_count: int = 0) -> MeetingOut:
    # Times leave the API in Vietnam time (+07:00), whatever the database returns.
    return MeetingOut(
        id=meeting.id,
        title=meeting.title,
        starts_at=to_vn(meeting.starts_at),  # type: ignore[arg-type]
        ends_at=to_vn(meeting.ends_at),  # type: ignore[arg-type]
        mode=meeting.mode,
        venue=meeting.venue,
        status=meeting.status,
        chair=msgspec.convert(meeting.chair or {}, Person),
        secretary=msgspec.convert(meeting.secretary or {}, Person),
        response_deadline=to_vn(meeting.response_deadline),
        description=meeting.description,
        actual_started_at=to_vn(meeting.actual_started_at),
        actual_ended_at=to_vn(meeting.actual_ended_at),
        copied_from_id=meeting.copied_from_id,
        sites_count=sites_count,
    )


def _form_from_meeting(meeting: Meeting) -> dict[str, Any]:
    form: dict[str, Any] = {
        "title": meeting.title,
        "starts_at": input_value(meeting.starts_at),
        "ends_at": input_value(meeting.ends_at),
        "response_deadline": input_value(meeting.response_deadline),
        "mode": meeting.mode,
        "venue": meeting.venue,
        "description": meeting.description,
    }
    for role in ("chair", "secretary"):
        for key, value in (getattr(meeting, role) or {}).items():
            form[f"{role}.{key}"] = value or ""
    return form


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class MeetingPages(Controller):
    path = "/meetings"
    include_in_schema = False

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        actor: User | None,
        q: str = "",
        date_from: str | None = None,
        date_to: str | None = None,
        status: str = "",
        page_number: Annotated[int, Parameter(query="page", ge=1)] = 1,
    ) -> Template:
        query = services.MeetingQuery(
            q=q, date_from=_parse_date(date_from), date_to=_parse_date(date_to),
            status=status if status in {s.value for s in MeetingStatus} else "", page=page_number,
        )
        result = await services.search_meetings(db_session, actor, query)
        return page_or_fragment(
            request, "meetings/list.html", "meetings/_table.html",
            result=result, query=query, statuses=[s.value for s in MeetingStatus], user=actor,
        )

    @get("/new")
    async def new(self, actor: User | None) -> Template:
        require_editor(actor)
        return page("meetings/form.html", form={"mode": "hybrid"}, errors={}, meeting=None)

    @post("/new")
    async def create(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None) -> Template | Redirect:
        form = await form_data(request)
        try:
            meeting = await services.create_meeting(db_session, actor, to_struct(MeetingInput, form))
        except InvalidInput as exc:
            return page("meetings/form.html", form=form, errors=exc.field_errors, message=exc.message, meeting=None, status_code=422)
        return Redirect(f"/meetings/{meeting.id}")

    @get("/{meeting_id:int}")
    async def show(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template:
        meeting = await get_meeting(db_session, actor, meeting_id)
        sites = await list_sites(db_session, actor, meeting_id)
        return page(
            "meetings/show.html", meeting=meeting, sites=sites, user=actor,
            transitions=await offered_actions(db_session, meeting),
        )

    @get("/{meeting_id:int}/edit")
    async def edit(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template:
        require_editor(actor)
        meeting = await get_meeting(db_session, actor, meeting_id)
        return page("meetings/form.html", form=_form_from_meeting(meeting), errors={}, meeting=meeting)

    @post("/{meeting_id:int}/edit")
    async def update(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> Template | Redirect:
        form = await form_data(request)
        try:
            data = to_struct(MeetingInput, form)
            patch_data = MeetingPatch(**{f: getattr(data, f) for f in MeetingInput.__struct_fields__})
            await services.update_meeting(db_session, actor, meeting_id, patch_data)
        except InvalidInput as exc:
            meeting = await get_meeting(db_session, actor, meeting_id)
            return page("meetings/form.html", form=form, errors=exc.field_errors, message=exc.message, meeting=meeting, status_code=422)
        return Redirect(f"/meetings/{meeting_id}")

    @get("/{meeting_id:int}/copy")
    async def copy_form(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template:
        meeting = await get_meeting(db_session, actor, meeting_id)
        suggested = meeting.starts_at + timedelta(days=365)
        return page(
            "meetings/copy.html", meeting=meeting, errors={},
            form={"title": meeting.title, "starts_at": input_value(suggested)},
        )

    @post("/{meeting_id:int}/copy")
    async def copy(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> Template | Redirect:
        form = await form_data(request)
        try:
            copy = await services.copy_meeting(
                db_session, actor, request.app.state.site_keys, meeting_id, to_struct(CopyInput, form)
            )
        except InvalidInput as exc:
            meeting = await get_meeting(db_session, actor, meeting_id)
            return page("meetings/copy.html", meeting=meeting, form=form, errors=exc.field_errors, message=exc.message, status_code=422)
        return Redirect(f"/meetings/{copy.id}")

    @post("/{meeting_id:int}/status/{action:str}")
    async def change_status(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, action: str
    ) -> Template | Redirect:
        form = await form_data(request)
        if action in CONSEQUENCES and not is_confirmed(form):
            meeting = await services.get_meeting(db_session, actor, meeting_id)
            question = start_question(meeting.starts_at) if action == "start" and not form.get("at") else None
            return confirm_page(
                f"/meetings/{meeting_id}/status/{action}", action, form, f"/meetings/{meeting_id}", meeting.title, question
            )
        at = to_struct(TimeInput, {"at": form.get("at", "")}).at
        await change_status(db_session, actor, meeting_id, action, at)
        return Redirect(f"/meetings/{meeting_id}")


class MeetingApi(Controller):
    path = "/api/v1/meetings"
    tags = ["meetings"]

    @post("/")
    async def create(self, db_session: AsyncSession, actor: User | None, data: Annotated[MeetingInput, Body()]) -> MeetingOut:
        """Create a meeting (status draft)."""
        meeting = await services.create_meeting(db_session, actor, data)
        return meeting_out(meeting)

    @get("/")
    async def list_meetings(
        self,
        db_session: AsyncSession,
        actor: User | None,
        q: str = "",
        date_from: date | None = None,
        date_to: date | None = None,
        status: str = "",
        page_number: Annotated[int, Parameter(query="page", ge=1)] = 1,
    ) -> list[MeetingOut]:
        """Meetings, newest first; ``q`` searches titles without regard to accents."""
        result = await services.search_meetings(
            db_session, actor, services.MeetingQuery(q=q, date_from=date_from, date_to=date_to, status=status, page=page_number)
        )
        return [meeting_out(m) for m in result.items]

    @get("/{meeting_id:int}")
    async def read(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> MeetingOut:
        meeting = await get_meeting(db_session, actor, meeting_id)
        return meeting_out(meeting, await count_sites(db_session, meeting.id))

    @patch("/{meeting_id:int}")
    async def change(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, data: Annotated[MeetingPatch, Body()]
    ) -> MeetingOut:
        meeting = await services.update_meeting(db_session, actor, meeting_id, data)
        return meeting_out(meeting, await count_sites(db_session, meeting.id))

    @post("/{meeting_id:int}/copy")
    async def copy(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[CopyInput, Body()],
    ) -> MeetingOut:
        """A new draft with the same shape and sites; new links, no answers."""
        meeting = await services.copy_meeting(db_session, actor, request.app.state.site_keys, meeting_id, data)
        return meeting_out(meeting, await count_sites(db_session, meeting.id))

    async def _step(self, db: AsyncSession, actor: Any, meeting_id: int, action: str, data: TimeInput | None) -> MeetingOut:
        meeting = await change_status(db, actor, meeting_id, action, data.at if data else None)
        return meeting_out(meeting)

    @post("/{meeting_id:int}/invite", status_code=200)
    async def invite(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> MeetingOut:
        return await self._step(db_session, actor, meeting_id, "invite", None)

    @post("/{meeting_id:int}/start", status_code=200)
    async def start(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, data: Annotated[TimeInput | None, Body()] = None
    ) -> MeetingOut:
        """Start the meeting now, or at ``at`` to record a past meeting."""
        return await self._step(db_session, actor, meeting_id, "start", data)

    @post("/{meeting_id:int}/end", status_code=200)
    async def end(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, data: Annotated[TimeInput | None, Body()] = None
    ) -> MeetingOut:
        return await self._step(db_session, actor, meeting_id, "end", data)

    @post("/{meeting_id:int}/archive", status_code=200)
    async def archive(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> MeetingOut:
        return await self._step(db_session, actor, meeting_id, "archive", None)


ROUTES = [MeetingPages, MeetingApi]
