"""HTTP routes: tickets. Agents may read and work tickets; creating one takes the admin token."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.agents.model import Agent
from bot.api.auth import ACTOR, agent_or_admin
from bot.api.errors import ApiError, json_response, not_found, read_json
from bot.api.keys import SERVICES
from bot.api.openapi import _op, _p, _q
from bot.customers.service import valid_customer_id
from bot.tickets.changes import MAX_COMMENT, MAX_DESCRIPTION, MAX_ID, MAX_TAG, MAX_TAGS, MAX_TITLE
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
Tag = str
_FILTERS = ("status", "priority", "assignee", "customer_id", "page", "page_size")


def _strip(v: str | None) -> str | None:
    if v is not None and not v.strip():
        raise ValueError("must not be empty")
    return v.strip() if v is not None else None


def _printable_id(v: str | None) -> str | None:
    # The rule POST /api/message and GET /api/customers/{id} apply: an id stored here must be readable there.
    if v is not None and not valid_customer_id(v):
        raise ValueError(f"must be 1-{MAX_ID} printable characters (no control characters)")
    return v


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=MAX_ID)
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    description: str = Field("", max_length=MAX_DESCRIPTION)
    type: str = Field("general", min_length=1, max_length=MAX_TAG)
    priority: Priority = "normal"
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    conversation_id: str | None = Field(None, min_length=1, max_length=MAX_ID)
    assignee: str | None = Field(None, min_length=1, max_length=MAX_ID)

    _blank = field_validator("customer_id", "title", "type", "conversation_id", "assignee")(_strip)
    _ids = field_validator("customer_id", "conversation_id", "assignee")(_printable_id)


class TicketUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    priority: Priority | None = None
    assignee: str | None = Field(None, min_length=1, max_length=MAX_ID, description="null unassigns")
    title: str | None = Field(None, min_length=1, max_length=MAX_TITLE)
    description: str | None = Field(None, max_length=MAX_DESCRIPTION)
    type: str | None = Field(None, min_length=1, max_length=MAX_TAG)
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    comment: str | None = Field(None, min_length=1, max_length=MAX_COMMENT)

    _blank = field_validator("assignee", "title", "type", "comment")(_strip)
    _ids = field_validator("assignee")(_printable_id)


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


def _int(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, "invalid_request", f"{name}: must be a whole number", field=name) from None


def _list(request: web.Request, name: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in request.query.get(name, "").split(",") if v.strip())


@routes.get("/api/tickets")
@agent_or_admin
async def list_tickets(request: web.Request) -> web.Response:
    for name in request.query:
        if name not in _FILTERS:
            raise ApiError(400, "invalid_request", f"{name}: unknown filter (use {', '.join(_FILTERS)})", field=name)
    page = await _call(_service(request).list(
        status=_list(request, "status"),
        priority=_list(request, "priority"),
        assignee=request.query.get("assignee") or None,
        customer_id=request.query.get("customer_id") or None,
        page=_int(request, "page", 1),
        page_size=_int(request, "page_size", 50),
        visible_to=actor.id if isinstance(actor := request[ACTOR], Agent) else None,
    ))
    return json_response(page.as_dict())


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
    await _check_reach(request, request.match_info["ticket_id"])
    view = await _call(_service(request).get(request.match_info["ticket_id"]))
    return json_response(view.as_dict())


@routes.put("/api/tickets/{ticket_id}")
@agent_or_admin
async def update_ticket(request: web.Request) -> web.Response:
    body = await read_json(request, TicketUpdate)
    given = body.model_fields_set
    ticket_id = request.match_info["ticket_id"]
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
    return json_response(view.as_dict())


def _with_body(op: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    op["requestBody"] = {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}
    return op


_put = _with_body(_op("Change a ticket: status (lifecycle-checked), priority, assignee, fields, comment",
                      params=[_p("ticket_id")]), TicketUpdate)
_put["requestBody"]["content"]["application/json"]["schema"]["minProperties"] = 1
_put["responses"]["409"] = {"description": "illegal status change (`allowed` lists the next states), or a field "
                                           "change (`fields`) on a closed or cancelled ticket"}
_put["responses"]["403"] = {"description": "agent token: the ticket is not in the agent's reach, or the agent "
                                           "tried to assign it to someone else"}
_get = _op("A ticket with its audit trail and SLA status", params=[_p("ticket_id")])
_get["responses"]["403"] = {"description": "agent token: the ticket is not of a conversation the agent handles, "
                                           "one waiting in the queue, or assigned to them"}
_post = _with_body(_op("Open a ticket (SLA due times set, auto-assigned if enabled)"), TicketIn)
_post["responses"]["201"] = _post["responses"].pop("200")
_post["responses"]["201"]["description"] = "Created"

# Paths this module serves, merged into /api/openapi.json (a test checks they match the routes).
OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/api/tickets": {
        "get": _op("List tickets, newest first (paged); an agent sees only the tickets in reach", params=[
            _q("status"), _q("priority"), _q("assignee"), _q("customer_id"),
            _q("page", "integer", minimum=1, maximum=MAX_PAGE),
            _q("page_size", "integer", minimum=1, maximum=MAX_PAGE_SIZE),
        ]),
        "post": _post,
    },
    "/api/tickets/{ticket_id}": {"get": _get, "put": _put},
}
