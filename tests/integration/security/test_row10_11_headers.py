"""Rows 10 and 11 of #13: security headers on every answer; private headers on every
answer that carries or is reached through a site's link."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from confmgr.settings import PROJECT_ROOT
from tests.helpers import login


def _assert_security_headers(answer: Any) -> None:
    csp = answer.headers.get("content-security-policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives.get("script-src") == ["'self'"], csp
    assert "'unsafe-inline'" not in directives.get("default-src", []), csp
    assert directives.get("frame-ancestors") == ["'none'"], csp
    assert directives.get("object-src"), csp
    assert answer.headers.get("x-frame-options") == "DENY"
    assert answer.headers.get("x-content-type-options") == "nosniff"
    assert answer.headers.get("referrer-policy") in ("same-origin", "no-referrer")


def test_row10_security_headers_on_every_answer(client: Any, admin: int, admin_api: dict[str, str], meeting_id: int) -> None:
    anonymous = [client.get("/login"), client.get("/health"), client.get("/static/js/page.js"), client.get("/no-such-page"),
                 client.get("/api/v1/meetings"), client.post("/api/v1/auth/token", content=b"{")]
    for answer in anonymous:
        _assert_security_headers(answer)
        assert "strict-transport-security" not in answer.headers
    login(client)
    for url in ["/meetings", f"/meetings/{meeting_id}", "/directory", "/admin/users", f"/meetings/{meeting_id}/agenda"]:
        answer = client.get(url)
        assert answer.status_code == 200, url
        _assert_security_headers(answer)
    _assert_security_headers(client.get(f"/api/v1/meetings/{meeting_id}", headers=admin_api))


@pytest.fixture
def https_overrides(env_overrides: dict[str, str]) -> None:
    env_overrides["CONFMGR_BASE_URL"] = "https://hop.example.gov.vn"


def test_row10_hsts_when_the_base_url_is_https(https_overrides: None, client: Any) -> None:
    for url in ["/login", "/health", "/no-such-page"]:
        answer = client.get(url)
        assert answer.headers["strict-transport-security"].startswith("max-age=31536000")


def test_row10_templates_have_no_inline_script() -> None:
    """The policy refuses inline scripts: no template may need one."""
    offenders = []
    for path in (PROJECT_ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", line) or re.search(r"\son[a-z]+\s*=", line) or "javascript:" in line:
                offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    assert offenders == []
    for name in ["page.js", "board.js"]:
        assert (PROJECT_ROOT / "static" / "js" / name).exists()


PRIVATE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}


def _assert_private(answer: Any, what: str) -> None:
    for header, value in PRIVATE.items():
        assert answer.headers.get(header) == value, (what, header, answer.headers.get(header))
    assert "noindex" in answer.headers.get("x-robots-tag", ""), what


def test_row11_private_headers_on_every_link_bearing_answer(client: Any, admin: int, admin_api: dict[str, str], site: Any) -> None:
    portal = [site.url, f"{site.url}/now", f"{site.url}/speak-requests", f"{site.url}/documents/bien-ban.pdf",
              "/s/not-a-valid-token", "/s/not-a-valid-token/now"]
    for url in portal:
        _assert_private(client.get(url), url)
    bearer = {"Authorization": f"Bearer {site.token}"}
    _assert_private(client.get("/api/v1/portal", headers=bearer), "portal api")
    _assert_private(client.get("/api/v1/portal/live", headers=bearer), "portal api live")
    meeting = site.meeting_id
    for url in [f"/api/v1/meetings/{meeting}/sites", f"/api/v1/meetings/{meeting}/sites/{site.id}/link",
                f"/api/v1/meetings/{meeting}/invitations"]:
        answer = client.get(url, headers=admin_api)
        assert answer.status_code == 200, url
        _assert_private(answer, url)
    login(client)
    for url in [f"/meetings/{meeting}/sites/{site.id}/link", f"/meetings/{meeting}/invitations",
                f"/meetings/{meeting}/invitations/sheet", f"/meetings/{meeting}/sites/{site.id}/qr.png"]:
        answer = client.get(url)
        assert answer.status_code == 200, url
        _assert_private(answer, url)
