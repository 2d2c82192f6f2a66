"""The OpenAPI document. A test checks that its paths match the routes the app serves."""

from __future__ import annotations

from typing import Any

import bot

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


def _q(name: str, type_: str = "string", required: bool = False, **limits: Any) -> dict[str, Any]:
    """A query parameter; `limits` are JSON-schema keywords the handler enforces (minimum, maxLength …)."""
    return {"name": name, "in": "query", "required": required, "schema": {"type": type_, **limits}}


def _p(name: str, **limits: Any) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", **limits}}


def _status(op: dict[str, Any], code: str, description: str) -> dict[str, Any]:
    op["responses"][code] = {**_ERROR_BODY, "description": description}
    return op


_ERROR_BODY = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


# The foundation's paths; feature route modules add theirs as `OPENAPI_PATHS` (see document()).
PATHS: dict[str, dict[str, Any]] = {
    "/healthz": {"get": _op("Liveness and readiness", secure=False)},
    "/metrics": {"get": _op("Prometheus metrics", secure=False)},
    "/api/openapi.json": {"get": _op("This document", secure=False)},
    "/api/message": {"post": _status(
        _op("Send a customer message to the bot", body="MessageIn", response="TurnResult"),
        "503", "the service is shutting down; retry shortly")},
    "/api/conversations/{conversation_id}/messages": {
        "get": _op("Conversation transcript (at most 1000 messages)",
                   params=[_p("conversation_id"), _q("limit", "integer", minimum=1)])
    },
    "/api/conversations/{conversation_id}/decisions": {
        "get": _op("Router decisions with reasons and scores", params=[_p("conversation_id")])
    },
    "/api/kb/search": {
        "get": _op("Search the knowledge base", params=[
            _q("q", required=True, minLength=1, maxLength=4000, pattern=r"\S"),
            _q("top_k", "integer", minimum=1, maximum=100),
            _q("explain", enum=["0", "1", "true", "false"]),
        ])
    },
}

SCHEMAS: dict[str, Any] = {
    "MessageIn": {
        "type": "object",
        "required": ["channel", "customer_id", "message"],
        "additionalProperties": False,
        "properties": {
            "channel": {"type": "string", "minLength": 1, "maxLength": 64},
            "customer_id": {"type": "string", "minLength": 1, "maxLength": 128},
            "message": {"type": "string", "minLength": 1, "maxLength": 4000},
            "message_id": {"type": "string", "description": "platform id; retries with it are answered once"},
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
        },
    },
    "Error": {
        "type": "object",
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}},
    },
}


def document(*extra_paths: dict[str, dict[str, Any]]) -> dict[str, Any]:
    paths = {k: dict(v) for k, v in PATHS.items()}
    for extra in extra_paths:
        for path, ops in extra.items():
            paths.setdefault(path, {}).update(ops)
    for ops in paths.values():
        for op in ops.values():
            if "requestBody" in op:  # read_json's refusals and the server's body limit
                op["responses"].setdefault("413", {**_ERROR_BODY, "description": "the body is larger than 64 KiB"})
                op["responses"].setdefault("415", {**_ERROR_BODY, "description": "the body is not application/json"})
    return {
        "openapi": "3.1.0",
        "info": {"title": "Customer-service bot API", "version": bot.__version__},
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "responses": {"Error": {"description": "Error", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
