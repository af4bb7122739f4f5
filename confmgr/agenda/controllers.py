"""Agenda pages, the live console and ``/api/v1/meetings/{id}/agenda|contributions|
speak-requests|materials``: parse, call one service, render, announce."""

from __future__ import annotations

import json
from typing import Annotated, Any

import msgspec
from litestar import Controller, MediaType, Request, Response, delete, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.params import Body
from litestar.response import File, Redirect, ServerSentEvent, Template
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import User
from confmgr.accounts.permissions import require_editor
from confmgr.agenda import live, services
from confmgr.agenda.models import AgendaItem, Contribution, MeetingMaterial, SpeakRequest
from confmgr.agenda.pdf import agenda_print, build_agenda_pdf
from confmgr.agenda.schedule import planned_starts
from confmgr.agenda.schemas import (
    KINDS,
    AgendaItemInput,
    AgendaItemOut,
    AgendaItemPatch,
    ContributionInput,
    ContributionOut,
    ContributionReorderInput,
    ContributionStatusInput,
    MaterialOut,
    MaterialPatch,
    FileOut,
    LiveOut,
    NotesInput,
    ReorderInput,
    SpeakRequestInput,
    SpeakRequestOut,
)
from confmgr.errors import Conflict, DomainError, InvalidInput
from confmgr.files import services as files
from confmgr.files.models import StoredFile
from confmgr.i18n import gettext
from confmgr.labels import CONTRIBUTION_STATUS_LABELS, KIND_LABELS, REQUEST_STATUS_LABELS
from confmgr.live.events import board_channel
from confmgr.live.stream import short_session, sse_response
from confmgr.meetings.schemas import TimeInput
from confmgr.meetings.access import get_meeting
from confmgr.meetings.status import change_status, offered_actions
from confmgr.printing import pool as printing_pool
from confmgr.schemas import Person, person_of
from confmgr.sites.services import list_sites
from confmgr.timeutil import input_value, now, to_vn
from confmgr.web.auth import session_user
from confmgr.web.confirm import confirm_page, is_confirmed, start_question
from confmgr.web.forms import form_data, nest, to_struct
from confmgr.web.render import is_htmx, page, page_or_fragment


# ---- shapes ------------------------------------------------------------------------


def item_out(item: AgendaItem, position: int) -> AgendaItemOut:
    return AgendaItemOut(
        id=item.id, position=position, title=item.title, kind=item.kind, presenter=person_of(item.presenter),
        planned_start=item.planned_start, duration_minutes=item.duration_minutes,
        actual_started_at=item.actual_started_at, actual_ended_at=item.actual_ended_at,
        notes=item.notes, notes_version=item.notes_version,
    )


def file_out(stored: StoredFile | None) -> FileOut | None:
    if stored is None:
        return None
    return FileOut(id=stored.id, name=stored.original_name, content_type=stored.content_type, size=stored.size, sha256=stored.sha256)


def contribution_out(c: Contribution, site_name: str | None, stored: StoredFile | None, position: int) -> ContributionOut:
    return ContributionOut(
        id=c.id, agenda_item_id=c.agenda_item_id, site_id=c.site_id, site_name=site_name,
        speaker=person_of(c.speaker) or Person(), title=c.title, summary=c.summary, status=c.status,
        position=position, submitted_by_site=c.submitted_by_site, file=file_out(stored),
    )


def request_out(r: SpeakRequest, site_name: str | None) -> SpeakRequestOut:
    return SpeakRequestOut(
        id=r.id, site_id=r.site_id, site_name=site_name, speaker=person_of(r.speaker) or Person(),
        topic=r.topic, status=r.status, requested_at=r.created_at, started_at=r.started_at, finished_at=r.finished_at,
    )


def material_out(d: MeetingMaterial, stored: StoredFile, position: int) -> MaterialOut:
    return MaterialOut(id=d.id, title=d.title, published=d.published, position=position, file=file_out(stored))  # type: ignore[arg-type]


