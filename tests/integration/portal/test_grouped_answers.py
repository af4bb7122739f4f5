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


def test_answers_arriving_together_are_each_saved_or_refused(
    client: Any, site: Any, other_site: Any, site_state: Any, published: list[Any]
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
    assert first["events"] == 2
    assert first["audit"] == [("site", site.id, "respond"), ("site", site.id, "respond")]
    other = site_state(other_site.id)
    assert (other["response"], other["reason"], other["delegates"], other["events"]) == ("declined", "Trùng lịch", [], 1)
    board = [e for e in published if e[1] == "site-updated"]
    assert sorted(e[2] for e in board) == sorted([str(site.id), str(site.id), str(other_site.id)])
    # The answer the API returns is the one stored.
    response = client.get("/api/v1/portal", headers=site.bearer)
    assert [d["full_name"] for d in response.json()["site"]["delegates"]] == first["delegates"]


def test_technical_checks_arriving_together(client: Any, site: Any, other_site: Any, site_state: Any) -> None:
    app = client.app
    writer, keys = app.state.writer, app.state.site_keys

    async def burst() -> list[Any]:
        checks = [
            services.report_technical_check(writer, keys, site.token, "problem", "Không nghe được tiếng"),
            services.report_technical_check(writer, keys, other_site.token, "ok"),
            services.report_technical_check(writer, keys, "y" * 43, "ok"),
        ]
        return await asyncio.gather(*checks, return_exceptions=True)

    results = client.blocking_portal.call(burst)
    assert (results[0].id, results[0].technical_check, results[0].technical_note) == (
        site.id, "problem", "Không nghe được tiếng",
    )
    assert (results[1].id, results[1].technical_check) == (other_site.id, "ok")
    assert isinstance(results[2], NotAuthenticated)
    assert (site_state(site.id)["technical_check"], site_state(site.id)["technical_note"]) == (
        "problem", "Không nghe được tiếng",
    )
    assert site_state(other_site.id)["technical_check"] == "ok"
    assert site_state(other_site.id)["audit"] == [("site", other_site.id, "technical_check")]
