"""The web widget and the app channel's inbound side: static files, the visitor session, and the
WebSockets `/ws/chat` (visitor token) and `/ws/app` (app key + customer id).

Verification only happens here; what a socket does with frames is bot/channels/socket_session.py.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.api.auth import APP_RESOLVER, public
from bot.api.errors import ApiError, json_response, read_json
from bot.api.keys import SERVICES
from bot.api.openapi import _op
from bot.channels.settings import WebChannel
from bot.channels.socket_session import CLOSE_ORIGIN, CLOSE_SESSION, MAX_FRAME, ChatSocket
from bot.channels.tokens import identity_ok
from bot.core.patterns import ID_RULE, valid_id

routes = web.RouteTableDef()
_WS = ("WebSocket (frames: README \"Channels\" / ARCHITECTURE.md): client message, button, rating, typing, "
       "history, leave_message, ping; server message, typing, rating_request, state, error, pong")
def _public_op(summary: str, *codes: str, body: str | None = None) -> dict[str, Any]:
    op = _op(summary, secure=False, body=body)
    for code in codes:
        op["responses"][code] = {"description": "refused", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}}
    return op


OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/widget.js": {"get": _op("The web chat widget: <script src=.../widget.js data-widget-id=W async>", secure=False)},
    "/widget.css": {"get": _op("The widget's styles", secure=False)},
    "/chat": {"get": _op("The chat as a standalone, mobile-friendly page (?widget_id=W)", secure=False)},
    "/api/widget/session": {"post": _public_op(
        "A visitor session for the widget: {widget_id, token?, user_id?, user_hash?} -> {token, customer_id, "
        "conversation_id, expires_at, widget, agents_online}", "400", "403", "404", body="WidgetSessionIn")},
    # Without the WebSocket upgrade headers these answer 400 (aiohttp's handshake refusal).
    "/ws/chat": {"get": _public_op(f"Web widget {_WS}; ?token=<visitor token>", "400")},
    "/ws/app": {"get": _public_op(f"App channel {_WS}; Authorization: Bearer <app key>, ?customer_id=C",
                                  "400", "401")},
}
STATIC = resources.files("bot.channels.web") / "static"
HEARTBEAT = 20.0  # seconds between WebSocket pings; a dead peer is dropped after a missed pong
_TYPES = {".js": "application/javascript", ".css": "text/css", ".html": "text/html"}


def install(app: web.Application) -> None:
    """Open widget and app sockets close with 1012 when the service stops: clients reconnect to
    the restarted service at once, and shutdown does not wait for them."""

    async def close_sockets(app: web.Application) -> None:
        if SERVICES in app:
            await app[SERVICES].sockets.close_all(WSCloseCode.SERVICE_RESTART, b"service restarting")

    app.on_shutdown.append(close_sockets)


def origin_allowed(origin: str | None, request: web.Request, web_channel: WebChannel) -> bool:
    """The service's own pages, the configured sites (`channels.web.domain`, `*.` for
    subdomains), any site when none is configured; a client that sends no Origin is no browser."""
    if not origin:
        return True
    parts = urlsplit(origin)
    if parts.netloc and parts.netloc == request.host:
        return True
    domains = web_channel.domains()
    if not domains:
        return True
    host = (parts.hostname or "").lower()
    for domain in domains:
        domain = urlsplit(domain).hostname or domain if "://" in domain else domain
        if domain.startswith("*.") and (host.endswith(domain[1:]) or host == domain[2:]):
            return True
        if host == domain:
            return True
    return False


def _web(request: web.Request) -> WebChannel:
    services = request.app[SERVICES]
    if not services.settings.channel_enabled("web"):
        raise ApiError(404, "channel_disabled", "the web channel is disabled (channels.web.enabled)")
    return services.settings.channels.web


def _static(name: str) -> web.Response:
    body = (STATIC / name).read_bytes()
    suffix = name[name.rfind("."):]
    return web.Response(body=body, content_type=_TYPES[suffix], charset="utf-8",
                        headers={"Cache-Control": "public, max-age=300"})


@routes.get("/widget.js")
@public
async def widget_js(request: web.Request) -> web.Response:
    _web(request)
    resp = _static("widget.js")
    resp.headers["Access-Control-Allow-Origin"] = "*"  # a script: anybody may load it
    return resp


@routes.get("/widget.css")
@public
async def widget_css(request: web.Request) -> web.Response:
    _web(request)
    resp = _static("widget.css")
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


@routes.get("/chat")
@public
async def chat_page(request: web.Request) -> web.Response:
    _web(request)
    return _static("chat.html")


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    widget_id: str = Field(min_length=1, max_length=64)
    token: str | None = Field(None, max_length=2000)
    user_id: str | None = None
    user_hash: str | None = Field(None, max_length=128)

    @field_validator("user_id")
    @classmethod
    def _user(cls, v: str | None) -> str | None:
        if v is not None and not valid_id(v):
            raise ValueError(f"must be {ID_RULE}")
        return v


def _cors(request: web.Request, resp: web.StreamResponse, web_channel: WebChannel) -> web.StreamResponse:
    origin = request.headers.get("Origin")
    if origin and origin_allowed(origin, request, web_channel):
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
        resp.headers["Access-Control-Max-Age"] = "600"
    resp.headers["Vary"] = "Origin"
    return resp


@routes.options("/api/widget/session")
@public
async def session_preflight(request: web.Request) -> web.StreamResponse:
    return _cors(request, web.Response(status=204), _web(request))


@routes.post("/api/widget/session")
@public
async def widget_session(request: web.Request) -> web.StreamResponse:
    """A visitor token: the same visitor for a valid token, a verified user id when the site
    vouches for it (identity HMAC), otherwise a new anonymous visitor."""
    web_channel = _web(request)
    if not origin_allowed(request.headers.get("Origin"), request, web_channel):
        raise ApiError(403, "origin_refused", "this site may not open the widget (channels.web.domain)",
                       field="Origin")
    try:  # errors carry the CORS headers too, or the widget could not read them
        return _cors(request, await _session(request, web_channel), web_channel)
    except ApiError as exc:
        return _cors(request, exc.response(), web_channel)


async def _session(request: web.Request, web_channel: WebChannel) -> web.Response:
    body = await read_json(request, SessionIn)
    look = web_channel.widget(body.widget_id)
    if look is None:
        raise ApiError(404, "unknown_widget", f"widget_id: no widget {body.widget_id!r} here", field="widget_id")
    services = request.app[SERVICES]
    max_age = web_channel.session_days * 86400
    held = services.tokens.read_visitor(body.token, max_age) if body.token else None
    customer_id = held["c"] if held and held["w"] == body.widget_id else None
    if body.user_id and body.user_hash and identity_ok(web_channel.identity_secret, body.user_id, body.user_hash):
        customer_id = body.user_id
    elif body.user_id and customer_id is not None and not customer_id.startswith("v_"):
        customer_id = None  # a claimed identity that does not verify: anonymous, not the last user
    if customer_id is None:
        customer_id = f"v_{secrets.token_hex(10)}"
    conv = await services.store.conversations.latest_for(customer_id, "web")
    expires = datetime.now(UTC) + timedelta(seconds=max_age)
    return json_response({
        "token": services.tokens.visitor_token(customer_id, body.widget_id),
        "customer_id": customer_id,
        "conversation_id": conv.id if conv else None,
        "expires_at": expires.isoformat(timespec="seconds"),
        "widget": {"id": body.widget_id, **look.model_dump(mode="json")},
        "agents_online": await services.agents.any_online(),
    })


@routes.get("/ws/chat")
@public
async def ws_chat(request: web.Request) -> web.StreamResponse:
    web_channel = _web(request)
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_FRAME)
    await ws.prepare(request)
    # Refusals close with a code the widget understands (an HTTP error before the upgrade
    # reaches browser code only as "connection failed").
    if not origin_allowed(request.headers.get("Origin"), request, web_channel):
        await ws.close(code=CLOSE_ORIGIN, message=b"origin not allowed")
        return ws
    services = request.app[SERVICES]
    held = services.tokens.read_visitor(request.query.get("token", ""), web_channel.session_days * 86400)
    if held is None or web_channel.widget(held["w"]) is None:
        await ws.close(code=CLOSE_SESSION, message=b"session invalid or expired")
        return ws
    await ChatSocket(ws, services, "web", held["c"]).run()
    return ws


@routes.get("/ws/app")
@public
async def ws_app(request: web.Request) -> web.StreamResponse:
    """The app channel: `Authorization: Bearer <app key>` and `?customer_id=`; refused before
    the upgrade (an app, unlike a browser, reads the HTTP status)."""
    services = request.app[SERVICES]
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip() or not key.strip().isascii():
        raise ApiError(401, "unauthorized", "missing app key (Authorization: Bearer <app key>)")
    channel = await request.app[APP_RESOLVER](key.strip())  # the same check POST /api/message makes
    if channel is None:
        raise ApiError(401, "unauthorized", "invalid app key")
    customer_id = request.query.get("customer_id", "")
    if not valid_id(customer_id):
        raise ApiError(400, "invalid_customer_id", f"customer_id: must be {ID_RULE}", field="customer_id")
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_FRAME)
    await ws.prepare(request)
    await ChatSocket(ws, services, channel, customer_id).run()
    return ws
