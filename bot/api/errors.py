"""Every failure leaves the API as JSON with a 4xx naming the field, or a bare 500 without details."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from aiohttp import web
from pydantic import BaseModel, ValidationError

log = structlog.get_logger(__name__)
M = TypeVar("M", bound=BaseModel)
MAX_DEPTH = 32  # no request model nests deeper than a few levels; deeper JSON is abuse
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None, **extra: Any):
        super().__init__(message)
        self.status, self.code, self.message, self.field, self.extra = status, code, message, field, extra

    def response(self) -> web.Response:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return web.json_response(body, status=self.status, dumps=_dumps)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=_dumps)


def not_found(kind: str, ident: str) -> ApiError:
    return ApiError(404, "not_found", f"{kind} {ident} not found", id=ident)


async def read_json(request: web.Request, model: type[M]) -> M:
    """Parse and validate a JSON body; bad bytes, bad JSON and bad fields are all 400s."""
    if request.content_type not in ("application/json", "text/json", ""):
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    raw = await request.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_encoding", "the body is not valid UTF-8") from None
    if _depth(text) > MAX_DEPTH:  # checked before parsing: json.loads recurses and would overflow the stack
        raise ApiError(400, "invalid_json", f"JSON nested too deeply (more than {MAX_DEPTH} levels)")
    try:
        data = json.loads(text) if text.strip() else None
    except json.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"malformed JSON at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ApiError(400, "invalid_json", f"JSON nested too deeply (more than {MAX_DEPTH} levels)") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "the body must be a JSON object")
    try:
        # Strict JSON mode: "5" is not an integer nor 1 a boolean, as the document's types say.
        return model.model_validate_json(text, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":  # what json.loads lets through, e.g. a lone "\ud800" escape
            raise ApiError(400, "invalid_json", f"the body is not valid JSON: {first['msg']}") from None
        field = ".".join(str(p) for p in first["loc"]) or None
        msg = "unknown field" if first["type"] == "extra_forbidden" else first["msg"].removeprefix("Value error, ")
        raise ApiError(400, "invalid_request", f"{field}: {msg}" if field else msg, field=field) from None


_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _depth(text: str) -> int:
    """The deepest nesting of arrays/objects in `text`, skipping string contents (no recursion)."""
    depth = deepest = 0
    for m in _STRUCTURE.finditer(text):
        c = m.group(0)
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except web.HTTPRequestEntityTooLarge:
        return ApiError(413, "too_large", "the request body is too large").response()
    except web.HTTPException as exc:
        if exc.status >= 400:
            resp = ApiError(exc.status, exc.reason.lower().replace(" ", "_"), exc.reason).response()
            if "Allow" in exc.headers:  # a 405 must say which methods the resource takes (RFC 9110)
                resp.headers["Allow"] = exc.headers["Allow"]
            return resp
        raise
    except Exception:
        log.exception("unhandled_error", path=request.path)
        return ApiError(500, "internal_error", "internal error").response()
