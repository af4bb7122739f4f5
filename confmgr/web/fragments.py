"""Fragments rendered once and shared by everyone asking for the same thing.

Five secretaries watching the board of a national meeting all refresh on the same
live event, at the same moment, for the same 3,321 sites. Each refresh used to read
the same counts and render the same table; on one process (the embedded mode) that
is five times the work while ten thousand phones also wait for their live frames.

A fragment is kept under a key that names everything it depends on, *including a
version of the data* the caller reads first (for the board, a fingerprint of its
sites, delegates and answers). A key is therefore never stale: new data means a new
key. Requests for a key whose rendering is under way wait for it instead of starting
their own (single flight); if that rendering fails, each waiter renders for itself.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable


class _LeaderFailed(Exception):
    """The request rendering a fragment failed or went away; the waiters render it."""


class SharedFragments:
    """A small LRU of rendered fragments, with one rendering at a time per key."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._done: OrderedDict[Hashable, str] = OrderedDict()
        self._flights: dict[Hashable, asyncio.Future[str]] = {}
        self.renders = 0  # how many times a fragment was actually rendered (tests, benchmarks)

    async def get(self, key: Hashable, render: Callable[[], Awaitable[str]]) -> str:
        while True:
            if (done := self._done.get(key)) is not None:
                self._done.move_to_end(key)
                return done
            flight = self._flights.get(key)
            if flight is None:
                return await self._lead(key, render)
            try:
                return await asyncio.shield(flight)
            except _LeaderFailed:
                continue  # the first waiter to wake renders it; the others wait for that one

    async def _lead(self, key: Hashable, render: Callable[[], Awaitable[str]]) -> str:
        flight: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._flights[key] = flight
        try:
            html = await render()
        except BaseException:
            flight.set_exception(_LeaderFailed())
            flight.exception()  # retrieved: nobody waiting is not an error
            raise
        finally:
            if self._flights.get(key) is flight:
                del self._flights[key]
        self.renders += 1
        flight.set_result(html)
        self._done[key] = html
        self._done.move_to_end(key)
        while len(self._done) > self.size:
            self._done.popitem(last=False)
        return html

    def clear(self) -> None:
        self._done.clear()
