"""HTTP routes: the reports (admin token). Figures are defined in bot/reports/service.py."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.api.errors import ApiError, json_response, not_found
from bot.api.keys import SERVICES
from bot.api.openapi import _op
from bot.api.params import IntQuery, PathId, StrQuery, one
from bot.reports.period import MAX_DAYS, PERIOD_HELP, PERIOD_PATTERN, ReportInputError, UnknownAgent

routes = web.RouteTableDef()

DAYS = IntQuery("days", 30, 1, MAX_DAYS, f"whole UTC days ending today, 1-{MAX_DAYS} (default 30)")
# Documented by the exact pattern; read by _period, as the reports explain a bad one best ("hours must be ...").
PERIOD = StrQuery("period", pattern=PERIOD_PATTERN, description=PERIOD_HELP)
AGENT_ID = PathId("agent_id")
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
