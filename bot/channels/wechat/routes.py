"""WeChat Official Account inbound: `GET /channels/wechat` (URL verification) and
`POST /channels/wechat` (pushed messages and events, plaintext, compatible or safe mode).

Verification comes first and a refused request is never processed: a bad `signature` (or, with
`encrypt_type=aes`, `msg_signature`), a `timestamp` outside `channels.wechat.replay_window` or a
(timestamp, nonce) pair already used is a 403, a body that is no WeChat message a 400. A message
then waits for its turn up to `channels.wechat.reply_deadline` and is answered with a passive
reply, or with `success` when it is late (the reply follows by the customer-service API):
bot/channels/wechat/turns.py explains why every MsgId gets exactly one answer.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import structlog
from aiohttp import web

from bot.api.auth import public
from bot.api.errors import ApiError
from bot.api.keys import SERVICES
from bot.api.openapi import _ERROR
from bot.channels.outbox import OutboxItem
from bot.channels.wechat.inbound import run_turn, welcome
from bot.channels.wechat.translate import (
    CHANNEL,
    MAX_BODY,
    BadMessage,
    SignatureRefused,
    fit,
    message_text,
    parse,
    passive_reply,
    refuse_markup,
)
from bot.core.clock import now_iso
from bot.runtime import ShuttingDown

if TYPE_CHECKING:  # wechatpy loads with the connector, when the channel is configured (bot/app.py)
    from bot.channels.wechat.channel import WechatChannel

log = structlog.get_logger(__name__)
routes = web.RouteTableDef()

PATH = "/channels/wechat"


def _param(name: str, description: str) -> dict[str, Any]:
    # WeChat's query values are short ASCII tokens (the server refuses anything else with a 403)
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "pattern": "^[0-9A-Za-z_-]+$", "maxLength": 128}}


_SIGNED = [_param("signature", "sha1 of the sorted token, timestamp and nonce"),
           _param("timestamp", "unix seconds"), _param("nonce", "WeChat's nonce")]


def _wechat_op(summary: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    return {"summary": summary, "security": [], "parameters": params, "responses": {
        "200": {"description": "OK (text/plain or application/xml)"},
        "400": _ERROR, "403": {**_ERROR, "description": "the signature does not verify, the timestamp is stale or "
                                          "the timestamp and nonce were used already"},
        "404": {**_ERROR, "description": "the wechat channel is not enabled and configured"},
        "413": {**_ERROR, "description": "the body is larger than 64 KiB"},
        "503": {**_ERROR, "description": "the service is shutting down or the turn failed; WeChat retries"},
    }}


OPENAPI_PATHS: dict[str, dict[str, Any]] = {PATH: {
    "get": _wechat_op("WeChat Official Account URL verification: answers echostr when the signature verifies",
                      [*_SIGNED, _param("echostr", "echoed back")]),
    "post": _wechat_op(
        "WeChat Official Account messages and events (XML; plaintext, compatible or safe mode): a passive "
        "reply within channels.wechat.reply_deadline, else `success` and message/custom/send",
        [*_SIGNED, _param("openid", "the sender"), _param("encrypt_type", "aes in compatible and safe mode"),
         _param("msg_signature", "the signature of the encrypted message")]),
}}


async def _connector(request: web.Request) -> WechatChannel:
    services = request.app[SERVICES]
    channel = await services.channels.get(CHANNEL) if services.settings.channel_enabled(CHANNEL) else None
    if channel is not None:
        from bot.channels.wechat.channel import WechatChannel

        if isinstance(channel, WechatChannel):
            return channel
    raise ApiError(404, "channel_disabled", "the wechat channel is not enabled or not configured (channels.wechat)")


def _verified(request: web.Request, channel: WechatChannel) -> tuple[str, str]:
    q = request.query
    timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
    try:
        channel.verify(q.get("signature", ""), timestamp, nonce)
    except SignatureRefused:
        log.warning("wechat_signature_refused")
        raise ApiError(403, "forbidden", "the signature does not verify") from None
    if not channel.replay.fresh(timestamp):
        log.warning("wechat_stale_timestamp", window=channel.replay.window)
        raise ApiError(403, "forbidden", "the timestamp is too far from now") from None
    return timestamp, nonce


def _success() -> web.Response:
    return web.Response(text="success", content_type="text/plain")


@routes.get(PATH)
@public
async def verify_url(request: web.Request) -> web.Response:
    channel = await _connector(request)
    _verified(request, channel)
    echostr = request.query.get("echostr", "")
    if not echostr or len(echostr) > 512 or not (echostr.isascii() and echostr.isprintable()):
        raise ApiError(400, "invalid_request", "echostr: required", field="echostr")
    return web.Response(text=echostr, content_type="text/plain")


@routes.post(PATH)
@public
async def receive(request: web.Request) -> web.Response:
    started = time.monotonic()
    channel = await _connector(request)
    timestamp, nonce = _verified(request, channel)
    encrypt_type = request.query.get("encrypt_type", "raw").lower()
    if encrypt_type not in ("raw", "aes"):
        raise ApiError(400, "invalid_request", "encrypt_type: raw or aes", field="encrypt_type")
    raw = await request.read()
    if len(raw) > MAX_BODY:
        raise ApiError(413, "too_large", "the request body is too large")
    try:
        body = raw.decode("utf-8")
        refuse_markup(body)
        xml = channel.decrypt(body, request.query.get("msg_signature", ""), timestamp, nonce) \
            if encrypt_type == "aes" else body
        pushed = parse(xml)
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_encoding", "the body is not valid UTF-8") from None
    except SignatureRefused:
        log.warning("wechat_signature_refused", encrypted=True)
        raise ApiError(403, "forbidden", "msg_signature does not verify") from None
    except BadMessage as exc:
        raise ApiError(400, "invalid_message", str(exc)) from None
    # After the body is known to be a signed WeChat message, with no await since: of two copies
    # of one request, exactly one gets here first.
    if not channel.replay.claim(timestamp, nonce):
        log.warning("wechat_replay_refused")
        raise ApiError(403, "forbidden", "this timestamp and nonce were used already") from None
    if pushed.kind == "ignore":
        return _success()

    services = request.app[SERVICES]
    outbox = services.store.outbox

    def start() -> Any:
        return run_turn(services, pushed) if pushed.kind == "turn" else welcome(services, pushed)

    async def take(seqs: list[int]) -> list[OutboxItem]:
        rows = await outbox.take_for_reply(seqs, now_iso())
        keep = fit([message_text(r.outbound()) for r in rows])
        for row in rows[keep:]:  # too long for one passive reply: back to the delivery service
            await outbox.mark(row.id, "pending", 0, now_iso(), None)
        return rows[:keep]

    deadline = channel.settings.reply_deadline - (time.monotonic() - started)
    try:
        rows = await channel.turns.answer((pushed.openid, pushed.message_id), start, deadline, take,
                                          services.delivery.kick)
    except ShuttingDown:
        raise ApiError(503, "shutting_down", "the service is shutting down; retry shortly") from None
    except Exception:  # logged by the turn board; nothing was answered, so WeChat may try again
        raise ApiError(503, "unavailable", "the message could not be processed; retry") from None
    if not rows:
        return _success()
    content = "\n\n".join(message_text(r.outbound()) for r in rows)
    reply = passive_reply(pushed, content, int(time.time()))
    if encrypt_type == "aes":
        reply = channel.encrypt(reply, nonce, str(int(time.time())))
    return web.Response(text=reply, content_type="application/xml")
