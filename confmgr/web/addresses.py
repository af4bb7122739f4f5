"""The address links and QR codes carry when ``CONFMGR_BASE_URL`` is not set.

``confmgr serve --host H --port P`` then serves at ``http://H:P``; for a wildcard host
(``0.0.0.0``, ``::``) the address other computers reach is this machine's outward
address. A page warns the secretariat when the links point to a loopback address
while the request itself came from another computer, or was addressed to a name or
address other than a loopback one (a reverse proxy on this machine forwards from
127.0.0.1, but the person typed ``hop.example.vn``): such links open nowhere else.
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


def host_name(host_header: str | None) -> str:
    """The name or address of a ``Host`` header, without its port (``[::1]:8000`` -> ``::1``)."""
    if not host_header:
        return ""
    try:
        return urlsplit(f"//{host_header.strip()}").hostname or ""
    except ValueError:
        return ""


def loopback_links_seen_from_elsewhere(request: Any) -> bool:
    """True when links point to this machine only but the person is on another one:
    the request came from another address, or was sent to a name that is not a
    loopback one (through a reverse proxy on this machine, the client is 127.0.0.1)."""
    base = request.app.state.settings.server.base_url
    if not is_loopback(urlsplit(base).hostname):
        return False
    client = request.client.host if request.client else ""
    try:
        remote = not ipaddress.ip_address(client.strip("[]")).is_loopback
    except ValueError:
        remote = False  # not an address (a test client, a Unix socket): the Host says more
    headers = getattr(request, "headers", None)
    host = host_name(headers.get("host") if headers is not None else None)
    return remote or (bool(host) and not is_loopback(host))
