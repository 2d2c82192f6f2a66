"""POST /api/message and the conversation transcript."""

from __future__ import annotations

import time

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.api.errors import ApiError, json_response, not_found, read_json
from bot.api.keys import METRICS, SERVICES
from bot.core.events import MAX_MESSAGE_CHARS, InboundEvent
from bot.customers.service import valid_customer_id
from bot.runtime import ShuttingDown

routes = web.RouteTableDef()


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str = Field(min_length=1, max_length=64)
    customer_id: str = Field(min_length=1, max_length=128)
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    message_id: str | None = Field(None, min_length=1, max_length=128)

    @field_validator("channel", "customer_id", "message")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v.strip()

    @field_validator("customer_id")
    @classmethod
    def _printable(cls, v: str) -> str:
        # The same rule GET /api/customers/{id} applies: an id stored here must be readable there.
        if not valid_customer_id(v):
            raise ValueError("must be 1-128 printable characters (no control characters)")
        return v


async def known_channel(request: web.Request, name: str) -> None:
    services = request.app[SERVICES]
    if services.settings.channel_enabled(name):
        return
    record = await services.store.channels.get(name)
    if record is None or not record.enabled:
        raise ApiError(400, "unknown_channel", f"channel: unknown or disabled channel {name!r}", field="channel")


@routes.post("/api/message")
async def post_message(request: web.Request) -> web.Response:
    body = await read_json(request, MessageIn)
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
    return json_response(result)


@routes.get("/api/conversations/{conversation_id}/messages")
async def get_messages(request: web.Request) -> web.Response:
    conv_id = request.match_info["conversation_id"]
    store = request.app[SERVICES].store
    conv = await store.conversations.get(conv_id)
    if conv is None:
        raise not_found("conversation", conv_id)
    try:
        limit = min(int(request.query.get("limit", "200")), 1000)
    except ValueError:
        raise ApiError(400, "invalid_request", "limit: must be a whole number", field="limit") from None
    if limit < 1:  # SQLite reads a negative LIMIT as "no limit", and a huge one overflows
        raise ApiError(400, "invalid_request", "limit: must be 1 or more", field="limit")
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
    conv_id = request.match_info["conversation_id"]
    store = request.app[SERVICES].store
    if await store.conversations.get(conv_id) is None:
        raise not_found("conversation", conv_id)
    return json_response({"conversation_id": conv_id, "decisions": await store.messages.decisions(conv_id)})
