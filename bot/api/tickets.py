"""HTTP routes: tickets. Agents may read and work tickets; creating one takes the admin token.

Under privacy.mask_for_agents an agent reads phone numbers and e-mails in a ticket's title,
description, resolution and comments masked (bot/customers/masking.py); the admin reads them in full."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bot.agents.model import Agent
from bot.api.auth import ACTOR, agent_or_admin
from bot.api.errors import ApiError, json_response, not_found, read_json
from bot.api.fields import Id, text
from bot.api.keys import SERVICES
from bot.api.openapi import _op
from bot.api.params import IntQuery, PathId, StrQuery, choices_pattern, id_query
from bot.api.pii import masks_pii
from bot.core.patterns import NOT_BLANK
from bot.customers import masking
from bot.tickets.changes import MAX_COMMENT, MAX_DESCRIPTION, MAX_TAG, MAX_TAGS, MAX_TITLE
from bot.tickets.lifecycle import PRIORITIES, STATUSES
from bot.tickets.service import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    UNSET,
    IllegalTransition,
    InvalidTicketInput,
    TicketChanges,
    TicketLocked,
    TicketService,
    UnknownRecord,
)

routes = web.RouteTableDef()
T = TypeVar("T")

Status = Literal["open", "in_progress", "waiting_customer", "resolved", "closed", "cancelled"]
Priority = Literal["low", "normal", "high", "urgent"]
Title = text(MAX_TITLE)
# Blank tags are refused by the service (clean_tags, naming `tags`); the schema states that rule too.
Tag = Annotated[str, Field(max_length=MAX_TAG, json_schema_extra={"pattern": NOT_BLANK})]
Comment = text(MAX_COMMENT)
Kind = text(MAX_TAG)


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: Id
    title: Title
    description: str = Field("", max_length=MAX_DESCRIPTION)
    type: Kind = "general"
    priority: Priority = "normal"
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    conversation_id: Id | None = None
    assignee: Id | None = None


class TicketUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    priority: Priority | None = None
    assignee: Id | None = Field(None, description="null unassigns")
    title: Title | None = None
    description: str | None = Field(None, max_length=MAX_DESCRIPTION)
    type: Kind | None = None
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    comment: Comment | None = None


STATUS = StrQuery("status", pattern=choices_pattern(STATUSES), rule=f"must be one or more of {', '.join(STATUSES)}, "
                  "separated by commas")
PRIORITY = StrQuery("priority", pattern=choices_pattern(PRIORITIES), rule=f"must be one or more of "
                    f"{', '.join(PRIORITIES)}, separated by commas")
ASSIGNEE = id_query("assignee")
CUSTOMER_ID = id_query("customer_id")
PAGE = IntQuery("page", 1, 1, MAX_PAGE)
PAGE_SIZE = IntQuery("page_size", 50, 1, MAX_PAGE_SIZE)
_FILTERS = (STATUS, PRIORITY, ASSIGNEE, CUSTOMER_ID, PAGE, PAGE_SIZE)
TICKET_ID = PathId("ticket_id")


async def _call(awaitable: Awaitable[T]) -> T:
    """The service's refusals as HTTP errors: 404 with the id, 409 with the allowed next states."""
    try:
        return await awaitable
    except UnknownRecord as exc:
        raise not_found(exc.kind, exc.ident) from None
    except TicketLocked as exc:  # a closed/cancelled ticket: the transition body, plus what was refused
        raise ApiError(409, "illegal_transition", str(exc), current=exc.current, requested=exc.target,
                       allowed=exc.allowed, fields=list(exc.fields)) from None
    except IllegalTransition as exc:
        raise ApiError(409, "illegal_transition", str(exc), current=exc.current, requested=exc.target,
                       allowed=exc.allowed) from None
    except InvalidTicketInput as exc:
        raise ApiError(400, "invalid_request", str(exc), field=exc.field) from None


def _service(request: web.Request) -> TicketService:
    return request.app[SERVICES].tickets


def _actor(request: web.Request) -> str:
    actor = request[ACTOR]
    return str(getattr(actor, "id", str(actor)))


async def _check_reach(request: web.Request, ticket_id: str) -> None:
    """An agent works only tickets of their own or queued conversations (or assigned to them)."""
    actor = request[ACTOR]
    if not isinstance(actor, Agent):
        return
    service = _service(request)
    await _call(service.get(ticket_id))  # unknown ids stay 404
    if not await service.visible(ticket_id, actor.id):
        raise ApiError(403, "forbidden", f"ticket {ticket_id} is not of a conversation you handle or that is queued")


