"""Answers that arrive at the same moment are written together (confmgr.writes):
each one is saved or refused on its own, a site answering twice at once ends with
one of its answers whole, never a mix."""

from __future__ import annotations

import asyncio
from typing import Any

from confmgr.errors import NotAuthenticated
from confmgr.portal import services
from confmgr.portal.schemas import AttendanceInput
from confmgr.schemas import Person
from tests.conftest import BACKEND


def _attend(*names: str) -> AttendanceInput:
    return AttendanceInput(attending=True, delegates=[Person(full_name=n, position="Chuyên viên") for n in names])


def _audit_changes(db: Any, site_id: int, action: str) -> list[dict[str, Any]]:
    async def read(session: Any) -> list[dict[str, Any]]:
        from sqlalchemy import select

        from confmgr.audit.models import AuditEntry

        rows = await session.scalars(
            select(AuditEntry.changes)
            .where(AuditEntry.entity == "site", AuditEntry.entity_id == site_id, AuditEntry.action == action)
            .order_by(AuditEntry.id)
        )
        return list(rows)

    return list(db(read))


def test_answers_arriving_together_are_each_saved_or_refused(
    client: Any, site: Any, other_site: Any, site_state: Any, published: list[Any], db: Any
) -> None:
    app = client.app
    writer, keys = app.state.writer, app.state.site_keys

    async def burst() -> list[Any]:
        answers = [
            services.answer(writer, keys, site.token, _attend("Lê Văn Một")),
            services.answer(writer, keys, other_site.token, AttendanceInput(attending=False, reason="Trùng lịch")),
            services.answer(writer, keys, site.token, _attend("Trần Thị Hai", "Phạm Văn Ba")),
            services.answer(writer, keys, "x" * 43, _attend("Người lạ")),
        ]
        return await asyncio.gather(*answers, return_exceptions=True)

    results = client.blocking_portal.call(burst)
    assert [r.id for r in results[:3]] == [site.id, other_site.id, site.id]
    assert isinstance(results[3], NotAuthenticated)
    first = site_state(site.id)
    assert first["response"] == "attending"
    assert first["delegates"] in (["Lê Văn Một"], ["Trần Thị Hai", "Phạm Văn Ba"])
    if BACKEND == "sqlite":
        # One group, written in arrival order: the later answer is the one kept.
        assert first["delegates"] == ["Trần Thị Hai", "Phạm Văn Ba"]
        assert [d.full_name for d in results[2].delegates] == first["delegates"]
        # The second answer's audit entry starts from what the first one wrote.
        earlier, later = _audit_changes(db, site.id, "respond")
        assert later["delegates"] == [["Lê Văn Một"], ["Trần Thị Hai", "Phạm Văn Ba"]]
        assert later["responded_at"][0] == earlier["responded_at"][1]
        assert "response" not in later  # attending already, since the first answer
    assert first["events"] == 2
    assert first["audit"] == [("site", site.id, "respond"), ("site", site.id, "respond")]
    other = site_state(other_site.id)
    assert (other["response"], other["reason"], other["delegates"], other["events"]) == ("declined", "Trùng lịch", [], 1)
    board = [e for e in published if e[1] == "site-updated"]
    assert sorted(e[2] for e in board) == sorted([str(site.id), str(site.id), str(other_site.id)])
    # The answer the API returns is the one stored.
    response = client.get("/api/v1/portal", headers=site.bearer)
    assert [d["full_name"] for d in response.json()["site"]["delegates"]] == first["delegates"]


def test_technical_checks_arriving_together(client: Any, site: Any, other_site: Any, site_state: Any, db: Any) -> None:
    app = client.app
    writer, keys = app.state.writer, app.state.site_keys

    async def burst() -> list[Any]:
        checks = [
            services.report_technical_check(writer, keys, site.token, "problem", "Không nghe được tiếng"),
            services.report_technical_check(writer, keys, other_site.token, "ok"),
            services.report_technical_check(writer, keys, "y" * 43, "ok"),
            services.report_technical_check(writer, keys, site.token, "ok"),
        ]
        return await asyncio.gather(*checks, return_exceptions=True)

    results = client.blocking_portal.call(burst)
    assert (results[0].id, results[0].technical_check, results[0].technical_note) == (
        site.id, "problem", "Không nghe được tiếng",
    )
    assert (results[1].id, results[1].technical_check) == (other_site.id, "ok")
    assert isinstance(results[2], NotAuthenticated)
    assert (results[3].id, results[3].technical_check, results[3].technical_note) == (site.id, "ok", "")
    # The same site twice at once: the later check is the one kept, and its audit
    # entry starts from what the earlier one wrote.
    assert (site_state(site.id)["technical_check"], site_state(site.id)["technical_note"]) == ("ok", "")
    first, second = _audit_changes(db, site.id, "technical_check")
    assert first["technical_check"] == ["not_done", "problem"]
    assert second["technical_check"] == ["problem", "ok"]
    assert second["technical_note"] == ["Không nghe được tiếng", ""]
    assert site_state(other_site.id)["technical_check"] == "ok"
    assert site_state(other_site.id)["audit"] == [("site", other_site.id, "technical_check")]
