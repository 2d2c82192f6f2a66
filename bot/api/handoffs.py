"""HTTP routes: handoffs (filled in by its feature work)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

routes = web.RouteTableDef()
# Paths this module serves, merged into /api/openapi.json (a test checks they match the routes).
OPENAPI_PATHS: dict[str, dict[str, Any]] = {}
