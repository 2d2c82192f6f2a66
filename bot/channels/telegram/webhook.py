"""`POST /channels/telegram`: the Bot API's webhook (channels.telegram.mode: webhook).

Telegram sends the `secret_token` given to setWebhook in `X-Telegram-Bot-Api-Secret-Token`; it
is compared in constant time with channels.telegram.secret_token before the body is read
(missing: 401, wrong or none configured: 403; nothing is processed). The update is processed
before the answer, so a crash means Telegram sends it again, and the runtime's dedupe answers a
retried update once. Register the URL once: `curl https://api.telegram.org/bot<token>/setWebhook
-d url=https://<host>/channels/telegram -d secret_token=<secret_token>`.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bot.api.auth import public
from bot.api.errors import ApiError, json_response
from bot.api.keys import SERVICES
from bot.api.openapi import _op, _status
from bot.runtime import ShuttingDown

routes = web.RouteTableDef()
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/channels/telegram"


def _webhook_op() -> dict[str, Any]:
    op = _op("Telegram Bot API webhook: an Update, with X-Telegram-Bot-Api-Secret-Token = "
             "channels.telegram.secret_token (mode: webhook)", secure=False)
    for code, why in (("400", "the body is no Telegram Update"), ("401", "the secret token header is missing"),
                      ("403", "the secret token is wrong, or channels.telegram.secret_token is unset"),
                      ("404", "the Telegram channel is disabled or not in webhook mode"),
                      ("503", "the service is shutting down; Telegram retries")):
        _status(op, code, why)
    return op


OPENAPI_PATHS: dict[str, dict[str, Any]] = {PATH: {"post": _webhook_op()}}


def _secret_matches(given: str, expected: str) -> bool:
    # Header bytes aiohttp could not decode arrive as surrogates; compare the bytes as sent.
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())


@routes.post(PATH)
@public
async def telegram_webhook(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    conf = services.settings.channels.telegram
    channel = services.telegram
    if channel is None or conf.mode != "webhook":
        raise ApiError(404, "channel_disabled",
                       "the Telegram webhook is off (channels.telegram: enabled, token, mode: webhook)")
    given = request.headers.get(SECRET_HEADER)
    if not given:
        raise ApiError(401, "unauthorized", f"missing {SECRET_HEADER}", field=SECRET_HEADER)
    if not conf.secret_token or not _secret_matches(given, conf.secret_token):
        raise ApiError(403, "forbidden", f"wrong {SECRET_HEADER}", field=SECRET_HEADER)
    try:
        data = json.loads(await request.read())
    except ValueError:
        raise ApiError(400, "invalid_json", "the body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise ApiError(400, "invalid_update", "the body is no Telegram Update (update_id)", field="update_id")
    from bot.channels.telegram.inbound import TelegramInbound

    try:
        update = channel.parse(data)
    except ValidationError as exc:
        raise ApiError(400, "invalid_update", f"the body is no Telegram Update: {exc.errors()[0]['msg']}") from None
    try:
        await TelegramInbound(services, channel).handle(update)
    except ShuttingDown:
        raise ApiError(503, "shutting_down", "the service is restarting; Telegram retries the update") from None
    return json_response({"ok": True})
