"""The ``confmgr`` command line (see docs: serve, db, users, demo)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence

from confmgr.settings import Settings, load_settings


def _upgrade(settings: Settings) -> None:
    from confmgr.migrations import upgrade

    upgrade(settings)


def _read_password(given: str | None) -> str:
    if given:
        return given
    if sys.stdin.isatty():
        first = getpass.getpass("Mật khẩu / Password: ")
        if getpass.getpass("Nhập lại / Repeat: ") != first:
            raise SystemExit("Hai mật khẩu không khớp. / The passwords differ.")
        return first
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise SystemExit("Không đọc được mật khẩu từ stdin. / No password on standard input.")
    return line


async def _create_user(settings: Settings, username: str, role: str, password: str, full_name: str) -> None:
    from confmgr.accounts.services import create_user
    from confmgr.cli_support import session_scope

    async with session_scope(settings) as db:
        await create_user(db, None, username=username, role=role, password=password, full_name=full_name)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    if args.workers > 1 and not settings.redis_url:
        print(
            "Không thể chạy nhiều worker khi chưa đặt CONFMGR_REDIS_URL: cập nhật trực tiếp và phiên đăng nhập "
            "sẽ bị chia tách giữa các worker.\n"
            "Refusing to start several workers without CONFMGR_REDIS_URL: live updates and sessions would be "
            "split between workers.",
            file=sys.stderr,
        )
        return 2
    if args.workers > 1 and settings.database.is_sqlite:
        print(
            "Không thể chạy nhiều worker trên SQLite: hãy dùng PostgreSQL (CONFMGR_DATABASE_URL).\n"
            "Refusing to start several workers on SQLite, which queues writers within one process: "
            "use PostgreSQL (CONFMGR_DATABASE_URL).",
            file=sys.stderr,
        )
        return 2
    _upgrade(settings)
    if not os.environ.get("CONFMGR_BASE_URL"):
        # Links and QR codes carry the address being served (the app reads it at start).
        from confmgr.web.addresses import serve_base_url

        os.environ["CONFMGR_BASE_URL"] = serve_base_url(args.host, args.port)
    import uvicorn

    uvicorn.run(
        "confmgr.app:create_app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        # confmgr decides which peers' forwarded headers to believe
        # (CONFMGR_TRUSTED_PROXIES, confmgr.web.proxies); uvicorn must not.
        proxy_headers=False,
        forwarded_allow_ips="",
        log_level="info",
        # After a blip thousands of phones connect in the same second (see docs/performance.md).
        backlog=4096,
    )
    return 0


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    if args.db_command == "upgrade":
        _upgrade(settings)
        print("Cơ sở dữ liệu đã được nâng cấp. / Database upgraded to head.")
    elif args.db_command == "revision":
        from confmgr.migrations import revision

        revision(settings, args.message)
    return 0


def cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    from confmgr.errors import DomainError
    from confmgr.i18n import gettext

    _upgrade(settings)
    password = _read_password(args.password)
    try:
        asyncio.run(_create_user(settings, args.username, args.role, password, args.full_name or ""))
    except DomainError as exc:
        details = "; ".join(gettext(m) for m in exc.field_errors.values())
        print(f"Lỗi: {gettext(exc.message, **exc.params)} {details}".strip(), file=sys.stderr)
        return 1
    print(f"Đã tạo người dùng {args.username} ({args.role}). / User created.")
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from confmgr.demo import load_demo

    _upgrade(settings)
    result = asyncio.run(load_demo(settings))
    if result.admin_password:
        print("Đã nạp dữ liệu mẫu. / Demo loaded.")
        print(f"  Đăng nhập / Log in: {settings.server.base_url}/login")
        print(f"  Tên đăng nhập / Username: {result.admin_username}")
        print(f"  Mật khẩu / Password: {result.admin_password}")
        if settings.data_dir:
            print(f"  (đã lưu trong / saved in {result.credentials_file})")
    else:
        print("Dữ liệu mẫu đã có sẵn; không thay đổi gì. / The demo is already loaded; nothing changed.")
        if result.credentials_file:
            print(f"  Thông tin đăng nhập / Login details: {result.credentials_file}")
    return 0


def cmd_directory(settings: Settings, args: argparse.Namespace) -> int:
    from confmgr.cli_support import session_scope
    from confmgr.errors import DomainError
    from confmgr.i18n import gettext
    from confmgr.sites.unit_services import fill_directory, parse_choice

    _upgrade(settings)

    async def run() -> tuple[int, int]:
        async with session_scope(settings) as db:
            result = await fill_directory(db, None, parse_choice(args.province, args.type))
            return result.created, result.skipped

    try:
        created, skipped = asyncio.run(run())
    except DomainError as exc:
        details = "; ".join(gettext(m) for m in exc.field_errors.values())
        print(f"Lỗi: {gettext(exc.message, **exc.params)} {details}".strip(), file=sys.stderr)
        return 1
    print(f"Đã thêm {created} đơn vị hành chính vào danh bạ điểm cầu; {skipped} đơn vị đã có. / {created} units added, {skipped} already there.")
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from confmgr.backup import BackupError, backup

    try:
        manifest = backup(settings, Path(args.path))
    except BackupError as exc:
        print(f"Sao lưu thất bại / Backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"Đã sao lưu / Backed up to {args.path} ({manifest['database']}, {manifest['files']} files)")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from confmgr.backup import BackupError, restore

    try:
        manifest = restore(settings, Path(args.path))
    except BackupError as exc:
        print(f"Khôi phục thất bại / Restore failed: {exc}", file=sys.stderr)
        return 1
    # An archive from an older version is brought up to the current schema.
    _upgrade(settings)
    print(f"Đã khôi phục / Restored {args.path} (created {manifest['created_at']})")
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from confmgr.jobs.worker import run_worker

    return run_worker(settings, args.workers)


def cmd_jobs(settings: Settings, args: argparse.Namespace) -> int:
    from confmgr.jobs.worker import list_jobs

    _upgrade(settings)
    return list_jobs(settings, show_all=args.all)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="confmgr", description="Quản lý hội nghị trực tuyến / Hybrid conference manager")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="upgrade the database, then serve the app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)
    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="upgrade the database to head")
    rev = db_sub.add_parser("revision", help="write a new migration from the models (developers)")
    rev.add_argument("-m", "--message", required=True)
    db.set_defaults(func=cmd_db)
    users = sub.add_parser("users", help="secretariat users")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    create = users_sub.add_parser("create", help="create a user")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=["admin", "secretary", "viewer", "clerk"])
    create.add_argument("--password")
    create.add_argument("--full-name")
    users.set_defaults(func=cmd_users)
    demo = sub.add_parser("demo", help="load the demo meeting into an empty database")
    demo.set_defaults(func=cmd_demo)
    directory = sub.add_parser("directory", help="the site directory")
    directory_sub = directory.add_subparsers(dest="directory_command", required=True)
    add_units = directory_sub.add_parser("add-units", help="add official administrative units (communes, wards, special zones)")
    add_units.add_argument("--province", help="a province code (01 ... 96); without it the whole country")
    add_units.add_argument("--type", choices=["xa", "phuong", "dac_khu"], help="only one division type")
    directory.set_defaults(func=cmd_directory)
    backup = sub.add_parser("backup", help="write a consistent archive of the database and files (while running)")
    backup.add_argument("path")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="restore an archive into an empty data dir and database")
    restore.add_argument("path")
    restore.set_defaults(func=cmd_restore)
    worker = sub.add_parser("worker", help="run background jobs (mailings) in this process (production: PostgreSQL + Redis)")
    worker.add_argument("--workers", type=int, default=None, help="worker threads (default CONFMGR_JOB_WORKERS or 2)")
    worker.set_defaults(func=cmd_worker)
    jobs = sub.add_parser("jobs", help="background jobs")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    jobs_list = jobs_sub.add_parser("list", help="what is queued and running")
    jobs_list.add_argument("--all", action="store_true", help="also the last finished jobs (20 in all)")
    jobs.set_defaults(func=cmd_jobs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(load_settings(), args))


if __name__ == "__main__":
    raise SystemExit(main())
