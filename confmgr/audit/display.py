"""The change log as people read it: what was done in words, people and sites by
name, local times, and old → new values as text (never ids, ``None`` or dicts)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.accounts.models import User
from confmgr.agenda.models import AgendaItem, Contribution, MeetingMaterial, SpeakRequest
from confmgr.audit.models import AuditEntry
from confmgr.documents.models import IssuedDocument
from confmgr.i18n import N_, gettext
from confmgr.labels import (
    CHECK_LABELS,
    CONTRIBUTION_STATUS_LABELS,
    KIND_LABELS,
    MODE_LABELS,
    RESPONSE_LABELS,
    ROLE_LABELS,
    SITE_ROLE_LABELS,
    STATUS_LABELS,
)
from confmgr.sites.models import Site
from confmgr.web.render import page_date
from confmgr.web.render import page_datetime as vn_datetime
from confmgr.web.render import province_name

# What was done, by (action, entity); {name} is the thing's name when known.
ACTIONS: dict[tuple[str, str], str] = {
    ("create", "meeting"): N_("Created the meeting"),
    ("update", "meeting"): N_("Changed the meeting"),
    ("copy", "meeting"): N_("Created the meeting as a copy"),
    ("invite", "meeting"): N_("Marked the meeting as invited"),
    ("start", "meeting"): N_("Started the meeting"),
    ("end", "meeting"): N_("Ended the meeting"),
    ("reopen", "meeting"): N_("Reopened the ended meeting"),
    ("issue_documents", "meeting"): N_("Issued the documents"),
    ("archive", "meeting"): N_("Archived the meeting"),
    ("current_speaker", "meeting"): N_("Gave the floor"),
    ("send_invitations", "meeting"): N_("Emailed the invitations"),
    ("send_reminders", "meeting"): N_("Emailed the reminders"),
    ("invitation_results", "meeting"): N_("Invitation emails delivered"),
    ("reminder_results", "meeting"): N_("Reminder emails delivered"),
    ("create", "site"): N_("Added the site {name}"),
    ("delete", "site"): N_("Removed the site {name}"),
    ("add_from_directory", "site"): N_("Added sites from the directory"),
    ("import", "site"): N_("Imported sites"),
    ("rotate_link", "site"): N_("Issued a new link for {name}"),
    ("revoke_link", "site"): N_("Revoked the link of {name}"),
    ("respond", "site"): N_("Answer of {name}"),
    ("technical_check", "site"): N_("Technical check of {name}"),
    ("roll_call", "site"): N_("Roll call of {name}"),
    ("create", "agenda_item"): N_("Added the item {name}"),
    ("update", "agenda_item"): N_("Changed the item {name}"),
    ("delete", "agenda_item"): N_("Deleted the item {name}"),
    ("move_up", "agenda_item"): N_("Moved the item {name} up"),
    ("move_down", "agenda_item"): N_("Moved the item {name} down"),
    ("reorder", "agenda_item"): N_("Reordered the agenda"),
    ("start", "agenda_item"): N_("Started the item {name}"),
    ("finish", "agenda_item"): N_("Finished the item {name}"),
    ("notes", "agenda_item"): N_("Saved the notes of {name}"),
    ("create", "contribution"): N_("Added the paper {name}"),
    ("submit", "contribution"): N_("Sent the paper {name}"),
    ("status", "contribution"): N_("Changed the status of the paper {name}"),
    ("move_up", "contribution"): N_("Moved the paper {name} up"),
    ("move_down", "contribution"): N_("Moved the paper {name} down"),
    ("reorder", "contribution"): N_("Reordered the papers"),
    ("create", "speak_request"): N_("Asked to speak: {name}"),
    ("give_floor", "speak_request"): N_("Gave the floor to {name}"),
    ("done", "speak_request"): N_("{name} finished speaking"),
    ("withdraw", "speak_request"): N_("Withdrew the request to speak of {name}"),
    ("retry_invitations", "meeting"): N_("Emailed again the invitations that could not be sent"),
    ("retry_reminders", "meeting"): N_("Emailed again the reminders that could not be sent"),
    ("add_units", "site"): N_("Added sites from the national list of administrative units"),
    ("confirm_unit", "site"): N_("Confirmed the administrative unit of {name}"),
    ("issue", "issued_document"): N_("Issued {name}"),
    ("correct", "issued_document"): N_("Issued the correction {name}"),
    ("sign", "issued_document"): N_("Signed {name} digitally"),
    ("seal", "issued_document"): N_("Sealed {name} with the agency's digital signature"),
    ("seal_appendix", "issued_document"): N_("Sealed a signed appendix of {name}"),
    ("edit", "minutes"): N_("Edited the draft minutes"),
    ("edit", "conclusions"): N_("Edited the draft conclusions notice"),
    ("upload", "meeting_document"): N_("Uploaded the document {name}"),
    ("update", "meeting_document"): N_("Changed the document {name}"),
    ("delete", "meeting_document"): N_("Deleted the document {name}"),
}
FIELDS = {
    "title": N_("Title"), "starts_at": N_("Starts"), "ends_at": N_("Ends"), "status": N_("Status"),
    "venue": N_("Venue (hall)"), "mode": N_("Form"), "chair": N_("Chair"), "secretary": N_("Secretary"),
    "response_deadline": N_("Sites answer by"), "description": N_("Description"), "response": N_("Answer"),
    "delegates": N_("Delegates"), "technical_check": N_("Technical check"), "technical_note": N_("Note"),
    "technical_checked_at": N_("Checked at"), "last_activity_at": N_("Last activity"),
    "actual_started_at": N_("Started at"), "actual_ended_at": N_("Ended at"), "version": N_("Version"),
    "presenter": N_("Presenter"), "planned_start": N_("Planned start"), "duration_minutes": N_("Duration (minutes)"),
    "kind": N_("Kind"), "connected": N_("Connected"), "present": N_("Present"), "token_revoked": N_("Link revoked"),
    "name": N_("Name"), "role": N_("Role"), "address": N_("Address"), "contact_name": N_("Contact person"),
    "contact_phone": N_("Phone"), "contact_email": N_("Email"), "expected_delegates": N_("Expected delegates"),
    "recipients": N_("Recipients"), "sent": N_("Sent"), "failed": N_("Failed"), "previous": N_("Previous item"),
    "item_ids": N_("New order"), "speaker": N_("Speaker"), "added": N_("Sites added"), "topic": N_("Topic"),
    "published": N_("Published"), "copied_from": N_("Copied from meeting"), "sites": N_("Sites"),
    "responded_at": N_("Answered at"), "attending_count": N_("Delegates attending"),
    "number": N_("Number"), "year": N_("Year"), "issued_on": N_("Date of issue"), "supersedes": N_("Replaces"),
    "stage": N_("Stage"), "method": N_("Signed how"), "signer": N_("Signer"), "organization": N_("Organization"),
    "province": N_("Province"), "type": N_("Division type"), "created": N_("Added"),
    "skipped": N_("Skipped (already there)"), "to_confirm": N_("Names to confirm"), "sections": N_("Sections changed"),
    "site_id": N_("Site"), "job": N_("Mailing no."), "unit_code": N_("Administrative unit code"),
    "absent": N_("Absent"), "reason": N_("Reason"), "file": N_("File"), "summary": N_("Summary"),
    "current_agenda_item_id": N_("Item under way"), "title_of_chair": N_("Title of the chair"),
    "items": N_("Conclusions"), "tasks": N_("Tasks"),
    "assignee": N_("Assigned to"), "due_date": N_("Due"), "on_behalf_of": N_("On behalf of"),
    "prefix": N_("Signing prefix"), "without_email": N_("Sites without an email"),
    "revoked": N_("Sites with a revoked link"), "already_invited": N_("Already invited"),
}
# Internal details nobody reads in a log (hashes, revision numbers, sizes, stored ids).
HIDDEN = {
    "file_id", "token_hash", "token_encrypted", "contribution_ids", "sha256", "file_sha256", "seq", "size",
    "image", "directory_site_id",
}
DOCUMENT_KIND_LABELS = {"minutes": N_("Minutes"), "conclusions": N_("Conclusions notice")}
STAGE_LABELS = {"numbered": N_("Numbered"), "signed": N_("Signed"), "sealed": N_("Sealed by the agency")}
METHOD_LABELS = {
    "external": N_("Signed outside confmgr and uploaded"), "server": N_("Signed in confmgr"),
    "agency": N_("The agency's digital signature"),
}
UNIT_TYPE_LABELS = {"xa": N_("Commune"), "phuong": N_("Ward"), "dac_khu": N_("Special zone")}
SYSTEM_LABEL = N_("The system")
# Labels of stored values, by the key they are stored under.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "status": {**STATUS_LABELS, **CONTRIBUTION_STATUS_LABELS}, "mode": MODE_LABELS, "response": RESPONSE_LABELS,
    "technical_check": CHECK_LABELS, "role": {**SITE_ROLE_LABELS, **ROLE_LABELS},
    "kind": {**KIND_LABELS, **DOCUMENT_KIND_LABELS}, "stage": STAGE_LABELS, "method": METHOD_LABELS,
    "type": UNIT_TYPE_LABELS,
}
# A minutes section key's last part -> its label (``item:3:notes`` -> Notes of item 3).
SECTION_LABELS = {
    "venue": N_("Venue and connected sites"), "attendance": N_("Attendance"), "title": N_("Item title"),
    "presenter": N_("Presenter"), "notes": N_("Notes"), "summary": N_("Contribution"),
    "conclusions": N_("Conclusions of the chair (one a line)"), "recipients": N_("Recipients (one a line)"),
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class Change:
    label: str
    old: str | None
    new: str


@dataclass
class Row:
    when: str
    who: str
    who_kind: str
    what: str
    changes: list[Change] = field(default_factory=list)


def _names(rows: Any) -> dict[int, str]:
    return {int(r[0]): str(r[1] or "") for r in rows}


async def _name_maps(db: AsyncSession, meeting_id: int, entries: list[AuditEntry] | None = None) -> dict[str, dict[int, str]]:
    speakers = await db.execute(select(SpeakRequest.id, SpeakRequest.speaker).where(SpeakRequest.meeting_id == meeting_id))
    issued = await db.execute(
        select(IssuedDocument.id, IssuedDocument.kind, IssuedDocument.number_text).where(IssuedDocument.meeting_id == meeting_id)
    )
    user_ids = {e.actor_id for e in entries or () if e.actor_kind == "user" and e.actor_id is not None}
    users = await db.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))) if user_ids else []
    return {
        "site": _names(await db.execute(select(Site.id, Site.name).where(Site.meeting_id == meeting_id))),
        "agenda_item": _names(await db.execute(select(AgendaItem.id, AgendaItem.title).where(AgendaItem.meeting_id == meeting_id))),
        "contribution": _names(await db.execute(select(Contribution.id, Contribution.title).where(Contribution.meeting_id == meeting_id))),
        "meeting_document": _names(await db.execute(
            select(MeetingMaterial.id, MeetingMaterial.title).where(MeetingMaterial.meeting_id == meeting_id))),
        "speak_request": {int(i): str((s or {}).get("full_name") or "") for i, s in speakers},
        "issued_document": {
            int(i): gettext(N_("{kind} number {number}"), kind=gettext(DOCUMENT_KIND_LABELS.get(k, k)), number=n)
            for i, k, n in issued
        },
        "user": {int(i): str(n) for i, n in users if n},
    }


def _when(value: str) -> str | None:
    if _ISO_DATE.fullmatch(value):
        try:
            return page_date(date.fromisoformat(value))
        except ValueError:
            return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return vn_datetime(moment) if moment.tzinfo is not None else None


def section_label(key: str, names: dict[str, dict[int, str]] | None = None) -> str:
    """A minutes section's key (``item:3:notes``) as a person reads it: ``Notes («Opening»)``."""
    names = names or {}
    parts = key.split(":")
    label = gettext(SECTION_LABELS.get(parts[-1], parts[-1]))
    if len(parts) == 3 and parts[1].isdigit():
        of = {"item": "agenda_item", "site": "site", "contribution": "contribution"}.get(parts[0], "")
        name = names.get(of, {}).get(int(parts[1]))
        if name:
            return f"{label} («{name}»)"
    return label


