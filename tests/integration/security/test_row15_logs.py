"""Row 15 of #13: a site's token never appears in the access log or the error log."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx

from confmgr.web.security import MaskSiteTokens, mask_tokens
from tests.helpers import PASSWORD, make_user
from tests.servers import running_server, server_env


def test_row15_site_tokens_masked_in_access_and_error_logs(settings: Any, db: Any, tmp_path: Path) -> None:
    make_user(db, "admin", "admin")
    log = tmp_path / "server.log"
    with running_server(server_env(settings), log=log) as base:
        with httpx.Client(base_url=base, timeout=30) as http:
            token = http.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            from tests.factories import meeting_json

            meeting = http.post("/api/v1/meetings", json=meeting_json(), headers=headers).json()["id"]
            site = http.post(f"/api/v1/meetings/{meeting}/sites", json={"name": "UBND xã Hòa Phong", "role": "remote"}, headers=headers).json()
            link = site["token"]
            assert http.get(f"/s/{link}").status_code == 200
            assert http.get(f"/s/{link}/now").status_code == 200
            assert http.get(f"/s/{link}/documents/khong-co.pdf?x=1").status_code == 404
            http.post(f"/s/{link}/response", content=b"\xff" * 10, headers={"content-type": "application/x-www-form-urlencoded"})
            http.get("/s/sai-token-gia-mao-dai-hon-muoi-sau-ky-tu")
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "GET /s/***" in text, text[-2000:]
    assert link not in text
    assert "sai-token-gia-mao" not in text


def test_row15_error_log_lines_and_tracebacks_are_masked(caplog: Any) -> None:
    token = "Zk3q9X_abcdefghijklmnopqrstuvwx"
    logger = logging.getLogger("confmgr.test-row15")
    logger.addFilter(MaskSiteTokens())
    with caplog.at_level(logging.ERROR, logger="confmgr.test-row15"):
        try:
            raise ValueError(f"bad request to /s/{token}/live")
        except ValueError:
            logger.exception("unhandled error on %s %s", "GET", f"/s/{token}/now")
    assert token not in caplog.text
    assert "/s/***/now" in caplog.text
    assert mask_tokens(f"http://host/s/{token}?a=1") == "http://host/s/***?a=1"
