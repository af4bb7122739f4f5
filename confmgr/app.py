"""The application factory: the only place where the parts are wired together."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, get_args

from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyInitPlugin,
)
from litestar import Litestar, Request
from litestar.channels import ChannelsPlugin
from confmgr.live.fast import install as install_live_streams
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.response import Template
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.template.config import TemplateConfig
from sqlalchemy.ext.asyncio import AsyncSession

from confmgr import events
from confmgr.accounts.throttle import CountingMemoryStore
from confmgr.agenda import live as agenda_live
from confmgr.db import MAX_ID, READ_ONLY, WriterQueue, create_engine, create_session_maker
from confmgr.errors import NotFound
from confmgr.filemodes import secure_data_dir
from confmgr.i18n import LocaleMiddleware
from confmgr.jobs.queue import JobQueue
from confmgr.live.events import publish
from confmgr.meetings.workspace import tab_counts
from confmgr.printing import pool as printing_pool
from confmgr.settings import Settings, load_settings
from confmgr.sites.tokens import SiteKeys
from confmgr.web.auth import provide_actor
from confmgr.web.errors import EXCEPTION_HANDLERS
from confmgr.web.fragments import SharedFragments
from confmgr.web.render import configure_jinja
from confmgr.web.csrf import SessionBoundCsrfMiddleware
from confmgr.web.proxies import parse_networks, trusted_proxies
from confmgr.web.security import VerifyRateLimitMiddleware, install_log_masking, security_headers_hook
from confmgr.web.sessions import RotatingSessionConfig
from confmgr.web.transactions import commit_before_send
from confmgr.writes import GroupWriter

SESSION_DAYS = 1


def _stores(settings: Settings) -> dict[str, Store]:
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        root = RedisStore.with_client(url=settings.redis_url, namespace="confmgr")
        return {"sessions": root.with_namespace("sessions"), "throttle": root.with_namespace("throttle")}
    # Embedded mode: sessions survive a restart in the data dir; throttling is per process.
    return {
        "sessions": FileStore(path=Path(settings.data_dir) / "sessions", create_directories=True),
        "throttle": CountingMemoryStore(),
    }


def _channels(settings: Settings) -> ChannelsPlugin:
    if settings.redis_url:
        from litestar.channels.backends.redis import RedisChannelsPubSubBackend
        from redis.asyncio import Redis

        backend: Any = RedisChannelsPubSubBackend(redis=Redis.from_url(settings.redis_url))
    else:
        backend = MemoryChannelsBackend()
    return ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True, create_ws_route_handlers=False)


def _route_handlers() -> list[Any]:
    from confmgr.accounts.controllers import ROUTES as accounts
    from confmgr.agency.controllers import ROUTES as agency
    from confmgr.agenda.controllers import ROUTES as agenda
    from confmgr.attendance.controllers import ROUTES as attendance
    from confmgr.audit.controllers import ROUTES as audit
    from confmgr.documents.controllers import ROUTES as documents
    from confmgr.invitations.controllers import ROUTES as invitations
    from confmgr.meetings.controllers import ROUTES as meetings
    from confmgr.portal.routes import ROUTES as portal
    from confmgr.signing.controllers import ROUTES as signing
    from confmgr.sites.controllers import ROUTES as sites
    from confmgr.sites.unit_controllers import ROUTES as site_units
    from confmgr.web.controllers import ROUTES as web

    return [
        *web, *accounts, *agency, *meetings, *sites, *audit,
        *portal, *attendance, *invitations, *agenda, *documents,
        *site_units, *signing,
    ]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def provide_db_session(request: Request[Any, Any, Any], db_session_for_request: AsyncSession) -> AsyncSession:
    """The request's session. A page view reads only, so it need not queue behind
    SQLite's writers; a route whose GET writes says so with ``opt={"writes": True}``,
    and a route whose writes go through the group writer (confmgr.writes) declares
    ``opt={"writes": False}``: its own session only reads."""
    writes = request.route_handler.opt.get("writes")
    if writes is None:
        writes = request.method not in SAFE_METHODS
    if not writes:
        db_session_for_request.sync_session.info[READ_ONLY] = True
    return db_session_for_request


async def provide_writer(request: Request[Any, Any, Any]) -> GroupWriter:
    writer: GroupWriter = request.app.state.writer
    return writer


async def reject_impossible_ids(request: Request[Any, Any, Any]) -> None:
    """An id outside the database's integer range names nothing: answer 404 for it
    here, before a driver fails to convert it."""
    for value in request.path_params.values():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            raise NotFound("The page you asked for does not exist.")


_ANSWERS_PAGES: dict[Any, bool] = {}


def _may_be_a_page(annotation: Any) -> bool:
    """A return annotation that is, or may be (a union), a Template."""
    if isinstance(annotation, type) and issubclass(annotation, Template):
        return True
    return any(_may_be_a_page(arg) for arg in get_args(annotation))


def _answers_pages(handler: Any) -> bool:
    """Whether a route handler answers with a page (a Template), not a file, JSON or a stream."""
    if handler not in _ANSWERS_PAGES:
        _ANSWERS_PAGES[handler] = _may_be_a_page(handler.parsed_fn_signature.return_type.annotation)
    return _ANSWERS_PAGES[handler]


async def meeting_tab_counts(request: Request[Any, Any, Any]) -> None:
    """Before a whole page of a meeting (``/meetings/<id>/...``), the tab bar's counts
    (:func:`confmgr.meetings.workspace.tab_counts`) on ``request.state.tab_counts``:
    the same on every page. Read in a read-only session of their own; a page's handler
    does not write on a GET, and a successful form post answers with a redirect."""
    meeting_id = request.path_params.get("meeting_id")
    if not isinstance(meeting_id, int) or not request.url.path.startswith("/meetings/"):
        return
    if request.headers.get("hx-request") == "true" and not request.headers.get("hx-boosted"):
        return
    if not _answers_pages(request.route_handler):
        return
    async with request.app.state.session_maker() as session:
        session.sync_session.info[READ_ONLY] = True
        request.state.tab_counts = await tab_counts(session, meeting_id)


async def before_request(request: Request[Any, Any, Any]) -> None:
    await reject_impossible_ids(request)
    await meeting_tab_counts(request)


# The collector's thresholds in a server process (Python's defaults: 700, 10, 10). A
# server holding 10,000 live streams keeps millions of long-lived objects; with the
# defaults, young collections ran every 700 allocations and full ones whenever the
# streams' objects grew by a quarter of what was not frozen, so opening streams and
# reconnect storms spent much of their CPU walking them. Measured with
# bench/bench_live_scale.py (SQLite, one process, quiet machine): opening 10,000 streams
# 4.7 -> 2.0 s, a blip storm 3.7 -> 2.8 s, the morning mix's request p99 514 -> 246 ms,
# memory with the streams held unchanged (398 -> 396 MiB).
GC_THRESHOLDS = (50_000, 20, 100)


def keep_startup_objects_out_of_gc() -> None:
    """Everything built at start (modules, routes, templates, compiled statements)
    lives as long as the process. Frozen, it is left out of the garbage collector's
    full passes, which otherwise walk it all: 100 to 180 ms on a 2-core machine, with
    every request of the moment waiting (measured with the confirmations benchmark).
    Then the collector runs less often (``GC_THRESHOLDS``)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    engine = create_engine(settings.database)
    writer_queue = WriterQueue()
    session_maker = create_session_maker(engine, writer_queue=writer_queue)
    channels = _channels(settings)
    writer = GroupWriter(engine, writer_queue, lambda events: publish(channels, events))
    jobs = JobQueue(settings)
    db_config = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        session_maker=session_maker,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        session_dependency_key="db_session_for_request",
    )
    db_config.before_send_handler = commit_before_send(db_config.session_scope_key)
    stores = _stores(settings)
    session_config = RotatingSessionConfig(
        store="sessions",
        max_age=SESSION_DAYS * 86400,
        secure=settings.server.secure_cookies,
        httponly=True,
        samesite="lax",
        key="confmgr_session",
        # The API authenticates with bearer tokens and sites with their link: neither
        # needs a session, so their requests skip loading and saving one.
        exclude=["^/api/", "^/s/", "^/static/", "^/health", "^/schema"],
    )
    csrf = CSRFConfig(
        secret=settings.server.secret_key,
        cookie_name="confmgr_csrf",
        header_name="x-csrftoken",
        cookie_secure=settings.server.secure_cookies,
        # The API authenticates with bearer tokens only (no cookies), so it is not exposed to CSRF.
        exclude=["^/api/", "^/schema", "^/static/", "^/health"],
    )
    templates = TemplateConfig(
        directory=settings.templates_dir,
        engine=JinjaTemplateEngine,
        engine_callback=configure_jinja,
    )
    static = create_static_files_router(path="/static", directories=[settings.static_dir], name="static", cache_control=None)
    app = Litestar(
        # Registered on the app itself: a Router around them made Litestar rebuild its
        # route map once more per path (a third of create_app's time, every test pays it).
        route_handlers=[static, *_route_handlers()],
        plugins=[SQLAlchemyInitPlugin(config=db_config), HTMXPlugin(), channels],
        middleware=[trusted_proxies(parse_networks(settings.trusted_proxies)), LocaleMiddleware, session_config.middleware, SessionBoundCsrfMiddleware, VerifyRateLimitMiddleware],
        csrf_config=csrf,
        stores=stores,
        template_config=templates,
        dependencies={
            "actor": Provide(provide_actor), "db_session": Provide(provide_db_session),
            "writer": Provide(provide_writer),
        },
        # Last, the database connections: closed on the loop that opened them (left to the
        # garbage collector, SQLite's connection threads wrote to a loop already closed).
        on_shutdown=[jobs.stop_in_process, writer.close, engine.dispose],
        listeners=agenda_live.LISTENERS,
        before_request=before_request,
        before_send=[security_headers_hook(hsts=settings.server.base_url.startswith("https://"))],
        exception_handlers=EXCEPTION_HANDLERS,
        compression_config=CompressionConfig(backend="gzip", minimum_size=2048, exclude=["^/live/", "^/api/v1/live", "^/s/[^/]+/live$", "^/meetings/[0-9]+/console/events$", "^/meetings/[0-9]+/invitations/events$"]),
        # Only the schema itself: the interactive viewers load their scripts from public
        # CDNs, which government networks do not reach.
        openapi_config=OpenAPIConfig(
            title="confmgr API", version="1.0.0", path="/schema",
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
        ),
        debug=settings.server.debug,
        request_max_body_size=settings.max_upload_bytes + 1024 * 1024,
    )
    app.state.settings = settings
    # Read by site-link requests, which the session middleware skips (confmgr.web.auth).
    app.state.session_config = session_config
    install_log_masking()
    secure_data_dir(settings.data_dir, settings.database.url)
    app.state.site_keys = SiteKeys(settings.server.secret_key)
    app.state.engine = engine
    app.state.writer = writer
    app.state.jobs = jobs
    # Fragments every viewer shares (the board's summary and table; confmgr.web.fragments).
    app.state.fragments = SharedFragments()
    if settings.jobs.in_process:
        # Last, after the plugins' own start (live channels): a resumed job publishes progress.
        app.on_startup.append(jobs.start_in_process)
    # For work outside a request's transaction: SSE streams must not hold a
    # connection (or SQLite's write lock) for as long as a browser stays connected.
    app.state.session_maker = session_maker
    # Requests, jobs and listeners all use these sessions: their domain events reach
    # the listeners once their own transaction commits (confmgr.events).
    events.deliver_to_app(session_maker, app)
    # Site live streams answered before the application stack (confmgr/live/fast.py).
    install_live_streams(app, agenda_live.LIVE_EVENT, agenda_live.shared_live_html)
    return app


def create_app_from_env() -> Litestar:
    """Entry point for ASGI servers (``uvicorn --factory``): one app per process."""
    settings = load_settings()
    app = create_app(settings)
    # Only in a server process: where apps come and go (tests), frozen objects that
    # later became garbage would never be collected.
    app.on_startup.append(keep_startup_objects_out_of_gc)
    app.on_startup.append(lambda: printing_pool.warm(settings.document_workers))
    app.on_shutdown.append(printing_pool.shutdown)
    return app
