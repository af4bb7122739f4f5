"""Inputs and outputs of the site portal, for the API and the forms alike."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

import msgspec

from confmgr.errors import InvalidInput
from confmgr.i18n import N_
from confmgr.schemas import Person, PERSON_FIELDS

CheckStatus = Literal["ok", "problem"]


class AttendanceInput(msgspec.Struct, forbid_unknown_fields=True):
    """A site's answer (xác nhận tham dự): attending or not, why not, and who comes."""

    attending: bool
    reason: str = ""
    delegates: list[Person] = msgspec.field(default_factory=list)


class TechnicalCheckInput(msgspec.Struct, forbid_unknown_fields=True):
    status: CheckStatus
    note: str = ""


class PortalDelegateOut(msgspec.Struct):
    id: int
    full_name: str
    position: str
    organization: str | None


class PortalSiteOut(msgspec.Struct):
    id: int
    name: str
    role: str
    address: str
    response: str
    reason: str
    responded_at: datetime | None
    delegates: list[PortalDelegateOut]
    technical_check: dict[str, Any]
    can_answer: bool
    # Why the answer can no longer change (English message id, translated in ``detail``).
    closed_reason: str | None = None


class PortalMeetingOut(msgspec.Struct):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    mode: str
    venue: str
    status: str
    chair: Person
    description: str
    response_deadline: datetime | None


class PortalAgendaItemOut(msgspec.Struct):
    id: int
    title: str
    kind: str
    presenter: Person | None
    planned_start: datetime | None  # a fixed start typed for the item, if any
    duration_minutes: int | None
    actual_started_at: datetime | None
    actual_ended_at: datetime | None
    # When the item starts: the meeting's start plus the durations before it (a later
    # fixed start wins), as the agenda page shows; follows durations and reordering.
    starts_at: datetime | None = None


class PortalMaterialOut(msgspec.Struct):
    id: int
    title: str
    file_name: str
    content_type: str
    size: int
    download_url: str


class PortalOut(msgspec.Struct):
    site: PortalSiteOut
    meeting: PortalMeetingOut
    agenda: list[PortalAgendaItemOut]
    # The meeting's materials: the documented name of this field is "documents".
    documents: list[PortalMaterialOut]


# ---- the answer form -----------------------------------------------------------

_DELEGATE_FIELD = re.compile(r"^delegates\.(\d{1,6})\.(full_name|position|organization)$")


def delegate_rows(form: dict[str, Any]) -> list[dict[str, str]]:
    """The delegate rows of the answer form, in the order shown.

    Rows are numbered ``delegates.<n>.<field>``; a row left entirely empty is one of
    the spare rows the form offers, not a delegate.
    """
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.items():
        match = _DELEGATE_FIELD.match(key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = str(value)
    ordered = [rows[i] for i in sorted(rows)]
    return [{f: row.get(f, "") for f in PERSON_FIELDS} for row in ordered if any(v.strip() for v in row.values())]


def attendance_from_form(form: dict[str, Any], rows: list[dict[str, str]]) -> AttendanceInput:
    """The same input the API takes; ``attending`` must be an explicit yes or no."""
    choice = form.get("attending")
    if choice not in ("yes", "no"):
        raise InvalidInput(
            "Please correct the highlighted fields.",
            field_errors={"attending": N_("Choose whether your site attends.")},
        )
    return AttendanceInput(
        attending=choice == "yes",
        reason=str(form.get("reason", "")),
        delegates=[
            Person(full_name=r["full_name"], position=r["position"], organization=r["organization"] or None)
            for r in rows
        ],
    )
