"""Request-body field types whose JSON Schema states the very rule they apply.

Request models use these, so the schema pydantic generates for /api/openapi.json and the
validation agree by construction (with read_json's strict JSON mode for the types).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, WithJsonSchema

from bot.core.patterns import ID_PATTERN, ID_RULE, NOT_BLANK, not_blank, valid_id


def _id(v: str) -> str:
    if not valid_id(v):
        raise ValueError(f"must be {ID_RULE}")
    return v


def _trimmed(v: str) -> str:
    if not not_blank(v):
        raise ValueError("must not be empty")
    return v.strip()


# An id: matched exactly (never trimmed), the same rule as every id in a path.
Id = Annotated[str, AfterValidator(_id), WithJsonSchema({"type": "string", "pattern": ID_PATTERN})]


def text(max_length: int, **schema: Any) -> Any:
    """Non-blank text of at most `max_length` characters (counted as sent), trimmed."""
    limits = Field(min_length=1, max_length=max_length, json_schema_extra={"pattern": NOT_BLANK, **schema})
    return Annotated[str, limits, AfterValidator(_trimmed)]
