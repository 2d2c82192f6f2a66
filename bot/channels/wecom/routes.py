"""WeCom inbound: `GET /channels/wecom` (URL verification: the decrypted echostr) and
`POST /channels/wecom` (AES messages). A bad msg_signature is a 403 and nothing is processed; a
verified message is acknowledged at once with an empty 200 and its turn runs in the background,
its replies going out by `message/send` through the outbox. WeCom retries a callback it got no
answer to; the runtime's dedupe (message_id = MsgId) keeps a retry from a second turn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import structlog
from aiohttp import web

from bot.api.auth import public
from bot.api.errors import ApiError
from bot.api.keys import SERVICES
from bot.api.openapi import _ERROR
from bot.channels.wechat.translate import BadMessage, SignatureRefused
from bot.channels.wecom.callback import MAX_BODY, CallbackCrypto
from bot.channels.wecom.translate import CHANNEL, parse

if TYPE_CHECKING:
    from bot.channels.wecom.channel import WecomChannel

log = structlog.get_logger(__name__)
routes = web.RouteTableDef()
C = TypeVar("C")

PATH = "/channels/wecom"


def param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "pattern": "^[0-9A-Za-z_-]+$", "maxLength": 128}}


SIGNED = [param("msg_signature", "sha1 of the sorted token, timestamp, nonce and ciphertext"),
          param("timestamp", "unix seconds"), param("nonce", "the platform's nonce")]
# Base64 and short enough that the whole request line stays under the server's 8 KiB limit.
ECHOSTR = {"name": "echostr", "in": "query", "required": False, "description": "the encrypted echo (base64)",
           "schema": {"type": "string", "pattern": "^[A-Za-z0-9+/=]+$", "maxLength": 512}}


def op(summary: str, params: list[dict[str, Any]], channel: str) -> dict[str, Any]:
    return {"summary": summary, "security": [], "parameters": params, "responses": {
        "200": {"description": "OK (text/plain)"},
        # 400 is also aiohttp's own plain-text answer to a request line over 8 KiB.
        "400": {"description": "bad request", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
            "text/plain": {"schema": {"type": "string"}}}},
        "403": {**_ERROR, "description": "msg_signature does not verify"},
        "404": {**_ERROR, "description": f"the {channel} channel is not enabled and configured"},
        "413": {**_ERROR, "description": "the body is larger than 64 KiB"},
    }}


OPENAPI_PATHS: dict[str, dict[str, Any]] = {PATH: {
    "get": op("WeCom URL verification: answers the decrypted echostr when msg_signature verifies",
              [*SIGNED, ECHOSTR], CHANNEL),
    "post": op("WeCom application messages and events (AES XML): an empty 200 at once, replies by message/send",
               SIGNED, CHANNEL),
}}


def crypto_of(channel: Any, name: str) -> CallbackCrypto:
    if channel.crypto is None:
        raise ApiError(404, "channel_disabled", f"channels.{name}: token and encoding_aes_key are required")
    return channel.crypto  # type: ignore[no-any-return]


def echo(request: web.Request, crypto: CallbackCrypto, name: str) -> web.Response:
    q = request.query
    try:
        text = crypto.echo(q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", ""), q.get("echostr", ""))
    except SignatureRefused:
        log.warning("callback_signature_refused", channel=name)
        raise ApiError(403, "forbidden", "msg_signature does not verify") from None
    except BadMessage as exc:
        raise ApiError(400, "invalid_request", str(exc), field="echostr") from None
    return web.Response(text=text, content_type="text/plain")


async def opened(request: web.Request, crypto: CallbackCrypto, name: str) -> str:
    """The verified, decrypted XML of a callback POST."""
    raw = await request.read()
    if len(raw) > MAX_BODY:
        raise ApiError(413, "too_large", "the request body is too large")
    q = request.query
    try:
        return crypto.decrypt(raw.decode("utf-8"), q.get("msg_signature", ""), q.get("timestamp", ""),
                              q.get("nonce", ""))
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_encoding", "the body is not valid UTF-8") from None
    except SignatureRefused:
        log.warning("callback_signature_refused", channel=name, encrypted=True)
        raise ApiError(403, "forbidden", "msg_signature does not verify") from None
    except BadMessage as exc:
        raise ApiError(400, "invalid_message", str(exc)) from None


async def enabled_connector(request: web.Request, name: str, kind: type[C]) -> C:
    """The connector serving channel `name`, or 404 when the channel is off or not configured."""
    services = request.app[SERVICES]
    channel = await services.channels.get(name) if services.settings.channel_enabled(name) else None
    if isinstance(channel, kind):
        return channel
    raise ApiError(404, "channel_disabled", f"the {name} channel is not enabled or not configured (channels.{name})")


async def _connector(request: web.Request) -> WecomChannel:
    from bot.channels.wecom.channel import WecomChannel

    return await enabled_connector(request, CHANNEL, WecomChannel)


@routes.get(PATH)
@public
async def verify_url(request: web.Request) -> web.Response:
    channel = await _connector(request)
    return echo(request, crypto_of(channel, CHANNEL), CHANNEL)


@routes.post(PATH)
@public
async def receive(request: web.Request) -> web.Response:
    channel = await _connector(request)
    xml = await opened(request, crypto_of(channel, CHANNEL), CHANNEL)
    try:
        pushed = parse(xml)
    except BadMessage as exc:
        raise ApiError(400, "invalid_message", str(exc)) from None
    if pushed.kind == "ignore":
        log.info("wecom_message_ignored", message_id=pushed.message_id)
    else:
        channel.tasks.spawn(channel.handle(request.app[SERVICES], pushed))
    return web.Response(text="", content_type="text/plain")
