"""GET /api/kb/search: the same ranked results as `search_kb`."""

from __future__ import annotations

from aiohttp import web

from bot.api.errors import json_response
from bot.api.keys import SERVICES
from bot.api.openapi import KB_EXPLAIN, KB_QUERY, KB_TOP_K
from bot.kb.results import result_dict

routes = web.RouteTableDef()


@routes.get("/api/kb/search")
async def search(request: web.Request) -> web.Response:
    q = (KB_QUERY.read(request) or "").strip()  # required and not blank: read() refuses the rest
    top_k = KB_TOP_K.read(request)
    explain = KB_EXPLAIN.read(request) or "0"
    kb = request.app[SERVICES].knowledge_base
    results = kb.search(q, top_k)
    body: dict[str, object] = {"query": q, "threshold": kb.threshold, "results": [result_dict(r) for r in results]}
    if explain in ("1", "true"):
        body["explain"] = kb.explain()
    return json_response(body)
