"""Real servers for tests that need one: ``confmgr serve`` in a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(settings: object, **extra: str) -> dict[str, str]:
    """The environment of a server sharing the test's data dir and database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFMGR_")}
    data_dir = getattr(settings, "data_dir")
    env.update(
        {
            "CONFMGR_DATA_DIR": str(data_dir),
            "CONFMGR_SECRET_KEY": getattr(settings, "server").secret_key,
            "CONFMGR_DATABASE_URL": getattr(settings, "database").url,
        }
    )
    redis_url = getattr(settings, "redis_url", None)
    if redis_url:
        env["CONFMGR_REDIS_URL"] = redis_url
    env.update(extra)
    return env


@contextmanager
def running_server(env: dict[str, str], *, port: int | None = None, workers: int = 1, log: Path | None = None) -> Iterator[str]:
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**env, "CONFMGR_BASE_URL": env.get("CONFMGR_BASE_URL", base)}
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "confmgr", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=out, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in 60 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log:
            out.close()  # type: ignore[union-attr]


MAIL_FROM = "vanphong@snv.example.vn"


@contextmanager
def smtp_relay(handler: Any) -> Iterator[tuple[Any, int]]:
    """A real SMTP server (aiosmtpd) with ``handler`` on a free port: (handler, port).
    The handler also learns its port (``handler.port``)."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    try:
        yield handler, port
    finally:
        controller.stop()


def relay_settings(port: int, **more: str) -> dict[str, str]:
    """The settings that send the app's mail through the relay on ``port``."""
    return {"CONFMGR_SMTP_URL": f"smtp://127.0.0.1:{port}", "CONFMGR_MAIL_FROM": MAIL_FROM, **more}