@routes.get("/api/tickets")
@agent_or_admin
async def list_tickets(request: web.Request) -> web.Response:
    known = [f.name for f in _FILTERS]
    for name in request.query:
        if name not in known:
            raise ApiError(400, "invalid_request", f"{name}: unknown filter (use {', '.join(known)})", field=name)
    status, priority = STATUS.read(request), PRIORITY.read(request)
    page = await _call(_service(request).list(
        status=tuple(status.split(",")) if status else (),
        priority=tuple(priority.split(",")) if priority else (),
        assignee=ASSIGNEE.read(request),
        customer_id=CUSTOMER_ID.read(request),
        page=PAGE.read(request),
        page_size=PAGE_SIZE.read(request),
        visible_to=actor.id if isinstance(actor := request[ACTOR], Agent) else None,
    ))
    body = page.as_dict()
    if masks_pii(request):
        body["tickets"] = [masking.ticket(t) for t in body["tickets"]]
    return json_response(body)


def _view(request: web.Request, data: dict[str, Any]) -> web.Response:
    return json_response(masking.ticket(data) if masks_pii(request) else data)


@routes.post("/api/tickets")
async def create_ticket(request: web.Request) -> web.Response:
    body = await read_json(request, TicketIn)
    view = await _call(_service(request).create(
        body.customer_id, body.title, description=body.description, type=body.type, priority=body.priority,
        tags=body.tags, conversation_id=body.conversation_id, assignee=body.assignee, actor=_actor(request),
    ))
    return json_response(view.as_dict(), status=201)


@routes.get("/api/tickets/{ticket_id}")
@agent_or_admin
async def get_ticket(request: web.Request) -> web.Response:
    ticket_id = TICKET_ID.read(request)
    await _check_reach(request, ticket_id)
    view = await _call(_service(request).get(ticket_id))
    return _view(request, view.as_dict())


@routes.put("/api/tickets/{ticket_id}")
@agent_or_admin
async def update_ticket(request: web.Request) -> web.Response:
    ticket_id = TICKET_ID.read(request)
    body = await read_json(request, TicketUpdate)
    given = body.model_fields_set
    await _check_reach(request, ticket_id)
    actor = request[ACTOR]
    if isinstance(actor, Agent) and "assignee" in given and body.assignee not in (None, actor.id):
        raise ApiError(403, "forbidden", "an agent can assign a ticket only to themselves; ask an admin to reassign",
                       field="assignee")
    changes = TicketChanges(
        status=body.status,
        priority=body.priority,
        assignee=body.assignee if "assignee" in given else UNSET,
        title=body.title,
        description=body.description,
        type=body.type,
        tags=tuple(body.tags) if body.tags is not None else None,
        comment=body.comment,
    )
    if changes.is_empty():
        raise ApiError(400, "invalid_request", f"give at least one of {', '.join(TicketUpdate.model_fields)}")
    view = await _call(_service(request).update(ticket_id, changes, actor=_actor(request)))
    return _view(request, view.as_dict())


def _with_body(op: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    op["requestBody"] = {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}
    return op


_put = _with_body(_op("Change a ticket: status (lifecycle-checked), priority, assignee, fields, comment",
                      params=[TICKET_ID.spec()]), TicketUpdate)
# At least one change: assignee (null unassigns), or another field that is not null (null leaves it).
_put["requestBody"]["content"]["application/json"]["schema"]["anyOf"] = [{"required": ["assignee"]}] + [
    {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
    for name in TicketUpdate.model_fields if name != "assignee"
]
_put["responses"]["409"] = {"description": "illegal status change (`allowed` lists the next states), or a field "
                                           "change (`fields`) on a closed or cancelled ticket"}
_put["responses"]["403"] = {"description": "agent token: the ticket is not in the agent's reach, or the agent "
                                           "tried to assign it to someone else"}
_get = _op("A ticket with its audit trail and SLA status", params=[TICKET_ID.spec()])
_get["responses"]["403"] = {"description": "agent token: the ticket is not of a conversation the agent handles, "
                                           "one waiting in the queue, or assigned to them"}
_post = _with_body(_op("Open a ticket (SLA due times set, auto-assigned if enabled)"), TicketIn)
_post["responses"]["201"] = _post["responses"].pop("200")
_post["responses"]["201"]["description"] = "Created"

# Paths this module serves, merged into /api/openapi.json (a test checks they match the routes).
OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/api/tickets": {
        "get": _op("List tickets, newest first (paged); an agent sees only the tickets in reach",
                   params=[f.spec() for f in _FILTERS]),
        "post": _post,
    },
    "/api/tickets/{ticket_id}": {"get": _get, "put": _put},
}