def text_of(value: Any, key: str = "", names: dict[str, dict[int, str]] | None = None) -> str:
    """One value as a person reads it."""
    names = names or {}
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return gettext(N_("Yes")) if value else gettext(N_("No"))
    if key in ("previous", "current_agenda_item_id") and isinstance(value, int):
        return names.get("agenda_item", {}).get(value) or "—"
    if key == "site_id" and isinstance(value, int):
        return names.get("site", {}).get(value) or "—"
    if key == "item_ids" and isinstance(value, list):
        items = names.get("agenda_item", {})
        return "; ".join(items.get(v, "?") for v in value if isinstance(v, int))
    if key == "sections" and isinstance(value, list):
        return "; ".join(section_label(str(v), names) for v in value)
    if key == "province" and isinstance(value, str):
        return province_name(value) or value
    if isinstance(value, str):
        labels = VALUE_LABELS.get(key)
        if labels and value in labels:
            return gettext(labels[value])
        return _when(value) or value
    if isinstance(value, dict):
        if "full_name" in value:
            parts = [value.get("full_name"), value.get("position"), value.get("organization")]
            shown = ", ".join(str(p) for p in parts if p) or "—"
            return f"{shown} ({value['reason']})" if value.get("reason") else shown
        return "; ".join(f"{gettext(FIELDS.get(k, k))}: {text_of(v, k, names)}" for k, v in value.items() if k not in HIDDEN)
    if isinstance(value, list):
        shown = [text_of(v, key, names) for v in value[:20]]
        more = len(value) - len(shown)
        return "; ".join(shown) + (f" (+{more})" if more > 0 else "")
    return str(value)


