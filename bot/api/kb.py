"""GET /api/kb/search: the same ranked results as `search_kb`."""

from __future__ import annotations

from aiohttp import web

from bot.api.errors import ApiError, json_response
from bot.api.keys import SERVICES
from bot.kb.knowledge_base import KBResult

routes = web.RouteTableDef()


def result_dict(r: KBResult, language: str | None = None) -> dict[str, object]:
    e = r.entry
    return {
        "id": e.id,
        "question": e.question,
        "answer": e.answer_for(language or e.language),
        "score": round(r.score, 4),
        "matched": r.matched,
        "matched_text": r.matched_text,
        "category": e.category,
        "tags": list(e.tags),
    }


@routes.get("/api/kb/search")
async def search(request: web.Request) -> web.Response:
    q = request.query.get("q", "").strip()
    if not q:
        raise ApiError(400, "invalid_request", "q: must not be empty", field="q")
    if len(q) > 4000:
        raise ApiError(400, "invalid_request", "q: longer than 4000 characters", field="q")
    try:
        top_k = int(request.query.get("top_k", "5"))
    except ValueError:
        raise ApiError(400, "invalid_request", "top_k: must be a whole number", field="top_k") from None
    if not 1 <= top_k <= 100:
        raise ApiError(400, "invalid_request", "top_k: must be between 1 and 100", field="top_k")
    kb = request.app[SERVICES].knowledge_base
    explain = request.query.get("explain", "0")
    if explain not in ("0", "1", "true", "false"):
        raise ApiError(400, "invalid_request", "explain: must be 0 or 1", field="explain")
    results = kb.search(q, top_k)
    body: dict[str, object] = {"query": q, "threshold": kb.threshold, "results": [result_dict(r) for r in results]}
    if explain in ("1", "true"):
        body["explain"] = kb.explain()
    return json_response(body)
