"""WeChat customer-service inbound: `GET /channels/wechat-kf` (URL verification, WeCom's
encrypted echostr) and `POST /channels/wechat-kf` (the `kf_msg_or_event` callback). A verified
callback is acknowledged at once (empty 200) and its `kf/sync_msg` pull runs in the background."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog
from aiohttp import web

from bot.api.auth import public
from bot.api.errors import ApiError
from bot.api.keys import SERVICES
from bot.channels.wechat.translate import BadMessage
from bot.channels.wechat_kf.sync import CHANNEL
from bot.channels.wecom.routes import ECHOSTR, SIGNED, crypto_of, echo, enabled_connector, op, opened

if TYPE_CHECKING:
    from bot.channels.wechat_kf.channel import WechatKfChannel

log = structlog.get_logger(__name__)
routes = web.RouteTableDef()

PATH = "/channels/wechat-kf"

OPENAPI_PATHS: dict[str, dict[str, Any]] = {PATH: {
    "get": op("WeChat customer service URL verification: the decrypted echostr when msg_signature verifies",
              [*SIGNED, ECHOSTR], CHANNEL),
    "post": op("WeChat customer service callback (kf_msg_or_event): an empty 200 at once, then kf/sync_msg",
               SIGNED, CHANNEL),
}}


async def _connector(request: web.Request) -> WechatKfChannel:
    from bot.channels.wechat_kf.channel import WechatKfChannel

    return await enabled_connector(request, CHANNEL, WechatKfChannel)


@routes.get(PATH)
@public
async def verify_url(request: web.Request) -> web.Response:
    channel = await _connector(request)
    return echo(request, crypto_of(channel, CHANNEL), CHANNEL)


@routes.post(PATH)
@public
async def receive(request: web.Request) -> web.Response:
    import xmltodict

    channel = await _connector(request)
    xml = await opened(request, crypto_of(channel, CHANNEL), CHANNEL)
    try:
        raw = xmltodict.parse(xml, disable_entities=True).get("xml") or {}
    except Exception:
        raise ApiError(400, "invalid_message", str(BadMessage("not a callback"))) from None
    event = str(raw.get("Event") or "").strip().lower() if isinstance(raw, dict) else ""
    token = str(raw.get("Token") or "").strip() if isinstance(raw, dict) else ""
    open_kfid = str(raw.get("OpenKfId") or "").strip() if isinstance(raw, dict) else ""
    if event != "kf_msg_or_event" or not token or not open_kfid:
        log.info("wechat_kf_callback_ignored", event=event[:40])
        return web.Response(text="", content_type="text/plain")

    async def pull() -> None:
        await channel.sync(request.app[SERVICES], open_kfid, token)

    channel.tasks.spawn(pull())
    return web.Response(text="", content_type="text/plain")
