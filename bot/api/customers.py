"""HTTP routes: customer profiles and the customer's data rights.

GET returns the full profile (phone and e-mail unmasked) with the history an agent needs (last
conversations, tickets, ratings; paged by `page`/`page_size` like the ticket list): to the admin,
and to an agent only for a customer they are serving or who waits in the queue — opening the
profile is the one place an agent sees the PII that lists mask. PUT (admin) creates or updates:
fields left out stay as they are, null clears a text field; the seed's profile JSON loads as
written (`customer_id` must be the path's, the derived fields are ignored).

Export (GET .../export) and erasure (DELETE) are the admin's alone: an agent token is a 403.
DELETE answers 200 each time for a customer it erased (`status`: erased, then already_erased with
nothing erased); a customer never known is a 404.
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
from bot.api.tickets import PAGE, PAGE_SIZE
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
    history = await services.customer_data.history(customer_id, page=PAGE.read(request),
                                                   page_size=PAGE_SIZE.read(request))
    return json_response({"customer": customer.as_dict(), "history": history})


@routes.put("/api/customers/{customer_id}")
async def put_customer(request: web.Request) -> web.Response:
    customer_id = _customer_id(request)
    update = await read_json(request, CustomerUpdate)
    try:
        update.check_customer_id(customer_id)
    except ValueError as exc:
        raise ApiError(400, "invalid_request", str(exc), field="customer_id") from None
    customer, created = await request.app[SERVICES].customers.upsert(customer_id, update)
    return json_response({"customer": customer.as_dict(), "created": created}, status=201 if created else 200)


def _admin_only(request: web.Request) -> str:
    """These routes take the admin token; an agent's is recognised and refused (403)."""
    if request[ACTOR] != "admin":
        raise ApiError(403, "admin_token_required", "exporting or erasing a customer takes the admin token")
    return "admin"


@routes.get("/api/customers/{customer_id}/export")
@agent_or_admin
async def export_customer(request: web.Request) -> web.Response:
    customer_id = _customer_id(request)
    actor = _admin_only(request)
    doc = await request.app[SERVICES].customer_data.export(customer_id, actor)
    if doc is None:
        raise not_found("customer", customer_id)
    return json_response(doc)


@routes.delete("/api/customers/{customer_id}")
@agent_or_admin
async def delete_customer(request: web.Request) -> web.Response:
    customer_id = _customer_id(request)
    actor = _admin_only(request)
    result = await request.app[SERVICES].customer_data.erase(customer_id, actor)
    if result.status == "unknown":
        raise not_found("customer", customer_id)
    return json_response(result.as_dict())


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
        "get": _with_403(_op("Customer profile with ticket count, CSAT and paged history (conversations, "
                             "tickets, ratings; unmasked: admin, or the serving agent)",
                             params=[CUSTOMER_ID.spec(), PAGE.spec(), PAGE_SIZE.spec()])),
        "put": _put_op(),
        "delete": _with_403(_op("Erase the customer: profile and the text of their messages and tickets; "
                                "anonymous counts stay (admin; 200 again with status already_erased)",
                                params=[CUSTOMER_ID.spec()])),
    },
    "/api/customers/{customer_id}/export": {
        "get": _with_403(_op("Everything held about the customer as one JSON document (admin)",
                             params=[CUSTOMER_ID.spec()])),
    },
}
