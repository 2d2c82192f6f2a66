"""Query and path parameters, read by exactly the rule their OpenAPI entry states.

Each parameter is declared once and yields both its entry in /api/openapi.json and its reader, so
the document and the server cannot drift apart. The document says "one value": a parameter given
twice is a 400 naming it, as is an integer parameter given empty (`?page=`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.api.errors import ApiError
from bot.core.patterns import ID_PATTERN, ID_RULE, matches

# An optional minus and ASCII digits: int() alone would also take "+5", " 5", "1_000" and "٥".
_INTEGER = re.compile(r"-?[0-9]+")
_MAX_DIGITS = 20  # longer is out of any range here, and int() of 4300+ digits raises


def _bad(name: str, reason: str) -> ApiError:
    return ApiError(400, "invalid_request", f"{name}: {reason}", field=name)


def one(request: web.Request, name: str) -> str | None:
    """The query parameter's single value, None when absent; given twice is a 400."""
    values = request.query.getall(name, [])
    if len(values) > 1:
        raise _bad(name, f"given {len(values)} times; give it once")
    return values[0] if values else None


@dataclass(frozen=True, slots=True)
class IntQuery:
    name: str
    default: int
    minimum: int
    maximum: int
    description: str | None = None

    def spec(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name, "in": "query", "required": False, "schema": {
            "type": "integer", "minimum": self.minimum, "maximum": self.maximum}}
        if self.description:
            entry["description"] = self.description
        return entry

    def read(self, request: web.Request) -> int:
        raw = one(request, self.name)
        if raw is None:
            return self.default
        if not raw:
            raise _bad(self.name, f"empty; give a whole number or leave {self.name} out")
        if not _INTEGER.fullmatch(raw):
            raise _bad(self.name, "must be a whole number")
        value = int(raw) if len(raw.lstrip("-")) <= _MAX_DIGITS else None
        if value is None or not self.minimum <= value <= self.maximum:
            raise _bad(self.name, f"must be between {self.minimum} and {self.maximum}")
        return value


@dataclass(frozen=True, slots=True)
class StrQuery:
    """A string parameter; `pattern` is a JSON Schema pattern (search semantics), `rule` explains it."""

    name: str
    pattern: str | None = None
    rule: str = ""
    min_length: int = 1
    max_length: int | None = None
    enum: Sequence[str] = ()
    required: bool = False
    description: str | None = None

    def spec(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.enum:
            schema["enum"] = list(self.enum)
        else:
            schema["minLength"] = self.min_length
            if self.max_length is not None:
                schema["maxLength"] = self.max_length
            if self.pattern:
                schema["pattern"] = self.pattern
        entry: dict[str, Any] = {"name": self.name, "in": "query", "required": self.required, "schema": schema}
        if self.description:
            entry["description"] = self.description
        return entry

    def read(self, request: web.Request) -> str | None:
        raw = one(request, self.name)
        if raw is None:
            if self.required:
                raise _bad(self.name, "required")
            return None
        self.check(raw)
        return raw

    def check(self, raw: str) -> None:
        if self.enum:
            if raw not in self.enum:
                raise _bad(self.name, f"must be one of {', '.join(self.enum)}")
            return
        if len(raw) < self.min_length:
            raise _bad(self.name, "must not be empty")
        if self.max_length is not None and len(raw) > self.max_length:
            raise _bad(self.name, f"longer than {self.max_length} characters")
        if self.pattern and not matches(self.pattern, raw):
            raise _bad(self.name, self.rule or f"must match {self.pattern}")


def choices_pattern(values: Sequence[str]) -> str:
    """One or more of `values`, comma-separated (no spaces): ^(?:a|b)(?:,(?:a|b))*$."""
    assert all(re.fullmatch(r"[a-z_]+", v) for v in values), "plain words only: nothing to escape"
    alt = "|".join(values)
    return f"^(?:{alt})(?:,(?:{alt}))*$"


def id_query(name: str, description: str | None = None) -> StrQuery:
    return StrQuery(name, pattern=ID_PATTERN, rule=f"must be {ID_RULE}", max_length=None, description=description)


@dataclass(frozen=True, slots=True)
class PathId:
    """An id in the path, checked against the id pattern the document states (400 naming it)."""

    name: str
    pattern: str = ID_PATTERN
    rule: str = f"must be {ID_RULE}"

    def spec(self) -> dict[str, Any]:
        schema = {"type": "string", "pattern": self.pattern}
        return {"name": self.name, "in": "path", "required": True, "schema": schema}

    def read(self, request: web.Request) -> str:
        value = request.match_info[self.name]
        if not matches(self.pattern, value):
            raise _bad(self.name, self.rule)
        return value
