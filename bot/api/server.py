"""The aiohttp app factory and the `start` runner with graceful shutdown."""

from __future__ import annotations

import asyncio
import functools
import signal
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from bot.api import console_stream, customers, handoffs, outbox, stats, tickets
from bot.api import kb as kb_routes
from bot.api import kb_edit as kb_edit_routes
from bot.api import messages as message_routes
from bot.api import system as system_routes
from bot.api.admin_token import ensure_admin_token
from bot.api.auth import ADMIN_TOKEN, AGENT_RESOLVER, APP_RESOLVER, auth_middleware
from bot.api.errors import error_middleware
from bot.api.keys import METRICS, OPENAPI, SERVICES
from bot.api.metrics import Metrics
from bot.api.openapi import document
from bot.api.server_logs import SafeAccessLogger, install_server_log_filter
from bot.app import build_services
from bot.channels.app_keys import AppKeys
from bot.channels.phone import routes as phone_routes
from bot.channels.secrets import ChannelSecrets
from bot.channels.telegram import webhook as telegram_routes
from bot.channels.web import routes as web_channel_routes
from bot.channels.wechat import routes as wechat_routes
from bot.channels.wechat_kf import routes as wechat_kf_routes
from bot.channels.wecom import routes as wecom_routes
from bot.config import Settings
from bot.core import service_file

log = structlog.get_logger(__name__)

# The largest valid JSON body (a ticket update: ~13,700 characters of text) is ~165 KB when every
# character is sent as \u escapes (12 bytes for one outside the BMP; json.dumps escapes by default);
# much larger is abuse. The FAQ routes take more (kb_edit.MAX_FAQ_BODY), the import streams its file.
MAX_BODY = 192 * 1024


def create_app(settings: Settings, *, background: bool = False) -> web.Application:
    install_server_log_filter()
    app = web.Application(middlewares=[error_middleware, auth_middleware], client_max_size=MAX_BODY)
    app[ADMIN_TOKEN] = ensure_admin_token(settings)[0]
    app[METRICS] = Metrics.create()
    feature_modules = (tickets, handoffs, console_stream, customers, stats, kb_edit_routes, outbox,
                       web_channel_routes, telegram_routes, wechat_routes, phone_routes, wecom_routes,
                       wechat_kf_routes)
    app[OPENAPI] = functools.partial(document, *(m.OPENAPI_PATHS for m in feature_modules))

    async def services_ctx(app: web.Application) -> AsyncIterator[None]:
        async with build_services(settings, background=background) as services:
            app[SERVICES] = services
            app[AGENT_RESOLVER] = services.agents.by_token
            app[APP_RESOLVER] = AppKeys(ChannelSecrets(settings.data_dir), services.store.channels).channel_for
            yield

    app.cleanup_ctx.append(services_ctx)
    console_stream.install(app)  # open console streams end when the app shuts down
    web_channel_routes.install(app)  # and open widget / app sockets close with 1012
    for routes in (system_routes.routes, message_routes.routes, kb_routes.routes):
        app.add_routes(routes)
    for module in feature_modules:
        app.add_routes(module.routes)
    return app


async def serve(settings: Settings, host: str, port: int, *, ready: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM; in-flight turns finish before the store closes."""
    app = create_app(settings, background=True)
    # Access lines at info on the aiohttp.access logger (configure_logging keeps it at warning unless
    # the level is debug); the path only, never the query string or a header.
    runner = web.AppRunner(app, access_log_class=SafeAccessLogger, shutdown_timeout=settings.server.shutdown_timeout)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024)
    await site.start()
    log.info("service_started", host=host, port=port, faq_entries=len(app[SERVICES].knowledge_base))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    service_file.write(settings.data_dir, host, port)
    app[SERVICES].knowledge_base.check_index_soon()  # Chroma vs the entries, now that the port is open
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        service_file.remove(settings.data_dir)
        log.info("service_stopping")
        await runner.cleanup()
        log.info("service_stopped")
