"""GET /api/outbox: messages on their way to customers, dead letters first in mind
(`?status=failed`); POST /api/outbox/{id}/retry sends a dead letter again."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.api.errors import ApiError, json_response, not_found
from bot.api.keys import SERVICES
from bot.api.openapi import _op
from bot.api.params import IntQuery, PathId, StrQuery
from bot.channels.outbox import STATUSES
from bot.core.patterns import ID_PATTERN

routes = web.RouteTableDef()

STATUS = StrQuery("status", enum=STATUSES)
CONVERSATION = StrQuery("conversation_id", pattern=ID_PATTERN, rule="must be a conversation id", max_length=64)
LIMIT = IntQuery("limit", 50, 1, 500, "rows, newest first (default 50)")
OFFSET = IntQuery("offset", 0, 0, 1_000_000)
OUTBOX_ID = PathId("outbox_id", pattern=r"^[0-9]{1,15}$", rule="must be an outbox row id (a whole number)")

OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/api/outbox": {"get": _op(
        "Messages to customers and their delivery: pending, sent, held (fetched by the customer), "
        "failed (dead letters)", params=[STATUS.spec(), CONVERSATION.spec(), LIMIT.spec(), OFFSET.spec()])},
    "/api/outbox/{outbox_id}/retry": {"post": _op("Send a dead letter (or a held message) again",
                                                  params=[OUTBOX_ID.spec()])},
}


@routes.get("/api/outbox")
async def list_outbox(request: web.Request) -> web.Response:
    status = STATUS.read(request)
    conversation_id = CONVERSATION.read(request)
    limit, offset = LIMIT.read(request), OFFSET.read(request)
    store = request.app[SERVICES].store
    items, total = await store.outbox.list(status=status, conversation_id=conversation_id, limit=limit,
                                           offset=offset)
    return json_response({"items": [i.as_dict() for i in items], "total": total, "counts": await store.outbox.counts()})


@routes.post("/api/outbox/{outbox_id}/retry")
async def retry(request: web.Request) -> web.Response:
    item_id = int(OUTBOX_ID.read(request))
    services = request.app[SERVICES]
    item = await services.store.outbox.get(item_id)
    if item is None:
        raise not_found("outbox row", str(item_id))
    if not await services.store.outbox.retry(item_id):
        raise ApiError(409, "conflict", f"outbox row {item_id} is {item.status}; only failed or held rows are retried")
    services.delivery.kick()
    return json_response((await services.store.outbox.get(item_id)).as_dict())  # type: ignore[union-attr]
