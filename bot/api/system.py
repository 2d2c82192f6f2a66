"""Health, metrics and the OpenAPI document (no token needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

import bot
from bot.api.auth import public
from bot.api.errors import json_response
from bot.api.keys import METRICS, OPENAPI, SERVICES
from bot.api.messages import enabled_channels

routes = web.RouteTableDef()


@routes.get("/healthz")
@public
async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    return json_response(
        {"status": "ok", "version": bot.__version__, "faq_entries": len(services.knowledge_base)}
    )


@routes.get("/metrics")
@public
async def metrics(request: web.Request) -> web.Response:
    m = request.app[METRICS]
    m.faq_entries.set(len(request.app[SERVICES].knowledge_base))
    return web.Response(body=m.render(), headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})


@routes.get("/api/openapi.json")
@public
async def openapi(request: web.Request) -> web.Response:
    channels = await enabled_channels(request.app[SERVICES])
    return json_response(request.app[OPENAPI](channels=channels, today=datetime.now(UTC).date()))
