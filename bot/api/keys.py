"""Typed application keys shared by the route modules and the app factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.api.metrics import Metrics
from bot.app import Services

SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
METRICS: web.AppKey[Metrics] = web.AppKey("metrics", Metrics)
# Builds /api/openapi.json: document() with the feature paths bound, given channels= and today=.
OPENAPI: web.AppKey[Callable[..., dict[str, Any]]] = web.AppKey("openapi")
