"""HTTP routes: customer profiles and the customer's data rights.

GET returns the profile with the history an agent needs (last conversations, tickets, ratings;
paged by `page`/`page_size` like the ticket list): to the admin in full, and to an agent only for
a customer they are serving or who waits in the queue (else 403). With `privacy.mask_for_agents`
(the default) the agent's copy has phone and e-mail masked (`masked: true`) and the history's
texts too; POST .../reveal {field: phone|email} returns one value in full, audited (who, which
field, when — never the value). With the setting off the agent reads the profile unmasked and the
opening is audited instead. PUT (admin) creates or updates: fields left out stay as they are,
null clears a text field; the seed's profile JSON loads as written (`customer_id` must be the
path's, the derived fields are ignored).

PUT .../consent {channel, status: opt_in|opt_out, source} records consent to proactive messages
(bot/customers/consent.py); GET shows the current consent per channel.

Export (GET .../export), erasure (DELETE), consent changes and the audit trail (GET .../audit) are
the admin's alone: an agent token is a 403 (other admin-only routes answer an agent token 401; these name
the refusal). DELETE answers 200 each time for a customer it erased (`status`: erased, then
already_erased with nothing erased); a customer never known is a 404.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import structlog
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bot.agents.model import Agent
from bot.api.auth import ACTOR, agent_or_admin
from bot.api.errors import ApiError, json_response, not_found, read_json
from bot.api.fields import text
from bot.api.keys import SERVICES
from bot.api.openapi import _op
from bot.api.params import IntQuery, PathId
from bot.api.pii import masks_pii
from bot.api.tickets import PAGE, PAGE_SIZE
from bot.customers import masking
from bot.customers.consent import CHANNEL_PATTERN, CHANNEL_RULE, MAX_SOURCE, Consents
from bot.customers.service import CustomerUpdate, update_schema

routes = web.RouteTableDef()
log = structlog.get_logger(__name__)


CUSTOMER_ID = PathId("customer_id")
AUDIT_LIMIT = IntQuery("limit", 100, 1, 1000, "events, newest first (default 100)")
AUDIT_OFFSET = IntQuery("offset", 0, 0, 2**31, "events to skip (paging)")


Source = text(MAX_SOURCE, description="where the consent came from, e.g. signup_form (default: admin)")


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Annotated[str, Field(pattern=CHANNEL_PATTERN, description=CHANNEL_RULE)]
    status: Literal["opt_in", "opt_out"]
    source: Source | None = None


class RevealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: Literal["phone", "email"]


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
    actor = await _in_reach(request, customer_id)
    history = await services.customer_data.history(customer_id, page=PAGE.read(request),
                                                   page_size=PAGE_SIZE.read(request))
    profile = customer.as_dict()
    if masks_pii(request):
        profile, history = masking.profile(profile), masking.history(history)
    elif isinstance(actor, Agent):
        await services.customer_data.viewed(customer_id, actor.id)  # who saw the PII, audited
        log.info("customer_profile_opened", agent_id=actor.id)
    consent = await Consents(services.store).state(customer_id)
    return json_response({"customer": profile, "history": history, "consent": consent})


async def _in_reach(request: web.Request, customer_id: str) -> Any:
    """The caller; an agent only for a customer they serve or may pick up (else 403)."""
    actor = request[ACTOR]
    if isinstance(actor, Agent) and not await request.app[SERVICES].store.handoffs.visible_to(customer_id, actor.id):
        raise ApiError(403, "forbidden", f"customer {customer_id} is not in your queue or chats")
    return actor


@routes.post("/api/customers/{customer_id}/reveal")
@agent_or_admin
async def reveal(request: web.Request) -> web.Response:
    """One masked field in full, on purpose: audited (who, which field, when; not the value)."""
    customer_id = _customer_id(request)
    body = await read_json(request, RevealIn)
    services = request.app[SERVICES]
    if await services.customers.get(customer_id) is None:
        raise not_found("customer", customer_id)
    actor = await _in_reach(request, customer_id)
    who = actor.id if isinstance(actor, Agent) else "admin"
    revealed = await services.customer_data.reveal(customer_id, body.field, who)
    if revealed is None:  # erased meanwhile
        raise not_found("customer", customer_id)
    return json_response(revealed.as_dict())


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
        raise ApiError(403, "admin_token_required",
                       "exporting, erasing, auditing or changing consent of a customer takes the admin token")
    return "admin"


@routes.get("/api/customers/{customer_id}/audit")
@agent_or_admin
async def audit(request: web.Request) -> web.Response:
    customer_id = _customer_id(request)
    _admin_only(request)
    trail = await request.app[SERVICES].customer_data.audit(
        customer_id, limit=AUDIT_LIMIT.read(request), offset=AUDIT_OFFSET.read(request))
    if trail is None:
        raise not_found("customer", customer_id)
    return json_response(trail)


@routes.put("/api/customers/{customer_id}/consent")
@agent_or_admin
async def put_consent(request: web.Request) -> web.Response:
    """Record an opt-in or opt-out of proactive messages on one channel (admin)."""
    customer_id = _customer_id(request)
    actor = _admin_only(request)
    body = await read_json(request, ConsentIn)
    consents = Consents(request.app[SERVICES].store)
    record = await consents.set(customer_id, body.channel, body.status, body.source, actor)
    if record is None:
        raise not_found("customer", customer_id)
    return json_response({"customer_id": customer_id, "recorded": record.as_dict(),
                          "consent": await consents.state(customer_id)})


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


def _with_body(op: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    op["requestBody"] = {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}
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
                             "tickets, ratings): admin in full; an agent for a customer they serve or may "
                             "pick up, phone and e-mail masked under privacy.mask_for_agents",
                             params=[CUSTOMER_ID.spec(), PAGE.spec(), PAGE_SIZE.spec()])),
        "put": _put_op(),
        "delete": _with_403(_op("Erase the customer: profile and the text of their messages and tickets; "
                                "anonymous counts stay (admin; 200 again with status already_erased)",
                                params=[CUSTOMER_ID.spec()])),
    },
    "/api/customers/{customer_id}/reveal": {
        "post": _with_body(_with_403(_op(
            "One masked field of the profile in full (agent token for a customer they serve or may pick "
            "up, or admin); audited: who, which field, when — never the value", params=[CUSTOMER_ID.spec()])),
            RevealIn),
    },
    "/api/customers/{customer_id}/audit": {
        "get": _with_403(_op("The customer's privacy audit trail, newest first: exports, erasure, reveals, "
                             "consent changes (admin; an erased customer's trail stays)",
                             params=[CUSTOMER_ID.spec(), AUDIT_LIMIT.spec(), AUDIT_OFFSET.spec()])),
    },
    "/api/customers/{customer_id}/consent": {
        "put": _with_body(_with_403(_op(
            "Record the customer's opt-in or opt-out of proactive messages on a channel, with its source "
            "(admin); the answer holds the current consent per channel. Audited; exported; erased with "
            "the customer", params=[CUSTOMER_ID.spec()])), ConsentIn),
    },
    "/api/customers/{customer_id}/export": {
        "get": _with_403(_op("Everything held about the customer as one JSON document (admin)",
                             params=[CUSTOMER_ID.spec()])),
    },
}