def _named(changes: dict[str, Any]) -> str:
    """A removed thing's name, as the entry kept it (the new value of a change)."""
    value = changes.get("title") or changes.get("name") or ""
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value if isinstance(value, str) else ""


def _who(entry: AuditEntry, names: dict[str, dict[int, str]]) -> str:
    """The person by full name (the log keeps the username), a site by name, the system in words."""
    if entry.actor_kind == "system":
        return gettext(SYSTEM_LABEL)
    label = entry.actor_label
    if entry.actor_kind == "user" and entry.actor_id is not None:
        full_name = names.get("user", {}).get(entry.actor_id)
        if full_name:
            # A secretariat user answering through a site's link: "username / site".
            _user, sep, site = label.partition(" / ")
            return f"{full_name} / {site}" if sep else full_name
    return label


# Entries whose changes are ``{field: [old, new]}`` pairs.
PAIRED = {"update", "status", "respond", "technical_check", "roll_call", "start", "finish", "invite", "end", "reopen",
          "archive", "issue_documents", "rotate_link", "revoke_link", "confirm_unit"}


def describe(entry: AuditEntry, names: dict[str, dict[int, str]]) -> Row:
    name = names.get(entry.entity, {}).get(entry.entity_id or 0) or _named(entry.changes or {})
    if not name and entry.entity == "issued_document":
        number = (entry.changes or {}).get("number")
        name = str(number) if isinstance(number, str) else ""
    template = ACTIONS.get((entry.action, entry.entity))
    quoted = "«" + name + "»" if name else ""
    what = gettext(template, name=quoted).replace("  ", " ").strip() if template else entry.action
    kinds = {"user": N_("user"), "site": N_("site")}
    kind = kinds.get(entry.actor_kind)
    row = Row(when=vn_datetime(entry.created_at), who=_who(entry, names), who_kind=gettext(kind) if kind else "", what=what)
    changes = entry.changes or {}
    # An edit of the conclusions records pairs once there was a draft (every value [old, new]).
    pairs = entry.action in PAIRED or (
        entry.action == "edit" and bool(changes) and all(isinstance(v, list) and len(v) == 2 for v in changes.values())
    )
    for key, value in changes.items():
        if key in HIDDEN:
            continue
        label = gettext(FIELDS.get(key, key))
        if pairs and isinstance(value, list) and len(value) == 2 and key not in ("item_ids", "added", "delegates_names", "present", "absent"):
            row.changes.append(Change(label, text_of(value[0], key, names), text_of(value[1], key, names)))
        else:
            row.changes.append(Change(label, None, text_of(value, key, names)))
    return row


async def readable_log(db: AsyncSession, entries: list[AuditEntry], meeting_id: int) -> list[Row]:
    names = await _name_maps(db, meeting_id, entries)
    return [describe(e, names) for e in entries]
