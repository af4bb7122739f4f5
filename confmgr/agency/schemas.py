"""The agency profile as the API reads and writes it."""

from __future__ import annotations

import msgspec


class AgencyData(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    parent_name: str
    abbreviation: str
    place_name: str
    # The filing line "Lưu: VT, <drafting_unit>, <archive_copies>b" and the
    # agency's own days off (ISO dates) on top of the public holidays.
    drafting_unit: str = ""
    archive_copies: int | None = None
    days_off: list[str] = msgspec.field(default_factory=list)
