"""POST /api/message and the conversation transcript."""

from __future__ import annotations

import time

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.api.auth import ACTOR, CUSTOMER_BEARER, AppCaller, app_or_admin, customer_or_admin
from bot.api.errors import ApiError, json_response, not_found, read_json
from bot.api.keys import METRICS, SERVICES
from bot.api.openapi import AFTER_SEQ, CONVERSATION_ID, TRANSCRIPT_LIMIT
from bot.app import Services
from bot.core.events import MAX_MESSAGE_CHARS, InboundEvent
from bot.core.patterns import ID_RULE, valid_id
from bot.runtime import ShuttingDown

routes = web.RouteTableDef()


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str = Field(min_length=1, max_length=64)  # an enabled channel: see known_channel
    customer_id: str
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    message_id: str | None = Field(None, min_length=1, max_length=128)

    @field_validator("message")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v.strip()

    @field_validator("customer_id")
    @classmethod
    def _id(cls, v: str) -> str:
        # The same rule GET /api/customers/{id} applies: an id stored here must be readable there.
        # Not trimmed: ids are matched exactly, and the document says so.
        if not valid_id(v):
            raise ValueError(f"must be {ID_RULE}")
        return v


async def enabled_channels(services: Services) -> list[str]:
    """The channels POST /api/message takes (the document's `channel` enum): see known_channel."""
    names = {n for n in services.settings.channels.names() if services.settings.channel_enabled(n)}
    names.update(r.name for r in await services.store.channels.list() if r.enabled)
    return sorted(names)


async def known_channel(request: web.Request, name: str) -> None:
    # The same set as enabled_channels, without listing every registered channel per message.
    services = request.app[SERVICES]
    if services.settings.channel_enabled(name):
        return
    record = await services.store.channels.get(name)
    if record is None or not record.enabled:
        raise ApiError(400, "unknown_channel", f"channel: unknown or disabled channel {name!r}", field="channel")


@routes.post("/api/message")
@app_or_admin
async def post_message(request: web.Request) -> web.Response:
    body = await read_json(request, MessageIn)
    actor = request[ACTOR]
    if isinstance(actor, AppCaller) and body.channel != actor.channel:
        raise ApiError(403, "forbidden", f"channel: this app key sends on channel {actor.channel!r} only",
                       field="channel")
    await known_channel(request, body.channel)
    event = InboundEvent(
        channel=body.channel, customer_id=body.customer_id, text=body.message, message_id=body.message_id
    )
    started = time.perf_counter()
    try:
        result = await request.app[SERVICES].runtime.feed(event)
    except ShuttingDown:
        raise ApiError(503, "shutting_down", "the service is shutting down; retry shortly") from None
    metrics = request.app[METRICS]
    metrics.turn_seconds.observe(time.perf_counter() - started)
    metrics.messages.labels(body.channel, result["route"]).inc()
    # Later messages (agent replies, queue updates, the rating prompt) are read with this token.
    token = request.app[SERVICES].tokens.customer_token(body.channel, body.customer_id)
    return json_response({**result, "customer_token": token})


@routes.get("/api/conversations/{conversation_id}/messages")
@customer_or_admin
async def get_messages(request: web.Request) -> web.Response:
    conv_id = CONVERSATION_ID.read(request)
    limit = TRANSCRIPT_LIMIT.read(request)  # 1-1000: SQLite reads a negative LIMIT as "no limit"
    after = AFTER_SEQ.read(request)
    services = request.app[SERVICES]
    store = services.store
    conv = await store.conversations.get(conv_id)
    bearer = request.get(CUSTOMER_BEARER)
    if bearer is not None and (conv is None or not services.tokens.customer_token_ok(bearer, conv.channel,
                                                                                      conv.customer_id)):
        # The same answer for another customer's conversation and for none: ids do not leak.
        raise ApiError(401, "unauthorized", "invalid or expired token")
    if conv is None:
        raise not_found("conversation", conv_id)
    if after >= 0:
        messages = await store.messages.messages_after(conv_id, after, limit=limit)
    else:
        messages = await store.messages.messages(conv_id, limit=limit)
    return json_response(
        {
            "conversation_id": conv.id,
            "customer_id": conv.customer_id,
            "channel": conv.channel,
            "state": conv.state,
            "language": conv.language,
            "messages": [m.as_dict() for m in messages],
        }
    )


@routes.get("/api/conversations/{conversation_id}/decisions")
async def get_decisions(request: web.Request) -> web.Response:
    conv_id = CONVERSATION_ID.read(request)
    store = request.app[SERVICES].store
    if await store.conversations.get(conv_id) is None:
        raise not_found("conversation", conv_id)
    return json_response({"conversation_id": conv_id, "decisions": await store.messages.decisions(conv_id)})
