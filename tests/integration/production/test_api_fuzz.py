"""Schemathesis explores every API operation of /schema/openapi.json on a real
server: no input may produce a 5xx. The secretariat's operations are called with an
administrator's token, the portal's with a real site token.

The command-line runner is used (its pytest plugin does not support this pytest yet).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import meeting_json
from tests.helpers import PASSWORD, make_user
from tests.servers import running_server, server_env

pytestmark = pytest.mark.slow
ST = shutil.which("st", path=str(Path(sys.executable).parent))


def _run(base: str, token: str, *selection: str) -> subprocess.CompletedProcess[str]:
    assert ST, "schemathesis is not installed"
    return subprocess.run(
        [ST, "run", f"{base}/schema/openapi.json", "--checks", "not_a_server_error", "--max-examples", "15",
         "--seed", "20261125", "--generation-deterministic", "--workers", "1", "--no-color",
         "-H", f"Authorization: Bearer {token}", *selection],
        capture_output=True, text=True, timeout=900,
    )


@pytest.mark.skipif(ST is None, reason="schemathesis is not installed")
def test_no_server_errors(settings: Any, db: Any, tmp_path: Path) -> None:
    make_user(db, "admin", "admin")
    with running_server(server_env(settings), log=tmp_path / "server.log") as base:
        token = httpx.post(f"{base}/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).json()["access_token"]
        user = {"Authorization": f"Bearer {token}"}
        meeting = httpx.post(f"{base}/api/v1/meetings", json=meeting_json(), headers=user).json()
        site = httpx.post(f"{base}/api/v1/meetings/{meeting['id']}/sites", json={"name": "UBND huyện Tây Sơn"}, headers=user).json()
        secretariat = _run(base, token, "--exclude-path-regex", "^/api/v1/portal")
        portal = _run(base, site["token"], "--include-path-regex", "^/api/v1/portal")
    log = (tmp_path / "server.log").read_text(errors="replace")
    for done in (secretariat, portal):
        assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "Traceback" not in log, log[-4000:]
