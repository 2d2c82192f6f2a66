"""The OpenAPI document. A test checks that its paths match the routes the app serves, and
schemathesis (tests/api/test_openapi_fuzz.py) that the server accepts exactly what it documents.

Built per request: the `channel` enum is the channels enabled now (settings and `channel add`),
and a customer's `last_purchase` may not be later than tomorrow, a bound that moves with the date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import bot
from bot.api.params import IntQuery, PathId, StrQuery
from bot.core.events import MAX_MESSAGE_CHARS
from bot.core.patterns import ID_PATTERN, ID_RULE, NOT_BLANK, SPACE, dates_not_after

_ERROR = {"$ref": "#/components/responses/Error"}


def _op(summary: str, *, body: str | None = None, params: list[dict[str, Any]] | None = None,
        secure: bool = True, response: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {"200": {"description": "OK"}}}
    if response:
        schema = {"$ref": f"#/components/schemas/{response}"}
        op["responses"]["200"]["content"] = {"application/json": {"schema": schema}}
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    if params:
        op["parameters"] = params
    if secure:
        op["responses"].update({"400": _ERROR, "401": _ERROR, "404": _ERROR})
    else:
        op["security"] = []
    return op


def _status(op: dict[str, Any], code: str, description: str) -> dict[str, Any]:
    op["responses"][code] = {**_ERROR_BODY, "description": description}
    return op


_ERROR_BODY = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


CONVERSATION_ID = PathId("conversation_id")
TRANSCRIPT_LIMIT = IntQuery("limit", 200, 1, 1000, "messages, newest last (default 200)")
AFTER_SEQ = IntQuery("after", -1, 0, 2**53, "only messages with seq > after (a customer catching up)")
KB_QUERY = StrQuery("q", pattern=NOT_BLANK, rule="must not be blank", max_length=4000, required=True)
KB_TOP_K = IntQuery("top_k", 5, 1, 100)
KB_EXPLAIN = StrQuery("explain", enum=("0", "1", "true", "false"))

# The foundation's paths; feature route modules add theirs as `OPENAPI_PATHS` (see document()).
PATHS: dict[str, dict[str, Any]] = {
    "/healthz": {"get": _op("Liveness and readiness", secure=False)},
    "/metrics": {"get": _op("Prometheus metrics", secure=False)},
    "/api/openapi.json": {"get": _op("This document", secure=False)},
    "/api/message": {"post": _status(
        _op("Send a customer message to the bot", body="MessageIn", response="TurnResult"),
        "503", "the service is shutting down; retry shortly")},
    "/api/conversations/{conversation_id}/messages": {
        "get": _op("Conversation transcript (admin token, or the customer token POST /api/message returned)",
                   params=[CONVERSATION_ID.spec(), TRANSCRIPT_LIMIT.spec(), AFTER_SEQ.spec()])
    },
    "/api/conversations/{conversation_id}/decisions": {
        "get": _op("Router decisions with reasons and scores", params=[CONVERSATION_ID.spec()])
    },
    "/api/kb/search": {
        "get": _op("Search the knowledge base", params=[KB_QUERY.spec(), KB_TOP_K.spec(), KB_EXPLAIN.spec()])
    },
}

SCHEMAS: dict[str, Any] = {
    "MessageIn": {
        "type": "object",
        "required": ["channel", "customer_id", "message"],
        "additionalProperties": False,
        "properties": {
            "channel": {"$ref": "#/components/schemas/Channel"},
            "customer_id": {"$ref": "#/components/schemas/Id"},
            "message": {"type": "string", "minLength": 1, "maxLength": MAX_MESSAGE_CHARS, "pattern": NOT_BLANK},
            "message_id": {"type": ["string", "null"], "minLength": 1, "maxLength": 128,
                           "description": "platform id; retries with it are answered once"},
        },
    },
    "TurnResult": {
        "type": "object",
        "properties": {
            "conversation_id": {"type": "string"},
            "replies": {"type": "array", "items": {"type": "object", "properties": {
                "type": {"type": "string"}, "text": {"type": "string"},
                "buttons": {"type": "array", "items": {"type": "object", "properties": {
                    "label": {"type": "string"}, "value": {"type": "string"}}}}}}},
            "route": {"type": "string", "enum": ["faq", "llm", "collect", "ticket", "handoff", "relay",
                                                  "smalltalk", "fallback"]},
            "state": {"type": "string"},
            "language": {"type": "string"},
            "intent": {"type": ["string", "null"]},
            "sentiment": {"type": ["string", "null"]},
            "faq": {"type": ["object", "null"], "properties": {"id": {"type": "string"}, "score": {"type": "number"}}},
            "ticket_id": {"type": ["string", "null"]},
            "customer_token": {"type": "string", "description": "reads this customer's later messages"},
        },
    },
    "WidgetSessionIn": {
        "type": "object", "required": ["widget_id"], "additionalProperties": False,
        "properties": {
            "widget_id": {"type": "string", "minLength": 1, "maxLength": 64},
            "token": {"type": ["string", "null"], "maxLength": 2000},
            "user_id": {"type": ["string", "null"], "pattern": ID_PATTERN},
            "user_hash": {"type": ["string", "null"], "maxLength": 128},
        },
    },
    "Id": {"type": "string", "pattern": ID_PATTERN, "description": ID_RULE},
    "Error": {
        "type": "object",
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}},
    },
}


def purchase_date(today: date) -> dict[str, Any]:
    """A customer's last purchase: a date not after tomorrow (UTC), or blank to clear it."""
    return {"type": ["string", "null"], "anyOf": [
        {"format": "date", "pattern": dates_not_after(today + timedelta(days=1))},
        {"pattern": f"^[{SPACE}]*$"},
    ]}


def document(*extra_paths: dict[str, dict[str, Any]], channels: Sequence[str], today: date) -> dict[str, Any]:
    """The whole document; `channels` are the enabled channel names, `today` the UTC date."""
    paths = {k: dict(v) for k, v in PATHS.items()}
    for extra in extra_paths:
        for path, ops in extra.items():
            paths.setdefault(path, {}).update(ops)
    for ops in paths.values():
        for op in ops.values():
            if "requestBody" in op:  # read_json's refusals and the server's body limit
                too_large = "the body is larger than the limit (192 KiB; 2 MiB for a FAQ entry)"
                op["responses"].setdefault("413", {**_ERROR_BODY, "description": too_large})
                op["responses"].setdefault("415", {**_ERROR_BODY, "description": "the body is not application/json"})
    return {
        "openapi": "3.1.0",
        "info": {"title": "Customer-service bot API", "version": bot.__version__},
        "paths": paths,
        "components": {
            "schemas": {
                **SCHEMAS,
                # JSON Schema wants a non-empty enum; with no channel enabled nothing is valid.
                "Channel": {"type": "string", "enum": sorted(channels)} if channels else {"not": {}},
                "PurchaseDate": purchase_date(today),
            },
            "responses": {"Error": {"description": "Error", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
