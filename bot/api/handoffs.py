"""HTTP routes for agents: the handoff queue, agent actions on a conversation, presence, console.

Who may do what: reading the queue and a queued/assigned conversation takes an agent token or the
admin token. Acting (accept, reply, transfer, close, status) takes the agent's OWN token; the admin
token gets 403 — an action is always attributable to the person who took it, so the admin cannot
reply "as" an agent. Give the agent a token with `add_agent` instead.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bot.agents.directory import AgentInputError
from bot.agents.model import Agent
from bot.api.auth import ACTOR, agent_or_admin, public
from bot.api.errors import ApiError, json_response, read_json
from bot.api.fields import text
from bot.api.keys import SERVICES
from bot.api.openapi import CONVERSATION_ID, _op
from bot.api.params import IntQuery
from bot.api.pii import masks_pii
from bot.core.events import MAX_MESSAGE_CHARS
from bot.handoff.results import Conflict, Forbidden, HandoffError, InvalidAction, NotFound
from bot.handoff.views import board, conversation_view

routes = web.RouteTableDef()
T = TypeVar("T")
CONSOLE = Path(__file__).with_name("console.html")
MAX_WAIT = 30
WAIT = IntQuery("wait", 0, 0, MAX_WAIT, "long poll: seconds to wait for a change past `since`")
SINCE = IntQuery("since", -1, -1, 2**62, "the `version` the caller has seen")
LAST = IntQuery("last", 5, 0, 50, "recent messages per queued conversation")


ReplyText = text(MAX_MESSAGE_CHARS)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: ReplyText


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to_agent_id: str | None = Field(max_length=64, description="another agent, or null for the bot")


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keep_ticket_open: bool = False  # true: the ticket stays open for follow-up work


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["online", "away", "offline"]


def _agent(request: web.Request) -> Agent:
    actor = request[ACTOR]
    if not isinstance(actor, Agent):
        raise ApiError(403, "agent_token_required",
                       "this action needs the agent's own token; the admin token cannot act for an agent")
    return actor


def _agent_id(request: web.Request) -> str | None:
    actor = request[ACTOR]
    return actor.id if isinstance(actor, Agent) else None


async def _run(call: Awaitable[T]) -> T:
    """Domain refusals → HTTP: 404 with the id, 403, 409 with the state, 400 naming the field."""
    try:
        return await call
    except NotFound as exc:
        raise ApiError(404, "not_found", exc.message, **exc.extra) from None
    except Forbidden as exc:
        raise ApiError(403, "forbidden", exc.message, **exc.extra) from None
    except Conflict as exc:  # agent_full / agent_unavailable carry their own code
        raise ApiError(409, getattr(exc, "code", "conflict"), exc.message, **exc.extra) from None
    except InvalidAction as exc:
        raise ApiError(400, "invalid_request", exc.message, field=exc.field) from None
    except HandoffError as exc:
        raise ApiError(400, "invalid_request", exc.message) from None


def _conv(conv: Any) -> dict[str, Any]:
    return {"conversation_id": conv.id, "state": conv.state, "agent_id": conv.agent_id}


@routes.get("/api/handoffs")
@agent_or_admin
async def list_handoffs(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    agent_id = _agent_id(request)
    wait, since, last = WAIT.read(request), SINCE.read(request), LAST.read(request)
    feed = services.handoff.changes
    version = await feed.wait(agent_id, since, wait) if wait else feed.version(agent_id)
    body = await board(services.store, agent_id, last=last, mask_text=masks_pii(request))
    return json_response({**body, "version": version})


@routes.get("/api/handoffs/{conversation_id}")
@agent_or_admin
async def get_handoff(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    view = await _run(conversation_view(services.store, CONVERSATION_ID.read(request), _agent_id(request),
                                        mask_text=masks_pii(request)))
    return json_response(view)


@routes.post("/api/handoffs/{conversation_id}/accept")
@agent_or_admin
async def accept(request: web.Request) -> web.Response:
    agent = _agent(request)
    conv = await _run(request.app[SERVICES].desk.accept(agent, CONVERSATION_ID.read(request)))
    return json_response(_conv(conv))


@routes.post("/api/conversations/{conversation_id}/reply")
@agent_or_admin
async def reply(request: web.Request) -> web.Response:
    agent = _agent(request)
    body = await read_json(request, ReplyIn)
    message = await _run(request.app[SERVICES].desk.reply(agent, CONVERSATION_ID.read(request), body.text))
    return json_response({"conversation_id": message.conversation_id, "message": message.as_dict()})


@routes.post("/api/conversations/{conversation_id}/transfer")
@agent_or_admin
async def transfer(request: web.Request) -> web.Response:
    agent = _agent(request)
    body = await read_json(request, TransferIn)
    conv = await _run(request.app[SERVICES].desk.transfer(
        agent, CONVERSATION_ID.read(request), body.to_agent_id
    ))
    return json_response(_conv(conv))


@routes.post("/api/conversations/{conversation_id}/close")
@agent_or_admin
async def close(request: web.Request) -> web.Response:
    agent = _agent(request)
    keep = False
    if request.can_read_body:
        keep = (await read_json(request, CloseIn)).keep_ticket_open
    conv = await _run(request.app[SERVICES].desk.close(
        agent, CONVERSATION_ID.read(request), keep_ticket_open=keep
    ))
    return json_response(_conv(conv))


@routes.get("/api/agents")
@agent_or_admin
async def list_agents(request: web.Request) -> web.Response:
    """Colleagues an agent can transfer to: id, name, status and whether they have a free seat
    (no tokens, no timestamps)."""
    services = request.app[SERVICES]
    loads = {row.agent_id: row for row in await services.agents.online_loads()}
    out = []
    for a in await services.agents.list():
        load = loads.get(a.id)
        out.append({"id": a.id, "name": a.name, "status": a.status, "skills": list(a.skills),
                    "languages": list(a.languages),
                    "free_seats": (a.max_concurrent_chats - load.active) if load else None})
    return json_response({"agents": out})


@routes.get("/api/agents/me")
@agent_or_admin
async def me(request: web.Request) -> web.Response:
    agent = await request.app[SERVICES].agents.get(_agent(request).id)
    assert agent is not None
    return json_response({"agent": agent.as_dict()})


@routes.post("/api/agents/me/status")
@agent_or_admin
async def set_status(request: web.Request) -> web.Response:
    agent = _agent(request)
    body = await read_json(request, StatusIn)
    services = request.app[SERVICES]
    try:
        updated = await services.agents.set_status(agent.id, body.status)
    except AgentInputError as exc:
        raise ApiError(400, "invalid_request", str(exc), field=exc.field) from None
    if updated is None:
        raise ApiError(404, "not_found", f"agent {agent.id} not found", id=agent.id)
    services.handoff.changes.notify(agent.id)
    # Offline: nobody would answer the agent's chats, so they go back to the queue (and to free
    # agents at once). Away keeps them: away only stops NEW chats.
    requeued = await services.desk.requeue_chats_of(agent.id) if body.status == "offline" else []
    assigned = await services.handoff.drain_queue() if body.status == "online" else []
    return json_response({"agent": updated.as_dict(),
                          "assigned": [{"conversation_id": c, "agent_id": a} for c, a in assigned],
                          "requeued": requeued})


_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


@routes.get("/console")
@public
async def console(request: web.Request) -> web.Response:
    """The agent console: a static page (no data in it); the agent pastes their token."""
    page = CONSOLE.read_bytes()
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode()}'" for m in _SCRIPT.finditer(page)
    )
    csp = (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; connect-src 'self'; "
           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return web.Response(body=page, content_type="text/html", charset="utf-8", headers={
        "Content-Security-Policy": csp, "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
    })


def _with(op: dict[str, Any], *, body: type[BaseModel] | None = None, codes: tuple[str, ...] = (),
          optional_body: bool = False) -> dict[str, Any]:
    if body is not None:  # the model's own schema: what read_json validates
        op["requestBody"] = {"required": not optional_body,
                             "content": {"application/json": {"schema": body.model_json_schema()}}}
    for code in codes:
        op["responses"][code] = {"$ref": "#/components/responses/Error"}
    return op


_CID = [CONVERSATION_ID.spec()]
OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/api/handoffs": {"get": _op(
        "Handoff queue (waiting, with positions) and the caller's own chats; masked customer cards. "
        "Long poll: wait=seconds (<=30) returns early when `version` passes `since`.",
        params=[WAIT.spec(), SINCE.spec(), LAST.spec()])},
    "/api/handoffs/{conversation_id}": {"get": _with(_op(
        "One queued or assigned conversation: transcript, handoff, masked customer card", params=_CID),
        codes=("403",))},
    "/api/handoffs/{conversation_id}/accept": {"post": _with(_op(
        "Accept a queued conversation (agent token); 409 `conflict` if it was taken already, "
        "409 `agent_full` if the agent already has max_concurrent_chats chats", params=_CID),
        codes=("403", "409"))},
    "/api/conversations/{conversation_id}/reply": {"post": _with(_op(
        "Reply to the customer as the assigned agent", params=_CID),
        body=ReplyIn, codes=("403", "409"))},
    "/api/conversations/{conversation_id}/transfer": {"post": _with(_op(
        "Transfer to another agent, or to_agent_id null for back to the bot. The target must be online "
        "(409 `agent_unavailable`) and have a free seat (409 `agent_full`)", params=_CID),
        body=TransferIn, codes=("403", "409"))},
    "/api/conversations/{conversation_id}/close": {"post": _with(_op(
        "Close the chat; the customer is asked for a 1-5 rating and the handoff's ticket is resolved "
        "unless keep_ticket_open is true", params=_CID),
        body=CloseIn, optional_body=True, codes=("403", "409"))},
    "/api/agents": {"get": _op("Agents (id, name, status, free seats): the console's transfer targets")},
    "/api/agents/me": {"get": _with(_op("The calling agent (agent token)"), codes=("403",))},
    "/api/agents/me/status": {"post": _with(_op(
        "Set presence. online: waiting chats are assigned (`assigned`). away: no NEW chats; the agent "
        "keeps the chats they have. offline: their open chats go back to the queue (`requeued`), the "
        "customers are told, and free agents pick them up."),
        body=StatusIn, codes=("403",))},
    "/console": {"get": _op("Agent web console (HTML; paste an agent token)", secure=False)},
}
