"""Reading the rows of a FAQ import file: text decoding, JSON entries, CSV and xlsx tables.

Each reader returns (rows, total) where a row is (row number as the user sees it, CSV text line
or None, FaqEntry fields or the reason the row is unusable). Validation happens in `importer`.
Table columns are matched case-insensitively; common Chinese headers are accepted as aliases.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from bot.kb.faq_file import SHAPES, entry_list

_ALIASES = {
    "问题": "question", "标准问": "question", "标准问题": "question",
    "答案": "answer", "回答": "answer", "分类": "category", "类别": "category", "标签": "tags",
    "相似问": "similar_questions", "相似问题": "similar_questions", "语言": "language", "编号": "id",
}  # fmt: skip
_COLUMNS = {"id", "question", "answer", "category", "tags", "similar_questions", "language"}
_ANSWER_COL = re.compile(r"answer_([a-z]{2,3}(?:-[a-z]{2,4})?)")

Row = tuple[int, int | None, dict[str, Any] | str]


class FaqImportError(ValueError):
    """The file is refused as a whole; the message names the file and the problem."""


def read(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FaqImportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not raw.strip():
        raise FaqImportError(f"{path}: the file is empty")
    return raw


def decode(path: Path, raw: bytes) -> tuple[str, str]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8", "gb18030"]
    for enc in candidates:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break  # binary data that happens to decode
        return text, enc
    raise FaqImportError(f"{path}: not text in UTF-8 or GB18030/GBK; save it as UTF-8")


def json_rows(path: Path, text: str) -> tuple[Iterator[Row], int]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FaqImportError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    data = entry_list(data)
    if not isinstance(data, list):
        raise FaqImportError(f"{path}: expected {SHAPES}")

    def rows() -> Iterator[Row]:
        for i, item in enumerate(data, start=1):
            if not isinstance(item, dict):
                yield i, None, "entry: must be an object"
                continue
            item = dict(item)
            if isinstance(item.get("id"), int) and not isinstance(item["id"], bool):
                item["id"] = str(item["id"])  # a numeric id is still an id
            yield i, None, item

    return rows(), len(data)


def _header(path: Path, cells: Sequence[str]) -> dict[int, str]:
    """Column index -> field; refuses unknown, duplicate or missing required columns."""
    columns: dict[int, str] = {}
    unknown = []
    for i, cell in enumerate(cells):
        name = cell.strip().lower().replace(" ", "_")
        name = _ALIASES.get(cell.strip(), name)
        if not name:
            continue
        if name not in _COLUMNS and not _ANSWER_COL.fullmatch(name):
            # Refused rather than ignored: a typo like "similar_question" would silently drop data.
            unknown.append(cell.strip())
        elif name in columns.values():
            raise FaqImportError(f"{path}: column {cell.strip()!r} appears twice")
        else:
            columns[i] = name
    if unknown:
        raise FaqImportError(
            f"{path}: unknown column(s) {', '.join(map(repr, unknown))}; expected question, answer "
            "(or answer_<lang>), category, tags, similar_questions, id, language"
        )
    if "question" not in columns.values():
        raise FaqImportError(f"{path}: missing column 'question'")
    if not any(n == "answer" or n.startswith("answer_") for n in columns.values()):
        raise FaqImportError(f"{path}: missing column 'answer' (or answer_<lang> such as answer_zh)")
    return columns


def _fields(columns: dict[int, str], cells: Sequence[str]) -> dict[str, Any] | str | None:
    """A table row as FaqEntry fields (or why not); None for a blank row (skipped, not rejected)."""
    values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in columns.items()}
    if not any(values.values()):
        return None
    lang = values.get("language", "").lower() or "zh"
    answers = {n.removeprefix("answer_"): v for n, v in values.items() if n.startswith("answer_") and v}
    if values.get("answer"):
        if answers.get(lang, values["answer"]) != values["answer"]:
            return f"answer: differs from answer_{lang} (the row's language is {lang}); keep one"
        answers[lang] = values["answer"]
    data: dict[str, Any] = {
        "question": values["question"],
        "answers": answers,
        "language": lang,
        "category": values.get("category", ""),
        # Questions may contain commas, so 相似问 split on | and newlines only.
        "similar_questions": re.split(r"[|\n]", values.get("similar_questions", "")),
        "tags": re.split(r"[|,，、\n]", values.get("tags", "")),
    }
    if values.get("id"):
        data["id"] = values["id"]
    return data


def _table_rows(columns: dict[int, str], records: Iterable[tuple[int, int | None, Sequence[str]]]) -> Iterator[Row]:
    for row, line, cells in records:
        data = _fields(columns, cells)
        if data is not None:
            yield row, line, data


def csv_rows(path: Path, text: str) -> tuple[Iterator[Row], int]:
    first = text[: text.find("\n")]
    # The header is plain names, so counting separators in it picks the delimiter reliably.
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = []
        line = 1
        for row, cells in enumerate(reader, start=1):
            records.append((row, line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise FaqImportError(f"{path}: line {reader.line_num}: malformed CSV: {exc}") from None
    if not records:
        raise FaqImportError(f"{path}: the file is empty")
    columns = _header(path, records[0][2])
    return _table_rows(columns, records[1:]), len(records) - 1


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 12.0 → "12": Excel stores every number as a float
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def xlsx_rows(path: Path) -> tuple[Iterator[Row], int]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    raw = read(path)  # same messages as the text formats for missing/empty files
    with warnings.catch_warnings():
        # openpyxl warns about styles and data validation it ignores; none of it matters here.
        warnings.simplefilter("ignore")
        try:
            # From memory, so no file handle stays open while rows stream to the caller.
            wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except (BadZipFile, InvalidFileException, KeyError, OSError) as exc:
            raise FaqImportError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    if not wb.worksheets:
        raise FaqImportError(f"{path}: the workbook has no worksheet")
    ws = wb.worksheets[0]
    sheet = ws.iter_rows(values_only=True)
    header = next(sheet, None)
    if header is None:
        raise FaqImportError(f"{path}: the first sheet is empty")
    columns = _header(path, [_cell_text(v) for v in header])
    # Streamed, so the progress bar moves while a large sheet is parsed; the total comes from the
    # sheet's stored dimensions (an estimate: trailing blank rows count).
    records = ((n, None, [_cell_text(v) for v in cells]) for n, cells in enumerate(sheet, start=2))
    return _table_rows(columns, records), max(0, (ws.max_row or 1) - 1)
