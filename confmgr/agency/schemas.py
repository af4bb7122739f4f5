"""The agency profile as the API reads and writes it."""

from __future__ import annotations

import msgspec


class AgencyData(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    parent_name: str
    abbreviation: str
    place_name: str
