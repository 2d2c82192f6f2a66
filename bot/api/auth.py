"""Bearer-token checks. Handlers declare who may call them; the default is the admin."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.api.admin_token import token_matches
from bot.api.errors import ApiError, Handler

ADMIN_TOKEN: web.AppKey[str] = web.AppKey("admin_token", str)
# Resolves an agent token to the agent (issue 4 plugs the agent directory in here).
AGENT_RESOLVER: web.AppKey[Callable[[str], Awaitable[Any]]] = web.AppKey("agent_resolver")
# Resolves an app key to its app channel's name (bot/channels/app_keys.py).
APP_RESOLVER: web.AppKey[Callable[[str], Awaitable[str | None]]] = web.AppKey("app_resolver")
# Who is calling: "admin", the agent record the resolver returned, or an AppCaller.
ACTOR: web.RequestKey[Any] = web.RequestKey("actor")
CUSTOMER_BEARER: web.RequestKey[str] = web.RequestKey("customer_bearer")


def public(handler: Handler) -> Handler:
    handler.auth = "public"  # type: ignore[attr-defined]
    return handler


def agent_or_admin(handler: Handler) -> Handler:
    handler.auth = "agent"  # type: ignore[attr-defined]
    return handler


def app_or_admin(handler: Handler) -> Handler:
    """The admin token or an app key (`add_channel --type app`): ACTOR is then an AppCaller."""
    handler.auth = "app"  # type: ignore[attr-defined]
    return handler


def customer_or_admin(handler: Handler) -> Handler:
    """The admin token, or any other bearer left for the handler to check (a customer token
    is valid for one customer's conversations only): CUSTOMER_BEARER holds it."""
    handler.auth = "customer"  # type: ignore[attr-defined]
    return handler


@dataclass(frozen=True, slots=True)
class AppCaller:
    channel: str  # the app channel the key belongs to


class _Malformed(Exception):
    """An Authorization header no token we issue could match (bytes that are not printable ASCII)."""


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    # Tokens are printable ASCII. aiohttp hands undecodable header bytes over as surrogates,
    # which would blow up as soon as anything encodes them.
    if not (token.isascii() and token.isprintable()):
        raise _Malformed
    return token


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    route_handler = request.match_info.route.handler
    need = getattr(route_handler, "auth", "admin")
    if need == "public" or request.match_info.http_exception is not None:
        return await handler(request)
    try:
        token = _bearer(request)
    except _Malformed:
        raise ApiError(401, "unauthorized", "malformed bearer token (tokens are printable ASCII)") from None
    if token is None:
        raise ApiError(401, "unauthorized", "missing bearer token (Authorization: Bearer <token>)")
    if token_matches(token, request.app[ADMIN_TOKEN]):
        request[ACTOR] = "admin"
        return await handler(request)
    if need == "customer":
        request[CUSTOMER_BEARER] = token
        return await handler(request)
    if need == "app" and APP_RESOLVER in request.app:
        channel = await request.app[APP_RESOLVER](token)
        if channel is not None:
            request[ACTOR] = AppCaller(channel)
            return await handler(request)
    if need == "agent" and AGENT_RESOLVER in request.app:
        agent = await request.app[AGENT_RESOLVER](token)
        if agent is not None:
            request[ACTOR] = agent
            return await handler(request)
    raise ApiError(401, "unauthorized", "invalid or expired token")
