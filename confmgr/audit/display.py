"""The change log as people read it: what was done in words, people and sites by
name, local times, and old → new values as text (never ids, ``None`` or dicts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr.agenda.models import AgendaItem, Contribution, MeetingMaterial, SpeakRequest
from confmgr.audit.models import AuditEntry
from confmgr.i18n import N_, gettext
from confmgr.labels import CHECK_LABELS, MODE_LABELS, RESPONSE_LABELS, ROLE_LABELS, SITE_ROLE_LABELS, STATUS_LABELS
from confmgr.sites.models import Site
from confmgr.web.render import page_datetime as vn_datetime

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
}
HIDDEN = {"file_id", "token_hash", "token_encrypted", "contribution_ids"}


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


async def _name_maps(db: AsyncSession, meeting_id: int) -> dict[str, dict[int, str]]:
    speakers = await db.execute(select(SpeakRequest.id, SpeakRequest.speaker).where(SpeakRequest.meeting_id == meeting_id))
    return {
        "site": _names(await db.execute(select(Site.id, Site.name).where(Site.meeting_id == meeting_id))),
        "agenda_item": _names(await db.execute(select(AgendaItem.id, AgendaItem.title).where(AgendaItem.meeting_id == meeting_id))),
        "contribution": _names(await db.execute(select(Contribution.id, Contribution.title).where(Contribution.meeting_id == meeting_id))),
        "meeting_document": _names(await db.execute(
            select(MeetingMaterial.id, MeetingMaterial.title).where(MeetingMaterial.meeting_id == meeting_id))),
        "speak_request": {int(i): str((s or {}).get("full_name") or "") for i, s in speakers},
    }


def _when(value: str) -> str | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return vn_datetime(moment) if moment.tzinfo is not None else None


def text_of(value: Any, key: str = "", names: dict[str, dict[int, str]] | None = None) -> str:
    """One value as a person reads it."""
    names = names or {}
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return gettext(N_("Yes")) if value else gettext(N_("No"))
    if key in ("previous",) and isinstance(value, int):
        return names.get("agenda_item", {}).get(value) or "—"
    if key == "item_ids" and isinstance(value, list):
        items = names.get("agenda_item", {})
        return "; ".join(items.get(v, "?") for v in value if isinstance(v, int))
    if isinstance(value, str):
        labels = {"status": STATUS_LABELS, "mode": MODE_LABELS, "response": RESPONSE_LABELS,
                  "technical_check": CHECK_LABELS, "role": {**SITE_ROLE_LABELS, **ROLE_LABELS}}.get(key)
        if labels and value in labels:
            return gettext(labels[value])
        return _when(value) or value
    if isinstance(value, dict):
        if "full_name" in value:
            parts = [value.get("full_name"), value.get("position"), value.get("organization")]
            return ", ".join(str(p) for p in parts if p) or "—"
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


def describe(entry: AuditEntry, names: dict[str, dict[int, str]]) -> Row:
    name = names.get(entry.entity, {}).get(entry.entity_id or 0) or _named(entry.changes or {})
    template = ACTIONS.get((entry.action, entry.entity))
    quoted = "«" + name + "»" if name else ""
    what = gettext(template, name=quoted).replace("  ", " ").strip() if template else entry.action
    kinds = {"user": N_("user"), "site": N_("site"), "system": N_("system")}
    row = Row(when=vn_datetime(entry.created_at), who=entry.actor_label, who_kind=gettext(kinds.get(entry.actor_kind, "system")), what=what)
    changes = entry.changes or {}
    pairs = entry.action in ("update", "status", "respond", "technical_check", "roll_call", "start", "finish",
                             "invite", "end", "reopen", "archive", "issue_documents", "rotate_link", "revoke_link")
    for key, value in changes.items():
        if key in HIDDEN:
            continue
        label = gettext(FIELDS.get(key, key))
        if pairs and isinstance(value, list) and len(value) == 2 and key not in ("item_ids", "added", "delegates_names"):
            row.changes.append(Change(label, text_of(value[0], key, names), text_of(value[1], key, names)))
        else:
            row.changes.append(Change(label, None, text_of(value, key, names)))
    return row


async def readable_log(db: AsyncSession, entries: list[AuditEntry], meeting_id: int) -> list[Row]:
    names = await _name_maps(db, meeting_id)
    return [describe(e, names) for e in entries]
