"""Counting failed logins atomically.

A login first *takes* an attempt (the counter is incremented before the password is
checked), so thirty requests sent at once cannot all be checked against a counter
they all read as zero: only the first few get to try. Three counters, each over the
window:

- the username from one address (the usual lockout, ``max_failures``);
- the username from any address (a slow, distributed guess is slowed too; higher, so
  that one office behind a proxy cannot lock a colleague out from the whole country);
- the address across all usernames (one password tried on many accounts).

With Redis (several workers) the counter is ``INCR`` plus ``EXPIRE NX`` in one
transaction; embedded (one process, enforced by ``confmgr serve``) it is a dict read
and written without yielding to the event loop, which is just as atomic.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

PER_USER_ANY_ADDRESS = 4  # times max_failures
PER_ADDRESS = 6  # times max_failures


@dataclass(frozen=True)
class Limits:
    max_failures: int
    window_seconds: int


def _key(*parts: str) -> str:
    return "login:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()


class LocalCounters:
    """An in-process counter table with expiry (the embedded mode's throttle)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}

    def incr(self, key: str, window: int) -> int:
        now = time.monotonic()
        count, expires = self._counts.get(key, (0, 0.0))
        if expires <= now:
            count, expires = 0, now + window
        count += 1
        self._counts[key] = (count, expires)
        if len(self._counts) > 100_000:
            self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        return count

    def get(self, key: str) -> int:
        count, expires = self._counts.get(key, (0, 0.0))
        return count if expires > time.monotonic() else 0

    def delete(self, key: str) -> None:
        self._counts.pop(key, None)


class CountingMemoryStore(MemoryStore):
    """The embedded mode's throttle store: a memory store with the login counters."""

    def __init__(self) -> None:
        super().__init__()
        self.counters = LocalCounters()

    async def delete_all(self) -> None:
        """Everything goes, the counters too (as flushing Redis ends them there)."""
        await super().delete_all()
        self.counters = LocalCounters()


def _local(store: Store) -> LocalCounters:
    if not isinstance(store, CountingMemoryStore):
        raise TypeError("the throttle store is Redis or a CountingMemoryStore")
    return store.counters


def _redis(store: Store) -> Any:
    return getattr(store, "_redis", None)


async def _incr(store: Store, key: str, window: int) -> int:
    redis = _redis(store)
    if redis is None:
        return _local(store).incr(key, window)
    name = store._make_key(key)  # type: ignore[attr-defined]
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(name)
        pipe.expire(name, window, nx=True)
        count, _ = await pipe.execute()
    return int(count)


async def _get(store: Store, key: str) -> int:
    redis = _redis(store)
    if redis is None:
        return _local(store).get(key)
    value = await redis.get(store._make_key(key))  # type: ignore[attr-defined]
    return int(value or 0)


async def _delete(store: Store, key: str) -> None:
    redis = _redis(store)
    if redis is None:
        _local(store).delete(key)
        return
    await redis.delete(store._make_key(key))  # type: ignore[attr-defined]


async def take_attempt(store: Store, username: str, client: str, limits: Limits) -> bool:
    """Count this attempt before the password is checked; False if over a limit."""
    window = limits.window_seconds
    pair = await _incr(store, _key("pair", username, client), window)
    anywhere = await _incr(store, _key("user", username), window)
    address = await _incr(store, _key("addr", client), window)
    return (
        pair <= limits.max_failures
        and anywhere <= limits.max_failures * PER_USER_ANY_ADDRESS
        and address <= limits.max_failures * PER_ADDRESS
    )


async def succeeded(store: Store, username: str, client: str) -> None:
    """A right password: this user's counters start again; the address keeps its count
    (its other attempts were failures) less this one."""
    await _delete(store, _key("pair", username, client))
    await _delete(store, _key("user", username))
    redis = _redis(store)
    if redis is None:
        local = _local(store)
        key = _key("addr", client)
        if local.get(key) > 0:
            count, expires = local._counts[key]
            local._counts[key] = (count - 1, expires)
    else:
        await redis.decr(store._make_key(_key("addr", client)))  # type: ignore[attr-defined]


async def count_event(store: Store, kind: str, client: str, window: int) -> int:
    """How many ``kind`` events this client had in the window, this one included."""
    return await _incr(store, _key("event", kind, client), window)
