"""Fragments rendered once for everyone who asks at the same moment.

Five secretaries watching the board of a national meeting all refresh on the same
live event, at the same moment, for the same 3,321 sites; after a restart 10,000
phones ask for the live view's state within seconds. Each of them used to read and
render the same thing; on one process (the embedded mode) that is many times the work,
while everybody else waits for the event loop.

A caller may only be given a rendering that **started after it asked**: one that
started before could miss a change committed in between (the very change that made a
board refresh), and nothing would tell it. So a caller arriving while a rendering of
its key is under way does not share that one, nor start its own: it joins the *next*
rendering of the key, which starts when the current one ends and serves everyone who
arrived meanwhile. However many ask, a key has at most one rendering under way and one
waiting. If a rendering fails, its callers get the error; if its caller went away
before it finished, the first waiter to wake renders in its place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable


class _Abandoned(Exception):
    """The caller doing the rendering went away before it finished."""


class SharedFragments:
    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future[str]] = {}
        self._next: dict[Hashable, asyncio.Future[str]] = {}
        self.renders = 0  # how many renderings actually ran (tests, benchmarks)

    async def get(self, key: Hashable, render: Callable[[], Awaitable[str]]) -> str:
        """``render()``'s result, from a rendering that started after this call."""
        while True:
            waiting = self._next.get(key)
            if waiting is None:
                return await self._render_next(key, render)
            try:
                return await asyncio.shield(waiting)
            except _Abandoned:
                continue  # the first to wake renders; the others join it

    async def _render_next(self, key: Hashable, render: Callable[[], Awaitable[str]]) -> str:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._next[key] = future
        try:
            running = self._running.get(key)
            if running is not None and not running.done():
                await asyncio.wait([running])  # one rendering of a key at a time
            # Under way from here: whoever asks now waits for the next one.
            if self._next.get(key) is future:
                del self._next[key]
            self._running[key] = future
            self.renders += 1
            html = await render()
        except BaseException as exc:
            future.set_exception(exc if isinstance(exc, Exception) else _Abandoned())
            future.exception()  # retrieved: having nobody waiting is not an error
            raise
        finally:
            if self._next.get(key) is future:
                del self._next[key]
            if self._running.get(key) is future:
                del self._running[key]
        future.set_result(html)
        return html
