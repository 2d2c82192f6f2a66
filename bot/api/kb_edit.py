"""Live knowledge-base edits over HTTP (admin token): create, replace, delete, import a file.

Each write goes to the store first (which appends to the change feed, so other workers pick it
up), then to this service's index: the next customer turn already sees it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.api.errors import ApiError, json_response, not_found, read_json
from bot.api.fields import text
from bot.api.keys import SERVICES
from bot.api.openapi import _op
from bot.api.params import PathId
from bot.kb.faq import ID_REGEX, ID_RULE, LANGUAGE_REGEX, MAX_ANSWER, MAX_QUESTION, FaqEntry
from bot.kb.faq_file import describe_validation
from bot.kb.importer import FORMATS, FaqImportError, generated_id, read_faq_file

routes = web.RouteTableDef()
MAX_IMPORT_BYTES = 20 * 1024 * 1024
# The largest valid entry (question, 10 answers of 8,000 characters, 50 similar questions) is
# ~110,000 characters, up to 12 bytes each as JSON \u escapes: more than the app's body limit.
MAX_FAQ_BODY = 2 * 1024 * 1024
FAQ_ID = PathId("faq_id", pattern=ID_REGEX, rule=ID_RULE)
MAX_LANGUAGES, MAX_SIMILAR, MAX_TAGS, MAX_CATEGORY = 10, 50, 20, 100

Question = text(MAX_QUESTION)
Answer = text(MAX_ANSWER)
Language = Annotated[str, Field(pattern=LANGUAGE_REGEX)]
FaqId = Annotated[str, Field(pattern=ID_REGEX)]
Phrase = Annotated[str, Field(max_length=MAX_QUESTION)]


class FaqIn(BaseModel):
    """A FAQ entry as the API takes it (strict JSON types, the document's limits); then a FaqEntry.

    `answer` (in `language`) or `answers` by language: exactly one of them, non-empty."""

    model_config = ConfigDict(extra="forbid")

    id: FaqId | None = Field(None, description="derived from the question when omitted or null")
    question: Question
    answer: Answer | None = None
    answers: dict[Language, Answer] | None = Field(None, max_length=MAX_LANGUAGES)
    similar_questions: list[Phrase] = Field(default_factory=list, max_length=MAX_SIMILAR)
    category: str = Field("", max_length=MAX_CATEGORY)
    tags: list[Phrase] = Field(default_factory=list, max_length=MAX_TAGS)
    language: Language = "zh"

    def entry(self, faq_id: str) -> FaqEntry:
        if self.answer is not None and self.answers is not None:
            raise ApiError(400, "invalid_request", "answer: give either answer or answers, not both", field="answer")
        if self.answer is None and not self.answers:
            raise ApiError(400, "invalid_request", "answer: answer (or answers by language) is required",
                           field="answer")
        return _entry({**self.model_dump(exclude_none=True), "id": faq_id})


def _faq_schema(*, with_id: bool) -> dict[str, Any]:
    schema = FaqIn.model_json_schema()
    for name in ("answer", "answers", "id"):  # null is refused ("not both"/"required") or only taken for id
        prop = schema["properties"][name]
        branches = [b for b in prop.pop("anyOf") if b != {"type": "null"}]
        prop.update(branches[0])
        prop.pop("default", None)
    schema["properties"]["answers"]["additionalProperties"] = False  # keys are language codes only
    if not with_id:  # PUT: the id is the path's (a body repeating the same id is tolerated)
        del schema["properties"]["id"]
    else:
        schema["properties"]["id"]["type"] = ["string", "null"]
    # The rule entry() applies: exactly one of answer / a non-empty answers.
    schema["anyOf"] = [{"required": ["answer"]},
                       {"required": ["answers"], "properties": {"answers": {"minProperties": 1}}}]
    schema["not"] = {"required": ["answer", "answers"]}
    return schema


async def _faq_in(request: web.Request) -> FaqIn:
    return await read_json(request.clone(client_max_size=MAX_FAQ_BODY), FaqIn)  # type: ignore[arg-type]


def _entry(data: dict[str, Any]) -> FaqEntry:
    try:
        return FaqEntry.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise ApiError(400, "invalid_request", describe_validation(exc), field=field) from None


@routes.get("/api/kb/faqs/{faq_id}")
async def get_faq(request: web.Request) -> web.Response:
    faq_id = FAQ_ID.read(request)
    entry = request.app[SERVICES].knowledge_base.get(faq_id)
    if entry is None:
        raise not_found("faq", faq_id)
    return json_response({"faq": entry.to_json()})


@routes.post("/api/kb/faqs")
async def create_faq(request: web.Request) -> web.Response:
    body = await _faq_in(request)
    entry = body.entry(body.id if body.id is not None else generated_id(body.question))
    kb = request.app[SERVICES].knowledge_base
    if kb.get(entry.id) is not None:
        raise ApiError(409, "conflict", f"faq {entry.id} exists; replace it with PUT /api/kb/faqs/{entry.id}",
                       id=entry.id)
    await kb.upsert([entry])
    return json_response({"faq": entry.to_json()}, status=201)


@routes.put("/api/kb/faqs/{faq_id}")
async def replace_faq(request: web.Request) -> web.Response:
    faq_id = FAQ_ID.read(request)
    body = await _faq_in(request)
    if body.id is not None and body.id != faq_id:
        raise ApiError(400, "invalid_request", "id: differs from the id in the path", field="id")
    entry = body.entry(faq_id)
    kb = request.app[SERVICES].knowledge_base
    created = kb.get(faq_id) is None
    await kb.upsert([entry])
    return json_response({"faq": entry.to_json(), "created": created}, status=201 if created else 200)


@routes.delete("/api/kb/faqs/{faq_id}")
async def delete_faq(request: web.Request) -> web.Response:
    faq_id = FAQ_ID.read(request)
    kb = request.app[SERVICES].knowledge_base
    if kb.get(faq_id) is None:
        raise not_found("faq", faq_id)
    await kb.delete(faq_id)
    return json_response({"deleted": faq_id})


async def _chunk(part: BodyPartReader) -> bytes:
    try:
        return await part.read_chunk()
    except (HttpProcessingError, ValueError) as exc:  # e.g. the closing boundary never comes
        raise ApiError(400, "invalid_multipart", f"the multipart body is malformed ({type(exc).__name__})") from None


@routes.post("/api/kb/import")
async def import_faqs(request: web.Request) -> web.Response:
    """multipart/form-data with one `file` part (.json, .csv or .xlsx): good rows are upserted,
    bad rows reported; a file that cannot be read as a whole writes nothing."""
    if not request.content_type.startswith("multipart/"):
        raise ApiError(415, "unsupported_media_type", "send the file as multipart/form-data, field `file`")
    try:  # a malformed body (boundary, part headers) is the client's: 400, not aiohttp's exception
        reader = await request.multipart()
        part = await reader.next()
        while part is not None and getattr(part, "name", None) != "file":
            part = await reader.next()
    except (HttpProcessingError, ValueError) as exc:
        raise ApiError(400, "invalid_multipart", f"the multipart body is malformed ({type(exc).__name__})") from None
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
            while chunk := await _chunk(part):  # type: ignore[arg-type]
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


def _faq_body(op: dict[str, Any], *, with_id: bool) -> dict[str, Any]:
    op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _faq_schema(with_id=with_id)}}}
    op["responses"]["400"] = {"description": "a field is missing or invalid (`error.field` names it)"}
    op["responses"]["415"] = {"description": "the body is not application/json"}
    return op


_create = _faq_body(_op("Add a FAQ entry (id derived from the question when omitted)"), with_id=True)
_create["responses"].pop("200")
_create["responses"].update({"201": {"description": "created"},
                             "409": {"description": "an entry with this id exists (use PUT)"}})
_replace = _faq_body(_op("Create or replace a FAQ entry", params=[FAQ_ID.spec()]), with_id=False)
_replace["responses"]["201"] = {"description": "created"}
_get = _op("A FAQ entry", params=[FAQ_ID.spec()])
_get["responses"]["404"] = {"description": "no such entry"}
_delete = _op("Delete a FAQ entry", params=[FAQ_ID.spec()])
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
