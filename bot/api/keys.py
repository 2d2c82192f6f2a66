"""Typed application keys shared by the route modules and the app factory."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.api.metrics import Metrics
from bot.app import Services

SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
METRICS: web.AppKey[Metrics] = web.AppKey("metrics", Metrics)
OPENAPI: web.AppKey[dict[str, Any]] = web.AppKey("openapi")
