"""Inputs of the attendance feature: the board's filters and a site's roll call."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from confmgr.schemas import Person
from confmgr.sites.units import province_of

RESPONSES = ("pending", "attending", "declined")
CHECKS = ("not_done", "ok", "problem")
ROLES = ("host", "remote")
CONNECTED = ("yes", "no", "unknown")


@dataclass(frozen=True)
class BoardFilters:
    """What the secretariat narrows the board to; an unknown value means "any"."""

    response: str = ""
    check: str = ""
    role: str = ""
    connected: str = ""
    q: str = ""
    page: int = 1
    province: str = ""  # an official province code (sites/units.py)

    @classmethod
    def parse(
        cls, response: str = "", check: str = "", role: str = "", connected: str = "", q: str = "", page: int = 1,
        province: str = "",
    ) -> BoardFilters:
        known = province_of(province) if province and province != "none" else None
        return cls(
            province="none" if province == "none" else (known.code if known else ""),
            response=response if response in RESPONSES else "",
            check=check if check in CHECKS else "",
            role=role if role in ROLES else "",
            connected=connected if connected in CONNECTED else "",
            q=(q or "").strip()[:200],
            page=max(1, page),
        )

    def query(self, page: int | None = None) -> dict[str, str]:
        """The filters as GET parameters (empty ones left out), for links and refreshes."""
        values = {
            "response": self.response, "check": self.check, "role": self.role,
            "connected": self.connected, "q": self.q, "province": self.province,
        }
        params = {k: v for k, v in values.items() if v}
        chosen = self.page if page is None else page
        if chosen > 1:
            params["page"] = str(chosen)
        return params


class AbsentPerson(msgspec.Struct, forbid_unknown_fields=True):
    """A delegate who is absent: a delegate id, or a person not yet on the site's list."""

    person: int | Person
    reason: str = ""


class RollCallInput(msgspec.Struct, forbid_unknown_fields=True):
    """A site's roll call (điểm danh): connected or not, who is present, who is absent and why."""

    connected: bool
    present: list[int | Person] = msgspec.field(default_factory=list)
    absent: list[AbsentPerson] = msgspec.field(default_factory=list)


class RollCallDelegateOut(msgspec.Struct):
    id: int
    full_name: str
    position: str
    organization: str | None
    present: bool | None
    absence_reason: str
    arrived_late: bool


class RollCallOut(msgspec.Struct):
    site_id: int
    connected: bool | None
    roll_called_at: str | None
    delegates: list[RollCallDelegateOut]


class RollCallTotalsOut(msgspec.Struct):
    sites: int
    sites_connected: int
    sites_not_connected: int
    sites_not_called: int
    delegates: int
    delegates_present: int
    delegates_absent: int
    delegates_late: int