def live_out(state: services.LiveState) -> LiveOut:
    position = next((i for i, it in enumerate(state.items, 1) if state.current_item and it.id == state.current_item.id), 0)
    return LiveOut(
        meeting_id=state.meeting.id, status=state.meeting.status,
        current_item=item_out(state.current_item, position) if state.current_item else None,
        current_speaker=person_of(state.speaker),
        queue=[request_out(e.request, e.site_name) for e in state.queue],
    )


def conflict_json(exc: DomainError) -> Response[Any]:
    body: dict[str, Any] = {"status_code": exc.status_code, "detail": gettext(exc.message, **exc.params)}
    if "current" in exc.extra:
        body["current"] = exc.extra["current"]
    return Response(body, status_code=exc.status_code, media_type=MediaType.JSON)


async def payload_and_file(request: Request[Any, Any, Any]) -> tuple[dict[str, Any], UploadFile | None]:
    """A JSON body, or a multipart form whose fields are JSON (``data``) or dotted names, plus ``file``."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        upload = form.get("file")
        fields = {k: form.get(k) for k in form.keys() if k != "file" and not isinstance(form.get(k), UploadFile)}
        if "data" in fields:
            try:
                payload = json.loads(str(fields["data"]))
            except ValueError as exc:
                raise InvalidInput("The request body is not valid.") from exc
        else:
            payload = nest(fields)
        return (payload if isinstance(payload, dict) else {}), upload if isinstance(upload, UploadFile) else None
    raw = await request.body()
    if not raw.strip():
        return {}, None
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput("The request body is not valid.") from exc
    if not isinstance(payload, dict):
        raise InvalidInput("The request body is not valid.")
    return payload, None


# ---- API ---------------------------------------------------------------------------


class AgendaApi(Controller):
    path = "/api/v1/meetings/{meeting_id:int}"
    tags = ["agenda"]

    @get("/agenda")
    async def list_items(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> list[AgendaItemOut]:
        items = await services.list_items(db_session, actor, meeting_id)
        return [item_out(it, i) for i, it in enumerate(items, 1)]

    @post("/agenda")
    async def create_item(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, data: Annotated[AgendaItemInput, Body()]
    ) -> AgendaItemOut:
        """Add an item at the end of the agenda."""
        item = await services.create_item(db_session, actor, meeting_id, data)
        return item_out(item, item.sort_order)

    @post("/agenda/reorder", status_code=200)
    async def reorder(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, data: Annotated[ReorderInput, Body()]
    ) -> list[AgendaItemOut]:
        """Put the items in the order of ``item_ids`` (every item exactly once)."""
        items = await services.reorder_items(db_session, actor, meeting_id, data.item_ids)
        return [item_out(it, i) for i, it in enumerate(items, 1)]

    @get("/agenda/{item_id:int}")
    async def read_item(self, db_session: AsyncSession, actor: User | None, meeting_id: int, item_id: int) -> AgendaItemOut:
        item = await services.get_item(db_session, actor, meeting_id, item_id)
        return item_out(item, item.sort_order)

    @patch("/agenda/{item_id:int}")
    async def update_item(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, item_id: int,
        data: Annotated[AgendaItemPatch, Body()],
    ) -> AgendaItemOut:
        item = await services.update_item(db_session, actor, meeting_id, item_id, data)
        return item_out(item, item.sort_order)

    @delete("/agenda/{item_id:int}", status_code=204)
    async def delete_item(self, db_session: AsyncSession, actor: User | None, meeting_id: int, item_id: int) -> None:
        await services.delete_item(db_session, actor, meeting_id, item_id)

    @post("/agenda/{item_id:int}/start", status_code=200)
    async def start_item(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, item_id: int,
        data: Annotated[TimeInput | None, Body()] = None,
    ) -> LiveOut:
        """The item is under way (now, or at a past ``at``); the previous one ends."""
        await services.start_item(db_session, actor, meeting_id, item_id, data.at if data else None)
        return live_out(await live.announce(request.app, db_session, meeting_id))

    @post("/agenda/{item_id:int}/finish", status_code=200)
    async def finish_item(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, item_id: int,
        data: Annotated[TimeInput | None, Body()] = None,
    ) -> LiveOut:
        await services.finish_item(db_session, actor, meeting_id, item_id, data.at if data else None)
        return live_out(await live.announce(request.app, db_session, meeting_id))

    @put("/agenda/{item_id:int}/notes")
    async def save_notes(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, item_id: int, data: Annotated[NotesInput, Body()]
    ) -> Response[Any]:
        """Save the notes; a stale ``version`` answers 409 with the current text and version."""
        try:
            item = await services.save_notes(db_session, actor, meeting_id, item_id, data.text, data.version)
        except Conflict as exc:
            return conflict_json(exc)
        return Response({"text": item.notes, "version": item.notes_version, "saved_at": now().isoformat()})

    @get("/live")
    async def live_state(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> LiveOut:
        """What every site sees now: current item, speaker and the queue."""
        await get_meeting(db_session, actor, meeting_id)
        return live_out(await services.live_state(db_session, meeting_id))

    # contributions

    @get("/contributions")
    async def list_contributions(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> list[ContributionOut]:
        rows = await services.list_contributions(db_session, actor, meeting_id)
        return [contribution_out(c, n, f, i) for i, (c, n, f) in enumerate(rows, 1)]

    @post("/contributions")
    async def create_contribution(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> ContributionOut:
        """Register a paper: JSON, or multipart with the fields (or ``data`` as JSON) and ``file``."""
        require_editor(actor)
        payload, upload = await payload_and_file(request)
        data = to_struct(ContributionInput, payload)
        c = await services.create_contribution(db_session, actor, request.app.state.settings, meeting_id, data, upload)
        stored = await db_session.get(StoredFile, c.file_id) if c.file_id else None
        return contribution_out(c, None, stored, c.sort_order)

    @post("/contributions/reorder", status_code=200)
    async def reorder_contributions(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, data: Annotated[ContributionReorderInput, Body()]
    ) -> list[ContributionOut]:
        await services.reorder_contributions(db_session, actor, meeting_id, data.contribution_ids)
        rows = await services.list_contributions(db_session, actor, meeting_id)
        return [contribution_out(c, n, f, i) for i, (c, n, f) in enumerate(rows, 1)]

    @put("/contributions/{contribution_id:int}/status")
    async def contribution_status(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, contribution_id: int,
        data: Annotated[ContributionStatusInput, Body()],
    ) -> ContributionOut:
        """Accept or decline a paper (or set it back to submitted)."""
        c = await services.set_contribution_status(db_session, actor, meeting_id, contribution_id, data.status)
        stored = await db_session.get(StoredFile, c.file_id) if c.file_id else None
        return contribution_out(c, None, stored, c.sort_order)

    @get("/contributions/{contribution_id:int}/file", media_type="application/octet-stream")
    async def contribution_file(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, contribution_id: int
    ) -> File:
        stored = await services.contribution_file_for_user(db_session, actor, meeting_id, contribution_id)
        return files.download(request.app.state.settings, stored)

    # requests to speak

    @get("/speak-requests")
    async def list_requests(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> list[SpeakRequestOut]:
        return [request_out(e.request, e.site_name) for e in await services.list_speak_requests(db_session, actor, meeting_id)]

    @post("/speak-requests")
    async def add_request(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[SpeakRequestInput, Body()],
    ) -> SpeakRequestOut:
        """A request from the hall (or on a site's behalf), at the end of the queue."""
        r = await services.add_speak_request(db_session, actor, meeting_id, data)
        await live.announce(request.app, db_session, meeting_id)
        return request_out(r, None)

    @post("/speak-requests/{request_id:int}/floor", status_code=200)
    async def give_floor(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, request_id: int
    ) -> SpeakRequestOut:
        r = await services.give_floor(db_session, actor, meeting_id, request_id)
        await live.announce(request.app, db_session, meeting_id)
        return request_out(r, None)

    @post("/speak-requests/{request_id:int}/done", status_code=200)
    async def done(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, request_id: int
    ) -> SpeakRequestOut:
        r = await services.finish_speak_request(db_session, actor, meeting_id, request_id)
        await live.announce(request.app, db_session, meeting_id)
        return request_out(r, None)

    @put("/current-speaker")
    async def current_speaker(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        data: Annotated[Person | None, Body()] = None,
    ) -> LiveOut:
        """Name who has the floor (a person), or nobody (``null``)."""
        await services.set_current_speaker(db_session, actor, meeting_id, data)
        return live_out(await live.announce(request.app, db_session, meeting_id))

    # materials (the old ``/documents`` paths keep working for programs written against them)

    @get(["/materials", "/documents"])
    async def list_materials(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> list[MaterialOut]:
        rows = await services.list_materials(db_session, actor, meeting_id)
        return [material_out(d, f, i) for i, (d, f) in enumerate(rows, 1)]

    @post(["/materials", "/documents"])
    async def upload_material(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int
    ) -> MaterialOut:
        """Multipart: ``file``, optional ``title`` and ``published`` (default true)."""
        require_editor(actor)
        payload, upload = await payload_and_file(request)
        published = str(payload.get("published", "true")).lower() not in ("false", "0", "no", "off")
        d = await services.upload_material(
            db_session, actor, request.app.state.settings, meeting_id, str(payload.get("title") or ""), upload,
            published=published,
        )
        stored = await db_session.get(StoredFile, d.file_id)
        return material_out(d, stored, d.sort_order)  # type: ignore[arg-type]

    @patch(["/materials/{material_id:int}", "/documents/{material_id:int}"])
    async def update_material(
        self, db_session: AsyncSession, actor: User | None, meeting_id: int, material_id: int,
        data: Annotated[MaterialPatch, Body()],
    ) -> MaterialOut:
        """Rename, publish (``published: true``) or unpublish a material."""
        d = await services.update_material(
            db_session, actor, meeting_id, material_id,
            title=None if data.title is msgspec.UNSET else data.title,
            published=None if data.published is msgspec.UNSET else data.published,
        )
        stored = await db_session.get(StoredFile, d.file_id)
        return material_out(d, stored, d.sort_order)  # type: ignore[arg-type]

    @delete(["/materials/{material_id:int}", "/documents/{material_id:int}"], status_code=204)
    async def delete_material(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, material_id: int
    ) -> None:
        await services.delete_material(db_session, actor, request.app.state.settings, meeting_id, material_id)

    @get(["/materials/{material_id:int}/file", "/documents/{material_id:int}/file"], media_type="application/octet-stream")
    async def material_file(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, material_id: int
    ) -> File:
        stored = await services.material_file_for_user(db_session, actor, meeting_id, material_id)
        return files.download(request.app.state.settings, stored)


# ---- pages -------------------------------------------------------------------------


def _item_form(item: AgendaItem | None) -> dict[str, Any]:
    if item is None:
        return {"kind": "other"}
    form: dict[str, Any] = {
        "title": item.title, "kind": item.kind, "planned_start": input_value(item.planned_start),
        "duration_minutes": "" if item.duration_minutes is None else str(item.duration_minutes),
    }
    for key, value in (item.presenter or {}).items():
        form[f"presenter.{key}"] = value or ""
    return form


def _kind_options() -> list[tuple[str, str]]:
    return [(k, gettext(KIND_LABELS[k])) for k in KINDS]


def _time_of(form: dict[str, Any]) -> Any:
    return to_struct(TimeInput, {"at": form.get("at", "")}).at


class AgendaPages(Controller):
    path = "/meetings/{meeting_id:int}"
    include_in_schema = False

    async def _agenda_context(self, db: AsyncSession, actor: Any, meeting_id: int, **extra: Any) -> dict[str, Any]:
        meeting = await get_meeting(db, actor, meeting_id)
        items = await services.items_of(db, meeting_id)
        context: dict[str, Any] = {
            "meeting": meeting,
            "items": items,
            "starts": planned_starts(meeting.starts_at, items),
            "contributions": await services.contributions_of(db, meeting_id),
            "materials": await services.materials_of(db, meeting_id),
            "sites": await list_sites(db, actor, meeting_id),
            "user": actor,
            "kinds": _kind_options(),
            "KIND_LABELS": KIND_LABELS,
            "CONTRIBUTION_STATUS_LABELS": CONTRIBUTION_STATUS_LABELS,
            "accept": files.ACCEPT,
            "form": {"kind": "other"},
            "errors": {},
            "cform": {},
            "cerrors": {},
            "dform": {},
            "derrors": {},
        }
        context.update(extra)
        return context

    async def _agenda_page(self, request: Request[Any, Any, Any], db: AsyncSession, actor: Any, meeting_id: int,
                           fragment: str = "agenda/_items.html", status_code: int = 200, **extra: Any) -> Template:
        context = await self._agenda_context(db, actor, meeting_id, **extra)
        return page_or_fragment(request, "agenda/agenda.html", fragment, status_code=status_code, **context)

    @get("/agenda")
    async def agenda(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, added: bool = False
    ) -> Template:
        return await self._agenda_page(request, db_session, actor, meeting_id, added=added)

    @post("/agenda")
    async def add_item(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template | Redirect:
        form = await form_data(request)
        try:
            await services.create_item(db_session, actor, meeting_id, to_struct(AgendaItemInput, form))
        except InvalidInput as exc:
            return await self._agenda_page(
                request, db_session, actor, meeting_id, fragment="agenda/_item_form.html", status_code=422,
                form=form, errors=exc.field_errors, message=exc.message,
            )
        # The form stays open for the next item: an agenda is built item after item.
        return Redirect(f"/meetings/{meeting_id}/agenda?added=true#item-form")

    @get("/agenda/{item_id:int}/edit")
    async def edit_item(self, db_session: AsyncSession, actor: User | None, meeting_id: int, item_id: int) -> Template:
        require_editor(actor)
        item = await services.get_item(db_session, actor, meeting_id, item_id)
        meeting = await get_meeting(db_session, actor, meeting_id)
        return page("agenda/item_form.html", meeting=meeting, item=item, form=_item_form(item), errors={}, kinds=_kind_options())

    @post("/agenda/{item_id:int}/edit")
    async def update_item(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, item_id: int
    ) -> Template | Redirect:
        form = await form_data(request)
        try:
            data = to_struct(AgendaItemInput, form)
            patch_data = AgendaItemPatch(**{f: getattr(data, f) for f in AgendaItemInput.__struct_fields__})
            await services.update_item(db_session, actor, meeting_id, item_id, patch_data)
        except InvalidInput as exc:
            item = await services.get_item(db_session, actor, meeting_id, item_id)
            meeting = await get_meeting(db_session, actor, meeting_id)
            return page("agenda/item_form.html", meeting=meeting, item=item, form=form, errors=exc.field_errors,
                        message=exc.message, kinds=_kind_options(), status_code=422)
        return Redirect(f"/meetings/{meeting_id}/agenda#items")

    @post("/agenda/{item_id:int}/delete")
    async def delete_item(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, item_id: int) -> Template | Redirect:
        await services.delete_item(db_session, actor, meeting_id, item_id)
        if is_htmx(request):
            return await self._agenda_page(request, db_session, actor, meeting_id)
        return Redirect(f"/meetings/{meeting_id}/agenda#items")

    @post("/agenda/order")
    async def reorder_items(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template | Redirect:
        """Drag and drop: the whole new order at once (the up/down buttons stay for the keyboard)."""
        form = await form_data(request)
        try:
            item_ids = [int(v) for v in str(form.get("item_ids", "")).split(",") if v.strip()]
        except ValueError as exc:
            raise InvalidInput("The request body is not valid.") from exc
        await services.reorder_items(db_session, actor, meeting_id, item_ids)
        if is_htmx(request):
            return await self._agenda_page(request, db_session, actor, meeting_id)
        return Redirect(f"/meetings/{meeting_id}/agenda#items")

    @post("/agenda/{item_id:int}/move/{direction:str}")
    async def move_item(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, item_id: int, direction: str
    ) -> Template | Redirect:
        """Up/down: htmx swaps the list; without JavaScript the page reloads at the list."""
        await services.move_item(db_session, actor, meeting_id, item_id, direction)
        if is_htmx(request):
            return await self._agenda_page(request, db_session, actor, meeting_id)
        return Redirect(f"/meetings/{meeting_id}/agenda#item-{item_id}")

    @get("/agenda/print")
    async def print_agenda(self, db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template:
        context = await self._agenda_context(db_session, actor, meeting_id)
        return page("agenda/print.html", **context)

    @get("/agenda.pdf", media_type="application/pdf")
    async def agenda_pdf(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> Response[bytes]:
        meeting = await get_meeting(db_session, actor, meeting_id)
        items = await services.items_of(db_session, meeting_id)
        contributions = [row for row in await services.contributions_of(db_session, meeting_id) if row[0].status == "accepted"]
        settings = request.app.state.settings
        agenda = agenda_print(meeting, items, contributions)
        content = await printing_pool.run(settings.document_workers, build_agenda_pdf, agenda, settings.font_dir)
        name = files.content_disposition(f"Chuong-trinh-hoi-nghi-{meeting.id}.pdf").replace("attachment", "inline", 1)
        return Response(content, media_type="application/pdf", headers={"Content-Disposition": name, "X-Content-Type-Options": "nosniff"})

    # contributions

    @post("/contributions")
    async def add_contribution(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template | Redirect:
        require_editor(actor)
        payload, upload = await payload_and_file(request)
        form = {k: v for k, v in (await form_data(request)).items() if not isinstance(v, UploadFile)}
        try:
            data = to_struct(ContributionInput, payload)
            await services.create_contribution(db_session, actor, request.app.state.settings, meeting_id, data, upload)
        except DomainError as exc:
            if not exc.field_errors and exc.status_code not in (413, 415):
                raise
            return await self._agenda_page(
                request, db_session, actor, meeting_id, fragment="agenda/_contributions.html", status_code=exc.status_code,
                cform=form, cerrors=exc.field_errors or {"file": exc.message}, cmessage=exc.message, cparams=exc.params,
            )
        return Redirect(f"/meetings/{meeting_id}/agenda#contributions")

    @post("/contributions/{contribution_id:int}/status/{status:str}")
    async def contribution_status(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        contribution_id: int, status: str,
    ) -> Template | Redirect:
        await services.set_contribution_status(db_session, actor, meeting_id, contribution_id, status)
        if is_htmx(request):
            return await self._agenda_page(request, db_session, actor, meeting_id, fragment="agenda/_contributions.html")
        return Redirect(f"/meetings/{meeting_id}/agenda#contribution-{contribution_id}")

    @post("/contributions/{contribution_id:int}/move/{direction:str}")
    async def move_contribution(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        contribution_id: int, direction: str,
    ) -> Template | Redirect:
        await services.move_contribution(db_session, actor, meeting_id, contribution_id, direction)
        if is_htmx(request):
            return await self._agenda_page(request, db_session, actor, meeting_id, fragment="agenda/_contributions.html")
        return Redirect(f"/meetings/{meeting_id}/agenda#contribution-{contribution_id}")

    @get("/contributions/{contribution_id:int}/file")
    async def contribution_file(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, contribution_id: int
    ) -> File:
        stored = await services.contribution_file_for_user(db_session, actor, meeting_id, contribution_id)
        return files.download(request.app.state.settings, stored)

    # materials

    @post("/materials")
    async def upload_material(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template | Redirect:
        require_editor(actor)
        payload, upload = await payload_and_file(request)
        form = {k: v for k, v in (await form_data(request)).items() if not isinstance(v, UploadFile)}
        try:
            await services.upload_material(
                db_session, actor, request.app.state.settings, meeting_id, str(payload.get("title") or ""), upload,
                published=payload.get("published") == "1",
            )
        except DomainError as exc:
            if not exc.field_errors and exc.status_code not in (413, 415):
                raise
            return await self._agenda_page(
                request, db_session, actor, meeting_id, fragment="agenda/_materials.html", status_code=exc.status_code,
                dform=form, derrors=exc.field_errors or {"file": exc.message}, dmessage=exc.message, dparams=exc.params,
            )
        return Redirect(f"/meetings/{meeting_id}/agenda#materials")

    @post("/materials/{material_id:int}/{action:str}")
    async def material_action(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int,
        material_id: int, action: str,
    ) -> Template | Redirect:
        settings = request.app.state.settings
        if action == "publish":
            await services.update_material(db_session, actor, meeting_id, material_id, published=True)
        elif action == "unpublish":
            await services.update_material(db_session, actor, meeting_id, material_id, published=False)
        elif action == "delete":
            await services.delete_material(db_session, actor, settings, meeting_id, material_id)
        else:
            raise InvalidInput("Unknown step.")
        if is_htmx(request):
            return await self._agenda_page(request, db_session, actor, meeting_id, fragment="agenda/_materials.html")
        return Redirect(f"/meetings/{meeting_id}/agenda#materials")

    @get(["/materials/{material_id:int}/file", "/documents/{material_id:int}/file"])
    async def material_file(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, material_id: int
    ) -> File:
        stored = await services.material_file_for_user(db_session, actor, meeting_id, material_id)
        return files.download(request.app.state.settings, stored)


class ConsolePages(Controller):
    """The live console (bàn điều hành): run the meeting, the queue and the notes."""

    path = "/meetings/{meeting_id:int}/console"
    include_in_schema = False

    async def _context(self, db: AsyncSession, actor: Any, meeting_id: int, item_id: int | None = None, **extra: Any) -> dict[str, Any]:
        user = require_editor(actor)
        meeting = await get_meeting(db, user, meeting_id)
        state = await services.live_state(db, meeting_id)
        selected = next((i for i in state.items if i.id == item_id), None) if item_id else None
        selected = selected or state.current_item or (state.items[0] if state.items else None)
        context: dict[str, Any] = {
            "meeting": meeting, "state": state, "user": user, "can_edit": True, "selected": selected,
            "starts": planned_starts(meeting.starts_at, state.items),
            "sites": await list_sites(db, user, meeting_id), "transitions": await offered_actions(db, meeting),
            "KIND_LABELS": KIND_LABELS, "REQUEST_STATUS_LABELS": REQUEST_STATUS_LABELS,
            "notes_text": selected.notes if selected else "", "notes_version": selected.notes_version if selected else 0,
            "conflict": None, "rform": {}, "rerrors": {},
        }
        context.update(extra)
        return context

    async def _back(self, request: Request[Any, Any, Any], db: AsyncSession, actor: Any, meeting_id: int, item_id: int | None = None) -> Template | Redirect:
        if is_htmx(request):
            context = await self._context(db, actor, meeting_id, item_id)
            return page("agenda/_console_body.html", **context)
        suffix = f"?item={item_id}" if item_id else ""
        return Redirect(f"/meetings/{meeting_id}/console{suffix}")

    @get("/")
    async def console(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, item: int | None = None
    ) -> Template:
        context = await self._context(db_session, actor, meeting_id, item)
        return page_or_fragment(request, "agenda/console.html", "agenda/_console_body.html", **context)

    @get("/events")
    async def events(self, request: Request[Any, Any, Any], meeting_id: int) -> ServerSentEvent:
        """The console's stream: the queue and current state, as sites change them."""
        app = request.app
        # The check uses a session of its own: the stream must not hold the request's.
        async with short_session(app) as db:
            user = require_editor(await session_user(request, db))
            await get_meeting(db, user, meeting_id)

        async def initial() -> list[tuple[str, str]]:
            async with short_session(app) as db:
                return [(live.QUEUE_EVENT, live.console_html(app, await services.live_state(db, meeting_id)))]

        return sse_response(app, [board_channel(meeting_id)], initial, last_event_id=request.headers.get("last-event-id"))

    @post("/status/{action:str}")
    async def change_meeting_status(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, action: str
    ) -> Template | Redirect:
        """Start or end the meeting (ending it ends the item under way: see meetings.status)."""
        if action not in ("start", "end"):
            raise InvalidInput("Unknown step.")
        form = await form_data(request)
        if not is_confirmed(form):
            shown = await get_meeting(db_session, actor, meeting_id)
            question = start_question(shown.starts_at) if action == "start" and not form.get("at") else None
            return confirm_page(
                f"/meetings/{meeting_id}/console/status/{action}", action, form, f"/meetings/{meeting_id}/console/", shown.title,
                question,
            )
        await change_status(db_session, actor, meeting_id, action, _time_of(form))
        return await self._back(request, db_session, actor, meeting_id)

    @post("/items/{item_id:int}/{action:str}")
    async def item_action(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, item_id: int, action: str
    ) -> Template | Redirect:
        form = await form_data(request)
        if action == "start" and not is_confirmed(form):
            item = await services.get_item(db_session, actor, meeting_id, item_id)
            shown = await get_meeting(db_session, actor, meeting_id)
            if item.actual_ended_at is not None and shown.current_agenda_item_id != item.id:
                return confirm_page(
                    f"/meetings/{meeting_id}/console/items/{item_id}/start", "reopen_item", form,
                    f"/meetings/{meeting_id}/console/?item={item_id}", item.title,
                )
        if action == "start":
            await services.start_item(db_session, actor, meeting_id, item_id, _time_of(form))
        elif action == "finish":
            await services.finish_item(db_session, actor, meeting_id, item_id, _time_of(form))
        else:
            raise InvalidInput("Unknown step.")
        await live.announce(request.app, db_session, meeting_id)
        return await self._back(request, db_session, actor, meeting_id, item_id)

    @post("/items/{item_id:int}/notes")
    async def save_notes(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, item_id: int
    ) -> Template | Redirect:
        """The form fallback of the notes editor: a stale version shows both texts."""
        form = await form_data(request)
        try:
            version = int(form.get("version", ""))
        except ValueError as exc:
            raise InvalidInput("The request body is not valid.") from exc
        text = str(form.get("text", ""))
        wants_json = "application/json" in request.headers.get("accept", "")
        try:
            item = await services.save_notes(db_session, actor, meeting_id, item_id, text, version)
        except Conflict as exc:
            current = exc.extra.get("current")
            if current is None:
                raise
            if wants_json:
                return conflict_json(exc)  # type: ignore[return-value]
            context = await self._context(
                db_session, actor, meeting_id, item_id, notes_text=text, notes_version=current["version"],
                conflict={"text": current["text"], "version": current["version"], "mine": text},
            )
            return page("agenda/console.html", status_code=409, **context)
        if wants_json:
            moment = now()
            return Response(  # type: ignore[return-value]
                {"text": item.notes, "version": item.notes_version, "saved_at": moment.isoformat(),
                 "saved_at_local": f"{to_vn(moment):%H:%M:%S}"},
                status_code=200,
            )
        return Redirect(f"/meetings/{meeting_id}/console?item={item_id}#notes")

    @post("/speak-requests")
    async def add_request(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template | Redirect:
        form = await form_data(request)
        try:
            await services.add_speak_request(db_session, actor, meeting_id, to_struct(SpeakRequestInput, form))
        except InvalidInput as exc:
            context = await self._context(db_session, actor, meeting_id, rform=form, rerrors=exc.field_errors, rmessage=exc.message)
            name = "agenda/_console_body.html" if is_htmx(request) else "agenda/console.html"
            return page(name, status_code=422, **context)
        await live.announce(request.app, db_session, meeting_id)
        return await self._back(request, db_session, actor, meeting_id)

    @post("/speak-requests/{request_id:int}/{action:str}")
    async def request_action(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int, request_id: int, action: str
    ) -> Template | Redirect:
        if action == "floor":
            await services.give_floor(db_session, actor, meeting_id, request_id)
        elif action == "done":
            await services.finish_speak_request(db_session, actor, meeting_id, request_id)
        else:
            raise InvalidInput("Unknown step.")
        await live.announce(request.app, db_session, meeting_id)
        return await self._back(request, db_session, actor, meeting_id)

    @post("/speaker")
    async def set_speaker(self, request: Request[Any, Any, Any], db_session: AsyncSession, actor: User | None, meeting_id: int) -> Template | Redirect:
        form = await form_data(request)
        data = to_struct(Person, {k.removeprefix("speaker."): v for k, v in form.items()})
        await services.set_current_speaker(db_session, actor, meeting_id, data if data.full_name else None)
        await live.announce(request.app, db_session, meeting_id)
        return await self._back(request, db_session, actor, meeting_id)


ROUTES = [AgendaApi, AgendaPages, ConsolePages]
