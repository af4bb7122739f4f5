"""Settings from ``CONFMGR_*`` environment variables.

One dataclass per area; :func:`load_settings` reads an environment mapping so tests
build their own settings instead of patching globals.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from confmgr.signing.config import SigningSettings, signing_settings_from_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class DatabaseSettings:
    url: str
    echo: bool = False
    pool_size: int = 10
    max_overflow: int = 20

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


@dataclass(frozen=True)
class ServerSettings:
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = ""
    debug: bool = False
    # Cookies marked Secure only when the site is served over HTTPS.
    secure_cookies: bool = False


@dataclass(frozen=True)
class MailSettings:
    smtp_url: str | None = None
    sender: str = "confmgr@localhost"
    # Messages a second to the relay (CONFMGR_SMTP_RATE, 0 = no limit): one budget per relay,
    # shared by every process through Redis when it is configured (confmgr.jobs.queue).
    rate: float = 0.0
    # Temporary failures (4xx, connection lost) are tried again after retry_seconds,
    # doubling each time, max_attempts tries in all.
    retry_seconds: float = 60.0
    max_attempts: int = 5
    # SMTP connections a worker keeps open to the relay (CONFMGR_SMTP_CONNECTIONS).
    connections: int = 8


@dataclass(frozen=True)
class JobSettings:
    """Background jobs (confmgr.jobs): workers in the server process unless
    CONFMGR_JOBS_IN_PROCESS=0 (then ``confmgr worker`` runs them)."""

    in_process: bool = True
    workers: int = 2
    # A worker holds its job for this long past its last step (CONFMGR_JOB_LEASE_SECONDS);
    # a worker killed or cut off gives it up then, and another takes it over.
    lease_seconds: float = 60.0


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database: DatabaseSettings
    server: ServerSettings
    mail: MailSettings = field(default_factory=MailSettings)
    jobs: JobSettings = field(default_factory=JobSettings)
    redis_url: str | None = None
    font_dir: Path | None = None
    templates_dir: Path = PROJECT_ROOT / "templates"
    static_dir: Path = PROJECT_ROOT / "static"
    # Login throttling: failures allowed per username and address in the window.
    login_max_failures: int = 5
    login_window_seconds: int = 900
    api_token_hours: int = 24
    max_upload_bytes: int = 20 * 1024 * 1024
    # Uploaded papers, meeting documents and issued PDFs. With several machines this
    # is a shared folder (see docs/deploy.md); by default it lives in the data dir.
    files_dir: Path | None = None
    # Reverse proxies whose X-Forwarded-For/-Proto are believed (addresses or networks).
    trusted_proxies: tuple[str, ...] = ()
    # Live streams one site link may hold open at once, per server process (0: no limit).
    live_streams_per_link: int = 20
    signing: SigningSettings = field(default_factory=SigningSettings)
    # Processes that build PDF and DOCX off the event loop (0: a thread of the server).
    document_workers: int = 1

    @property
    def uploads_dir(self) -> Path:
        return self.files_dir or self.data_dir / "files"


def _secret_key(data_dir: Path, env: Mapping[str, str]) -> str:
    """Return the configured key, or one generated once and kept in the data dir."""
    if env.get("CONFMGR_SECRET_KEY"):
        return env["CONFMGR_SECRET_KEY"]
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Written with owner-only permissions: the key signs sessions and encrypts site links.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    data_dir = Path(env.get("CONFMGR_DATA_DIR", "./var")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    db_url = env.get("CONFMGR_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'confmgr.sqlite3'}"
    font_dir = env.get("CONFMGR_FONT_DIR")
    files_dir = env.get("CONFMGR_FILES_DIR")
    base_url = env.get("CONFMGR_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return Settings(
        data_dir=data_dir,
        database=DatabaseSettings(url=db_url, echo=env.get("CONFMGR_DB_ECHO") == "1"),
        server=ServerSettings(
            base_url=base_url,
            secret_key=_secret_key(data_dir, env),
            debug=env.get("CONFMGR_DEBUG") == "1",
            secure_cookies=base_url.startswith("https://"),
        ),
        mail=MailSettings(
            smtp_url=env.get("CONFMGR_SMTP_URL") or None,
            sender=env.get("CONFMGR_MAIL_FROM", "confmgr@localhost"),
            rate=max(0.0, float(env.get("CONFMGR_SMTP_RATE") or 0)),
            retry_seconds=max(0.0, float(env.get("CONFMGR_SMTP_RETRY_SECONDS") or 60)),
            max_attempts=max(1, int(env.get("CONFMGR_SMTP_MAX_ATTEMPTS") or 5)),
            connections=max(1, int(env.get("CONFMGR_SMTP_CONNECTIONS") or 8)),
        ),
        jobs=JobSettings(
            in_process=env.get("CONFMGR_JOBS_IN_PROCESS", "1") != "0",
            workers=max(1, int(env.get("CONFMGR_JOB_WORKERS") or 2)),
            lease_seconds=max(1.0, float(env.get("CONFMGR_JOB_LEASE_SECONDS") or 60)),
        ),
        redis_url=env.get("CONFMGR_REDIS_URL") or None,
        font_dir=Path(font_dir) if font_dir else None,
        files_dir=Path(files_dir).resolve() if files_dir else None,
        trusted_proxies=tuple(p.strip() for p in env.get("CONFMGR_TRUSTED_PROXIES", "").split(",") if p.strip()),
        live_streams_per_link=int(env.get("CONFMGR_LIVE_STREAMS_PER_LINK", "20")),
        signing=signing_settings_from_env(env),
        document_workers=max(0, int(env.get("CONFMGR_DOCUMENT_WORKERS") or 1)),
    )
