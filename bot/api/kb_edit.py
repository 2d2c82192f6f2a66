"""Live knowledge-base edits over HTTP (admin token): create, replace, delete, import a file.

Each write goes to the store first (which appends to the change feed, so other workers pick it
up), then to this service's index: the next customer turn already sees it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bot.api.errors import ApiError, json_response, not_found
from bot.api.keys import SERVICES
from bot.api.openapi import _op, _p
from bot.kb.faq import FaqEntry
from bot.kb.faq_file import describe_validation
from bot.kb.importer import FORMATS, FaqImportError, generated_id, read_faq_file

routes = web.RouteTableDef()
MAX_IMPORT_BYTES = 20 * 1024 * 1024


async def _json_object(request: web.Request) -> dict[str, Any]:
    if request.content_type not in ("application/json", "text/json", ""):
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    try:
        data = json.loads((await request.read()).decode("utf-8") or "null")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_encoding", "the body is not valid UTF-8") from None
    except (json.JSONDecodeError, RecursionError):
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "the body must be a JSON object")
    return data


def _entry(data: dict[str, Any]) -> FaqEntry:
    try:
        return FaqEntry.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise ApiError(400, "invalid_request", describe_validation(exc), field=field) from None


@routes.get("/api/kb/faqs/{faq_id}")
async def get_faq(request: web.Request) -> web.Response:
    faq_id = request.match_info["faq_id"]
    entry = request.app[SERVICES].knowledge_base.get(faq_id)
    if entry is None:
        raise not_found("faq", faq_id)
    return json_response({"faq": entry.to_json()})


@routes.post("/api/kb/faqs")
async def create_faq(request: web.Request) -> web.Response:
    data = await _json_object(request)
    if data.get("id") in (None, "") and isinstance(data.get("question"), str) and data["question"].strip():
        data["id"] = generated_id(data["question"])
    entry = _entry(data)
    kb = request.app[SERVICES].knowledge_base
    if kb.get(entry.id) is not None:
        raise ApiError(409, "conflict", f"faq {entry.id} exists; replace it with PUT /api/kb/faqs/{entry.id}",
                       id=entry.id)
    await kb.upsert([entry])
    return json_response({"faq": entry.to_json()}, status=201)


@routes.put("/api/kb/faqs/{faq_id}")
async def replace_faq(request: web.Request) -> web.Response:
    faq_id = request.match_info["faq_id"]
    data = await _json_object(request)
    if data.setdefault("id", faq_id) != faq_id:
        raise ApiError(400, "invalid_request", "id: differs from the id in the path", field="id")
    entry = _entry(data)
    kb = request.app[SERVICES].knowledge_base
    created = kb.get(faq_id) is None
    await kb.upsert([entry])
    return json_response({"faq": entry.to_json(), "created": created}, status=201 if created else 200)


@routes.delete("/api/kb/faqs/{faq_id}")
async def delete_faq(request: web.Request) -> web.Response:
    faq_id = request.match_info["faq_id"]
    kb = request.app[SERVICES].knowledge_base
    if kb.get(faq_id) is None:
        raise not_found("faq", faq_id)
    await kb.delete(faq_id)
    return json_response({"deleted": faq_id})


@routes.post("/api/kb/import")
async def import_faqs(request: web.Request) -> web.Response:
    """multipart/form-data with one `file` part (.json, .csv or .xlsx): good rows are upserted,
    bad rows reported; a file that cannot be read as a whole writes nothing."""
    if not request.content_type.startswith("multipart/"):
        raise ApiError(415, "unsupported_media_type", "send the file as multipart/form-data, field `file`")
    reader = await request.multipart()
    part = await reader.next()
    while part is not None and getattr(part, "name", None) != "file":
        part = await reader.next()
    if part is None or not getattr(part, "filename", None):
        raise ApiError(400, "invalid_request", "file: a file part named `file` is required", field="file")
    suffix = Path(part.filename).suffix.lower()  # type: ignore[union-attr]
    if suffix not in FORMATS:
        raise ApiError(415, "unsupported_media_type", f"file: unsupported file type {suffix or '(none)'!r}; "
                       "use .json, .csv or .xlsx", field="file")
    with tempfile.TemporaryDirectory(prefix="cs-bot-import-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        size = 0
        with path.open("wb") as fh:
            while chunk := await part.read_chunk():  # type: ignore[union-attr]
                size += len(chunk)
                if size > MAX_IMPORT_BYTES:
                    raise ApiError(413, "too_large", f"file: larger than {MAX_IMPORT_BYTES // 2**20} MB")
                fh.write(chunk)
        try:
            batch = read_faq_file(path)
        except FaqImportError as exc:
            raise ApiError(400, "invalid_file", str(exc).replace(str(path), part.filename or "file"),
                           field="file") from None
    kb = request.app[SERVICES].knowledge_base
    added, updated = await kb.upsert(list(batch.entries)) if batch.entries else (0, 0)
    ids = {e.id for e in batch.entries}
    return json_response({
        "file": part.filename,
        "added": added,
        "updated": updated,
        "rejected": [{"row": r.row, "id": r.id, "reason": r.reason} for r in batch.rejected],
        "duplicate_questions": [
            {"question": q, "ids": list(d)} for q, d in kb.duplicate_questions() if ids & set(d)
        ],
    })


def _faq_body(op: dict[str, Any]) -> dict[str, Any]:
    op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _FAQ_SCHEMA}}}
    op["responses"]["400"] = {"description": "a field is missing or invalid (`error.field` names it)"}
    op["responses"]["415"] = {"description": "the body is not application/json"}
    return op


_FAQ_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["question"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"},
        "question": {"type": "string", "minLength": 1, "maxLength": 500},
        "answer": {"type": "string", "maxLength": 8000},
        "answers": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 8000}},
        "similar_questions": {"type": "array", "items": {"type": "string"}},
        "category": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "language": {"type": "string"},
    },
}
_create = _faq_body(_op("Add a FAQ entry (id derived from the question when omitted)"))
_create["responses"].pop("200")
_create["responses"].update({"201": {"description": "created"},
                             "409": {"description": "an entry with this id exists (use PUT)"}})
_replace = _faq_body(_op("Create or replace a FAQ entry", params=[_p("faq_id")]))
_replace["responses"]["201"] = {"description": "created"}
_get = _op("A FAQ entry", params=[_p("faq_id")])
_get["responses"]["404"] = {"description": "no such entry"}
_delete = _op("Delete a FAQ entry", params=[_p("faq_id")])
_delete["responses"]["404"] = {"description": "no such entry"}
_import = _op("Import FAQ entries from an uploaded .json, .csv or .xlsx file (upsert by id)")
_import["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}}
_import["responses"].update({"400": {"description": "the file cannot be read as a whole (nothing written)"},
                             "413": {"description": "larger than 20 MB"},
                             "415": {"description": "not multipart, or not .json/.csv/.xlsx"}})

OPENAPI_PATHS: dict[str, dict[str, Any]] = {
    "/api/kb/faqs": {"post": _create},
    "/api/kb/faqs/{faq_id}": {"get": _get, "put": _replace, "delete": _delete},
    "/api/kb/import": {"post": _import},
}
