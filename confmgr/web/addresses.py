"""The address links and QR codes carry when ``CONFMGR_BASE_URL`` is not set.

``confmgr serve --host H --port P`` then serves at ``http://H:P``; for a wildcard host
(``0.0.0.0``, ``::``) the address other computers reach is this machine's outward
address. A page warns the secretariat when the links point to a loopback address
while the request itself came from another computer: such links open nowhere else.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

WILDCARDS = {"", "0.0.0.0", "::", "[::]"}


def outward_address() -> str:
    """The address of the interface that routes outward (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks a route
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def serve_base_url(host: str, port: int) -> str:
    if host in WILDCARDS:
        host = outward_address()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_links_seen_from_elsewhere(request: Any) -> bool:
    """True when links point to this machine only but the person is on another one."""
    base = request.app.state.settings.server.base_url
    client = request.client.host if request.client else ""
    try:
        remote = not ipaddress.ip_address(client.strip("[]")).is_loopback
    except ValueError:
        remote = False  # not an address (a test client, a Unix socket): nothing to say
    return remote and is_loopback(urlsplit(base).hostname)
