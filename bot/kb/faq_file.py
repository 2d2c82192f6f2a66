"""Reading the documented FAQ JSON file; the whole file is refused on any bad entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.kb.faq import FaqEntry


class FaqFileError(ValueError):
    """A FAQ file that cannot be used; the message names the file, the entry and the field."""


def describe_validation(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if p != "__root__") or "entry"
        msg = "unknown field" if e["type"] == "extra_forbidden" else e["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)


# The seed's file is {"faq": [...]}; {"faqs": [...]} and a bare list are read too.
LIST_KEYS = ("faq", "faqs")
SHAPES = 'a list of FAQ entries, {"faq": [...]} or {"faqs": [...]}'


def entry_list(data: Any) -> Any:
    """The entries of a parsed FAQ document (the list itself when the shape is not a known one)."""
    if isinstance(data, dict):
        keys = [k for k in LIST_KEYS if k in data]
        if len(keys) == 1:
            return data[keys[0]]
    return data


def parse_entries(items: Any, source: str) -> list[FaqEntry]:
    items = entry_list(items)
    if not isinstance(items, list):
        raise FaqFileError(f"{source}: expected {SHAPES}")
    entries: list[FaqEntry] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"{source}: entry {i + 1}"
        if not isinstance(item, dict):
            raise FaqFileError(f"{where}: must be an object")
        if isinstance(item.get("id"), str):
            where += f" (id {item['id']})"
        try:
            entry = FaqEntry.model_validate(item)
        except ValidationError as exc:
            raise FaqFileError(f"{where}: {describe_validation(exc)}") from None
        if entry.id in seen:
            raise FaqFileError(f"{where}: duplicate id {entry.id}")
        seen.add(entry.id)
        entries.append(entry)
    return entries


def load_faq_file(path: Path) -> list[FaqEntry]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FaqFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FaqFileError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise FaqFileError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    return parse_entries(data, str(path))
