"""Row 17 of #13: ``/verify`` lookups are rate limited per address."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from confmgr.web.security import VERIFY_PER_MINUTE


def test_row17_verify_lookups_are_rate_limited(app: Any) -> None:
    async def lookups() -> tuple[list[int], int, int]:
        transport = httpx.ASGITransport(app=app, client=("198.51.100.17", 1))
        other = httpx.ASGITransport(app=app, client=("198.51.100.18", 1))
        async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://t") as http, \
                httpx.AsyncClient(transport=other, base_url="http://t") as neighbour:
            statuses = [(await http.get("/verify", params={"number": f"{n + 1}/BB-UBND", "year": "2026"})).status_code
                        for n in range(VERIFY_PER_MINUTE + 5)]
            plain = (await http.get("/verify")).status_code
            elsewhere = (await neighbour.get("/verify", params={"number": "1/BB-UBND", "year": "2026"})).status_code
        return statuses, plain, elsewhere

    statuses, plain, elsewhere = asyncio.run(lookups())
    assert statuses[:VERIFY_PER_MINUTE] == [200] * VERIFY_PER_MINUTE, statuses
    assert statuses[VERIFY_PER_MINUTE:] == [429] * 5
    assert plain == 200  # the empty form is not a lookup
    assert elsewhere == 200
