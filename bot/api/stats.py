"""HTTP routes: the reports (admin token). Figures are defined in bot/reports/service.py, the
customer insight report's in bot/reports/insight.py (GET /api/reports/insight: JSON, or with
format=html the offline page). The insight route recognises an agent token and refuses it with
403, like the customer data routes; the older report routes answer any non-admin token 401."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.api.auth import ACTOR, agent_or_admin
from bot.api.errors import ApiError, json_response, not_found
from bot.api.keys import SERVICES
from bot.api.openapi import _op
from bot.api.params import IntQuery, PathId, StrQuery, one
from bot.reports.insight import MAX_REPEAT_WITHIN, MAX_TOP, InsightReports
from bot.reports.period import MAX_DAYS, PERIOD_HELP, PERIOD_PATTERN, ReportInputError, UnknownAgent

routes = web.RouteTableDef()

DAYS = IntQuery("days", 30, 1, MAX_DAYS, f"whole UTC days ending today, 1-{MAX_DAYS} (default 30)")
# Documented by the exact pattern; read by _period, as the reports explain a bad one best ("hours must be ...").
PERIOD = StrQuery("period", pattern=PERIOD_PATTERN, description=PERIOD_HELP)
AGENT_ID = PathId("agent_id")
FORMAT = StrQuery("format", enum=("json", "html"), description="json (default) or html: one page that opens offline")
REPEAT_WITHIN = IntQuery("repeat_within", 7, 1, MAX_REPEAT_WITHIN,
                         "a conversation within this many days of the customer's previous one is a repeat (default 7)")
TOP = IntQuery("top", 10, 1, MAX_TOP, "customers per top list (default 10)")
# Paths this module serves, merged into /api/openapi.json (a test checks they match the routes).
OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/api/stats": {
        "get": _op(
            f"Support KPIs over a period ({PERIOD_HELP}; default 7d): first response and resolution times, "
            "resolution rate, bot containment, handoff rate, SLA attainment, CSAT, distributions, daily trend",
            params=[PERIOD.spec()],
        )
    },
    "/api/stats/agents/{agent_id}": {
        "get": _op(
            "One agent's performance: tickets, handoffs, first response, handle time, CSAT, SLA",
            params=[AGENT_ID.spec(), DAYS.spec()],
        )
    },
    "/api/reports/insight": {
        "get": _op(
            "Customer insight over whole UTC days against the period before: contact reasons (intents, ticket types, "
            "FAQ categories) and their moves, unanswered-question clusters with masked examples, sentiment and CSAT "
            "by reason and channel, repeat contacts, the customers (masked) and tags behind most tickets (admin)",
            params=[DAYS.spec(), FORMAT.spec(), REPEAT_WITHIN.spec(), TOP.spec()],
        ),
    },
    "/api/stats/satisfaction": {
        "get": _op(
            "CSAT: distribution, average, % satisfied, by agent, by channel, recent low ratings",
            params=[DAYS.spec()],
        )
    },
}


def _bad(exc: ReportInputError) -> ApiError:
    return ApiError(400, "invalid_request", str(exc), field=exc.field)


def _period(request: web.Request) -> str:
    """The raw period (given once); the report's own parser names what is wrong with a bad one."""
    raw = one(request, "period")
    return "7d" if raw is None else raw


@routes.get("/api/stats")
async def get_stats(request: web.Request) -> web.Response:
    try:
        report = await request.app[SERVICES].reports.stats(_period(request))
    except ReportInputError as exc:
        raise _bad(exc) from None
    return json_response(report.as_dict())


@routes.get("/api/stats/agents/{agent_id}")
async def get_agent_stats(request: web.Request) -> web.Response:
    agent_id = AGENT_ID.read(request)
    try:
        report = await request.app[SERVICES].reports.agent_performance(agent_id, DAYS.read(request))
    except ReportInputError as exc:
        raise _bad(exc) from None
    except UnknownAgent:
        raise not_found("agent", agent_id) from None
    return json_response(report.as_dict())


@routes.get("/api/stats/satisfaction")
async def get_satisfaction(request: web.Request) -> web.Response:
    try:
        report = await request.app[SERVICES].reports.satisfaction_report(DAYS.read(request))
    except ReportInputError as exc:
        raise _bad(exc) from None
    return json_response(report.as_dict())


@routes.get("/api/reports/insight")
@agent_or_admin
async def get_insight(request: web.Request) -> web.Response:
    if request[ACTOR] != "admin":
        raise ApiError(403, "admin_token_required", "the insight report takes the admin token")
    days, fmt = DAYS.read(request), FORMAT.read(request) or "json"
    repeat_within, top = REPEAT_WITHIN.read(request), TOP.read(request)
    try:
        report = await InsightReports(request.app[SERVICES].store).insight(days, repeat_within=repeat_within, top=top)
    except ReportInputError as exc:
        raise _bad(exc) from None
    if fmt == "html":
        from bot.reports.insight_html import render_insight_html

        return web.Response(text=render_insight_html(report.as_dict()), content_type="text/html", charset="utf-8",
                            headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                                     "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
    return json_response(report.as_dict())
