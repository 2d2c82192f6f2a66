"""`import_faq`: reading FAQ rows from .json, .csv or .xlsx into validated entries.

Unlike `faq_file.load_faq_file` (the configured file, all or nothing), an import keeps the good
rows and reports each bad one with its row number and the field at fault, so an operator can fix
a 20,000-row spreadsheet in one pass. Problems with the file as a whole (unreadable, wrong
columns, duplicate ids, no rows) refuse it with a one-line `FaqImportError`.

Columns (csv/xlsx, case-insensitive): question, answer, category, tags, similar_questions, and
optionally id, language and answer_<lang> (answer_en, answer_zh ...). Rows without an id get one
derived from the question, so importing the same file twice updates rather than duplicates.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bot.kb.faq import FaqEntry
from bot.kb.faq_file import describe_validation
from bot.kb.import_formats import FaqImportError, Row, csv_rows, decode, json_rows, read, xlsx_rows

__all__ = [
    "FaqImportError",
    "ImportBatch",
    "ImportReport",
    "RejectedRow",
    "read_faq_file",
    "render_rejections",
]

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 500
FORMATS = (".json", ".csv", ".xlsx")

_TRAILING_PUNCT = "?？!！。.～~ "


@dataclass(frozen=True)
class RejectedRow:
    row: int  # as the user sees it: sheet/CSV row (header = 1) or JSON entry index (from 1)
    id: str | None
    reason: str  # "field: problem"; several joined by "; "
    line: int | None = None  # CSV only, when a quoted multi-line cell moves the text line


@dataclass(frozen=True)
class ImportBatch:
    path: Path
    entries: tuple[FaqEntry, ...]
    rejected: tuple[RejectedRow, ...]
    encoding: str | None = None  # the text encoding used (csv/json); None for xlsx

    @property
    def rows(self) -> int:
        return len(self.entries) + len(self.rejected)


@dataclass(frozen=True)
class ImportReport:
    """What the CLI prints after `kb.upsert(batch.entries)`."""

    added: int
    updated: int
    rejected: tuple[RejectedRow, ...]

    def render(self) -> list[str]:
        head = f"added {self.added}, updated {self.updated}, rejected {len(self.rejected)}"
        return [head, *render_rejections(self.rejected)]


def render_rejections(rejected: Iterable[RejectedRow]) -> list[str]:
    out = []
    for r in rejected:
        where = f"row {r.row}" + (f" (line {r.line})" if r.line and r.line != r.row else "")
        out.append(f"{where}{f' [{r.id}]' if r.id else ''}: {r.reason}")
    return out


def generated_id(question: str) -> str:
    """Stable id from the normalised question, so re-importing a file updates instead of duplicating."""
    norm = " ".join(unicodedata.normalize("NFKC", question).casefold().split()).rstrip(_TRAILING_PUNCT)
    return "faq_" + hashlib.sha1(norm.encode("utf-8")).hexdigest()[:12]


def read_faq_file(path: Path, *, progress: Progress | None = None) -> ImportBatch:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        hint = " (save .xls sheets as .xlsx)" if suffix == ".xls" else ""
        raise FaqImportError(f"{path}: unsupported file type {suffix or '(none)'!r}; use .json, .csv or .xlsx{hint}")
    if suffix == ".xlsx":
        rows, total = xlsx_rows(path)
        return _build(path, rows, total, None, progress)
    text, encoding = decode(path, read(path))
    if suffix == ".json":
        rows, total = json_rows(path, text)
    else:
        rows, total = csv_rows(path, text)
    return _build(path, rows, total, encoding, progress)


def _build(path: Path, rows: Iterator[Row], total: int, encoding: str | None, progress: Progress | None) -> ImportBatch:
    entries: list[FaqEntry] = []
    rejected: list[RejectedRow] = []
    first_seen: dict[str, tuple[int, bool]] = {}  # id -> (row, id was generated)
    done = 0
    for row, line, data in rows:
        done += 1
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, max(total, done))
        if isinstance(data, str):
            rejected.append(RejectedRow(row, None, data, line))
            continue
        generated = data.get("id") is None
        if generated:
            question = data.get("question")
            # Without a question there is nothing to derive an id from; a placeholder keeps the
            # report about the question instead of about a missing id.
            ok = isinstance(question, str) and question.strip()
            data["id"] = generated_id(question) if ok else f"row_{row}"
        key = data.get("id") if not (generated and data["id"] == f"row_{row}") else None
        if isinstance(key, str) and key.strip():
            key = key.strip()
            if key in first_seen:
                before, was_generated = first_seen[key]
                what = (
                    f"question in rows {before} and {row} (same generated id {key})"
                    if generated and was_generated
                    else f"id {key!r} in rows {before} and {row}"
                )
                raise FaqImportError(f"{path}: duplicate {what}")
            first_seen[key] = (row, generated)
        try:
            entries.append(FaqEntry.model_validate(data))
        except ValidationError as exc:
            rid = key if isinstance(key, str) and key else None
            rejected.append(RejectedRow(row, rid, describe_validation(exc), line))
    if done == 0:
        raise FaqImportError(f"{path}: no FAQ rows")
    if progress:
        progress(done, done)
    return ImportBatch(path, tuple(entries), tuple(rejected), encoding)
