"""Which client a request comes from, behind a reverse proxy.

``X-Forwarded-For`` and ``X-Forwarded-Proto`` are honoured only when the peer that
connected is one of ``CONFMGR_TRUSTED_PROXIES`` (addresses or networks, comma
separated). The client is then the right-most address of ``X-Forwarded-For`` that is
not itself a trusted proxy: what a client writes into the header before the proxy
appends to it is never believed. Without the setting, or from any other peer, the
headers are ignored and the peer is the client. ``confmgr serve`` turns uvicorn's own
proxy handling off so that this is the only place that decides.

Login throttling (and the /verify limit) use the client found here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from litestar.middleware.base import DefineMiddleware

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str | Iterable[str]) -> tuple[Network, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    networks = []
    for item in items:
        item = item.strip()
        if item:
            networks.append(ipaddress.ip_network(item, strict=False))
    return tuple(networks)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _header(scope: Any, name: bytes) -> str | None:
    values = [v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == name]
    return ",".join(values) if values else None


def client_behind_proxies(peer: str, forwarded_for: str | None, networks: tuple[Network, ...]) -> str:
    if not networks or not _trusted(peer, networks) or not forwarded_for:
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # not an address: believe nothing from this header
    return hops[0] if hops else peer


class TrustedProxiesMiddleware:
    def __init__(self, app: Any, networks: tuple[Network, ...]) -> None:
        self.app = app
        self.networks = networks

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and self.networks and scope.get("client"):
            peer, port = scope["client"]
            if _trusted(peer, self.networks):
                scope["client"] = (client_behind_proxies(peer, _header(scope, b"x-forwarded-for"), self.networks), port)
                proto = (_header(scope, b"x-forwarded-proto") or "").split(",")[-1].strip().lower()
                if proto in ("http", "https"):
                    scope["scheme"] = proto if scope["type"] == "http" else ("wss" if proto == "https" else "ws")
        await self.app(scope, receive, send)


def trusted_proxies(networks: tuple[Network, ...]) -> Any:
    return DefineMiddleware(TrustedProxiesMiddleware, networks=networks)
