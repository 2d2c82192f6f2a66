"""HTTP routes: customer profiles.

GET returns the full profile (phone and e-mail unmasked): to the admin, and to an agent only for
a customer they are serving or who waits in the queue — opening the profile is the one place an
agent sees the PII that lists mask. PUT (admin) creates or updates: fields left out stay as they
are, null clears a text field.
"""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web

from bot.agents.model import Agent
from bot.api.auth import ACTOR, agent_or_admin
from bot.api.errors import ApiError, json_response, not_found, read_json
from bot.api.keys import SERVICES
from bot.api.openapi import _op
from bot.api.params import PathId
from bot.customers.service import CustomerUpdate, update_schema

routes = web.RouteTableDef()
log = structlog.get_logger(__name__)


CUSTOMER_ID = PathId("customer_id")


def _customer_id(request: web.Request) -> str:
    return CUSTOMER_ID.read(request)


@routes.get("/api/customers/{customer_id}")
@agent_or_admin
async def get_customer(request: web.Request) -> web.Response:
    customer_id = _customer_id(request)
    services = request.app[SERVICES]
    customer = await services.customers.get(customer_id)
    if customer is None:
        raise not_found("customer", customer_id)
    actor = request[ACTOR]
    if isinstance(actor, Agent):
        if not await services.store.handoffs.visible_to(customer_id, actor.id):
            raise ApiError(403, "forbidden", f"customer {customer_id} is not in your queue or chats")
        log.info("customer_profile_opened", agent_id=actor.id)  # who saw the PII, for audit
    return json_response({"customer": customer.as_dict()})


@routes.put("/api/customers/{customer_id}")
async def put_customer(request: web.Request) -> web.Response:
    customer_id = _customer_id(request)
    update = await read_json(request, CustomerUpdate)
    customer, created = await request.app[SERVICES].customers.upsert(customer_id, update)
    return json_response({"customer": customer.as_dict(), "created": created}, status=201 if created else 200)


def _with_403(op: dict[str, Any]) -> dict[str, Any]:
    op["responses"]["403"] = {"$ref": "#/components/responses/Error"}
    return op


def _put_op() -> dict[str, Any]:
    op = _op("Create or update a customer profile (omitted fields unchanged)", params=[CUSTOMER_ID.spec()])
    schema = update_schema({"$ref": "#/components/schemas/PurchaseDate"})
    op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    op["responses"]["201"] = {"description": "Created"}
    return op


OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/api/customers/{customer_id}": {
        "get": _with_403(_op("Customer profile with ticket count and CSAT (unmasked: admin, or the serving agent)",
                             params=[CUSTOMER_ID.spec()])),
        "put": _put_op(),
    },
}
