"""Shapes shared by several features' inputs and outputs."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from confmgr.db import MAX_ID
from confmgr.i18n import N_
from confmgr.names import join_office
from confmgr.text import clean_line, clean_text


# An id a client sends in a body: beyond the database's integer range it names nothing,
# and is refused with the other input errors (422) before any driver has to convert it.
RecordId = Annotated[int, msgspec.Meta(gt=0, le=MAX_ID)]


class Person(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A person as the pages, the API and the documents name them: full name, position,
    agency (đại biểu, người phát biểu, chủ trì, thư ký). The one type for a person: the
    documents' content carries it too (it pickles to the printing pool's workers)."""

    full_name: str = msgspec.field(default="")
    position: str = ""
    organization: str | None = None

    def cleaned(self) -> dict[str, Any]:
        org = clean_line(self.organization) if self.organization else None
        return {"full_name": clean_line(self.full_name), "position": clean_line(self.position), "organization": org}

    @property
    def office(self) -> str:
        """``Giám đốc Sở Nội vụ``: position then agency, as Vietnamese writes a title,
        never repeating an office (:func:`confmgr.names.join_office`)."""
        return join_office(self.position, self.organization)

    def describe(self) -> str:
        """``Nguyễn Văn An, Giám đốc Sở Nội vụ``."""
        return ", ".join(p for p in (self.full_name.strip(), self.office) if p)


PERSON_FIELDS = ("full_name", "position", "organization")


def person_of(value: dict[str, Any] | None) -> Person | None:
    """A person as stored (a JSON column: chair, presenter, speaker...), cleaned
    (:func:`confmgr.text.clean_text`), or None when it names nobody. The one mapping
    from the stored dict to :class:`Person`, for the pages, the API and the documents."""
    value = value or {}
    name = clean_text(value.get("full_name"))
    if not name:
        return None
    return Person(name, clean_text(value.get("position")), clean_text(value.get("organization")) or None)


def person_errors(prefix: str, person: dict[str, Any], *, required: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if required and not person.get("full_name"):
        errors[f"{prefix}.full_name"] = N_("Enter the full name.")
    for key in ("full_name", "position", "organization"):
        if len(person.get(key) or "") > 200:
            errors[f"{prefix}.{key}"] = N_("At most 200 characters.")
    return errors
