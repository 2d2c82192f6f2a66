"""Phone inbound: `POST /channels/phone/twilio` (form-encoded, answered with TwiML) and
`POST /channels/phone/alicloud` (JSON in and out); only the provider of channels.phone.provider
is served (the other answers 404).

Verification comes first, and a refused request is never processed: a bad `X-Twilio-Signature`
or a wrong secret token is a 403. The turn then runs before the answer (bot/channels/phone/dialog.py).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import structlog
from aiohttp import web

from bot.api.auth import public
from bot.api.errors import ApiError, json_response
from bot.api.keys import SERVICES
from bot.api.openapi import _op, _status
from bot.channels.phone import alicloud, twilio
from bot.channels.phone.turn import CHANNEL, mask_number
from bot.runtime import ShuttingDown

if TYPE_CHECKING:
    from bot.channels.phone.channel import PhoneChannel

log = structlog.get_logger(__name__)
routes = web.RouteTableDef()
MAX_BODY = 64 * 1024


def _phone_op(summary: str, refused: str) -> dict[str, Any]:
    op = _op(summary, secure=False)
    for code, why in (("400", "the body is not a call request this adapter reads"), ("403", refused),
                      ("404", "the phone channel is disabled, or configured for the other provider"),
                      ("413", "the body is larger than 64 KiB"),
                      ("503", "the service is shutting down; the provider retries")):
        _status(op, code, why)
    return op


OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    twilio.PATH: {"post": _phone_op(
        "Twilio voice webhook (form-encoded, X-Twilio-Signature): answered with TwiML "
        "(<Gather input=\"speech dtmf\"><Say>, <Dial> to a human, <Hangup/>)",
        "X-Twilio-Signature does not verify")},
    alicloud.PATH: {"post": _phone_op(
        "Alibaba Cloud voice robot callback (JSON, secret token): answered with "
        '{"action": "play_and_listen"|"transfer"|"hangup", "text": ...}',
        "the secret token is missing or wrong")},
}


async def _connector(request: web.Request, provider: str) -> PhoneChannel:
    services = request.app[SERVICES]
    conf = services.settings.channels.phone
    channel = await services.channels.get(CHANNEL) if conf.enabled and conf.provider == provider else None
    if channel is not None:
        from bot.channels.phone.channel import PhoneChannel

        if isinstance(channel, PhoneChannel):
            return channel
    raise ApiError(404, "channel_disabled",
                   f"the phone channel is not enabled for {provider} (channels.phone: enabled, provider: {provider})")


async def _body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ApiError(413, "too_large", "the request body is too large")
    raw = await request.read()
    if len(raw) > MAX_BODY:
        raise ApiError(413, "too_large", "the request body is too large")
    return raw


def _public_base(request: web.Request, configured: str | None) -> str:
    return configured.rstrip("/") if configured else f"{request.scheme}://{request.host}"


@routes.post(twilio.PATH)
@public
async def twilio_webhook(request: web.Request) -> web.Response:
    channel = await _connector(request, "twilio")
    conf = channel.settings
    raw = await _body(request)
    try:
        params = parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        params = None
    url = _public_base(request, conf.public_base_url) + request.raw_path
    if params is None or not twilio.verify(conf.auth_token or "", url,
                                           params, request.headers.get(twilio.SIGNATURE_HEADER, "")):
        log.warning("twilio_signature_refused")
        raise ApiError(403, "forbidden", f"{twilio.SIGNATURE_HEADER} does not verify")
    try:
        turn = twilio.parse(dict(params), dict(request.query))
    except twilio.BadRequest as exc:
        raise ApiError(400, "invalid_request", str(exc)) from None
    try:
        reply = await channel.dialog(request.app[SERVICES]).answer(turn)
    except ShuttingDown:
        raise ApiError(503, "shutting_down", "the service is shutting down; retry shortly") from None
    base = conf.public_base_url.rstrip("/") if conf.public_base_url else ""
    return web.Response(text=twilio.twiml(reply, base, conf.voice, conf.speech_language), content_type=twilio.TWIML)


@routes.post(alicloud.PATH)
@public
async def alicloud_callback(request: web.Request) -> web.Response:
    channel = await _connector(request, "alicloud")
    conf = channel.settings
    raw = await _body(request)
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        data = None
    given = alicloud.given_token(data or {}, request.headers.get(alicloud.TOKEN_HEADER))
    if not alicloud.token_matches(given, conf.secret_token):
        log.warning("alicloud_token_refused")
        raise ApiError(403, "forbidden", "the secret token is missing or wrong")
    if data is None:
        raise ApiError(400, "invalid_json", "the body is not a JSON object")
    call_id = alicloud.call_id_of(data)
    try:
        callback = alicloud.parse(data, channel.calls.state(call_id))
    except alicloud.BadRequest as exc:
        raise ApiError(400, "invalid_request", str(exc)) from None
    again = channel.calls.repeated(call_id, callback.fingerprint)
    if again is not None:
        log.info("alicloud_callback_repeated", caller=mask_number(callback.turn.caller))
        return json_response(again)
    try:
        reply = await channel.dialog(request.app[SERVICES]).answer(callback.turn)
    except ShuttingDown:
        raise ApiError(503, "shutting_down", "the service is shutting down; retry shortly") from None
    out = alicloud.answer(reply, conf.voice)
    channel.calls.record(call_id, reply.next, callback.fingerprint, out)
    return json_response(out)
