"""HTTP routes: the reports (admin token). Figures are defined in bot/reports/service.py."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.api.errors import ApiError, json_response, not_found
from bot.api.keys import SERVICES
from bot.api.openapi import _op, _p, _q
from bot.reports.period import MAX_DAYS, PERIOD_HELP, ReportInputError, UnknownAgent, check_days

routes = web.RouteTableDef()

_DAYS = f"whole UTC days ending today, 1-{MAX_DAYS} (default 30)"
# Paths this module serves, merged into /api/openapi.json (a test checks they match the routes).
OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/api/stats": {
        "get": _op(
            f"Support KPIs over a period ({PERIOD_HELP}; default 7d): first response and resolution times, "
            "resolution rate, bot containment, handoff rate, SLA attainment, CSAT, distributions, daily trend",
            params=[_q("period", pattern=r"^\s*[0-9]{1,6}\s*[hdwHDW]\s*$")],
        )
    },
    "/api/stats/agents/{agent_id}": {
        "get": _op(
            "One agent's performance: tickets, handoffs, first response, handle time, CSAT, SLA",
            params=[_p("agent_id"), {**_q("days", "integer", minimum=1, maximum=MAX_DAYS), "description": _DAYS}],
        )
    },
    "/api/stats/satisfaction": {
        "get": _op(
            "CSAT: distribution, average, % satisfied, by agent, by channel, recent low ratings",
            params=[{**_q("days", "integer", minimum=1, maximum=MAX_DAYS), "description": _DAYS}],
        )
    },
}


def _bad(exc: ReportInputError) -> ApiError:
    return ApiError(400, "invalid_request", str(exc), field=exc.field)


def _days(request: web.Request) -> int:
    raw = request.query.get("days", "30").strip()
    try:
        return check_days(int(raw))
    except ValueError:
        raise ApiError(
            400, "invalid_request", f"days: must be a whole number of days between 1 and {MAX_DAYS}", field="days"
        ) from None


@routes.get("/api/stats")
async def get_stats(request: web.Request) -> web.Response:
    try:
        report = await request.app[SERVICES].reports.stats(request.query.get("period", "7d"))
    except ReportInputError as exc:
        raise _bad(exc) from None
    return json_response(report.as_dict())


@routes.get("/api/stats/agents/{agent_id}")
async def get_agent_stats(request: web.Request) -> web.Response:
    agent_id = request.match_info["agent_id"]
    try:
        report = await request.app[SERVICES].reports.agent_performance(agent_id, _days(request))
    except ReportInputError as exc:
        raise _bad(exc) from None
    except UnknownAgent:
        raise not_found("agent", agent_id) from None
    return json_response(report.as_dict())


@routes.get("/api/stats/satisfaction")
async def get_satisfaction(request: web.Request) -> web.Response:
    try:
        report = await request.app[SERVICES].reports.satisfaction_report(_days(request))
    except ReportInputError as exc:
        raise _bad(exc) from None
    return json_response(report.as_dict())
