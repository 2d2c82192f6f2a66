from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.kb.faq import FaqEntry
from bot.kb.importer import FaqImportError, ImportReport, read_faq_file, render_rejections

HEADER = ["question", "answer", "category", "tags", "similar_questions"]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8", header=HEADER) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]], header=HEADER) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_json_keeps_good_entries_and_reports_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "faq.json"
    items = [
        {"id": "refund", "question": "如何申请退款？", "answer": "在订单页点击申请退款。", "tags": ["售后"]},
        {"id": "ship", "question": "多久发货", "answer": ""},
        {"question": "Do you ship abroad?", "answers": {"en": "Yes, to 30 countries."}, "language": "en"},
        "not an object",
        {"id": "bad id!", "question": "x", "answer": "y"},
        {"id": "extra", "question": "q", "answer": "a", "colour": "red"},
    ]
    path.write_text(json.dumps({"faqs": items}, ensure_ascii=False), encoding="utf-8")
    batch = read_faq_file(path)
    assert batch.entries[0].id == "refund"
    assert batch.entries[1].id.startswith("faq_") and batch.entries[1].answer_for("en").startswith("Yes")
    rejected = {r.row: r for r in batch.rejected}
    assert set(rejected) == {2, 4, 5, 6}
    assert rejected[2].id == "ship" and "answer" in rejected[2].reason
    assert "must be an object" in rejected[4].reason
    assert rejected[5].reason.startswith("id:")
    assert "colour: unknown field" in rejected[6].reason
    lines = render_rejections(batch.rejected)
    assert lines[0].startswith("row 2 [ship]: ")
    assert ImportReport(1, 1, batch.rejected).render()[0] == "added 1, updated 1, rejected 4"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"faqs": {"a": 1}}', "expected a list"),
        ("[]", "no FAQ rows"),
        ("", "empty"),
    ],
)
def test_json_refused_whole(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "faq.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FaqImportError, match=message) as info:
        read_faq_file(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_json_duplicate_id_names_both_rows(tmp_path: Path) -> None:
    path = tmp_path / "faq.json"
    items = [{"id": "a", "question": "q1", "answer": "x"}, {"id": "b", "question": "q2", "answer": "x"}]
    items.append({"id": "a", "question": "q3", "answer": "x"})
    path.write_text(json.dumps(items), encoding="utf-8")
    with pytest.raises(FaqImportError, match=r"duplicate id 'a' in rows 1 and 3"):
        read_faq_file(path)


def test_csv_with_bom_and_split_cells(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "faq.csv",
        [["如何退款？", "在订单页申请。", "售后", "退款,售后|订单", "怎么退款|退款流程, 是什么"]],
        encoding="utf-8-sig",
    )
    batch = read_faq_file(path)
    assert batch.encoding == "utf-8-sig" and not batch.rejected
    (entry,) = batch.entries
    assert entry.question == "如何退款？" and entry.category == "售后"
    assert entry.tags == ("退款", "售后", "订单")
    assert entry.similar_questions == ("怎么退款", "退款流程, 是什么")  # commas stay inside questions


def test_csv_in_gbk(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "faq.csv", [["发票怎么开？", "在订单详情页申请电子发票。", "", "", ""]], encoding="gbk")
    batch = read_faq_file(path)
    assert batch.encoding == "gb18030"
    assert batch.entries[0].answer_for("zh") == "在订单详情页申请电子发票。"


def test_csv_not_text_refused(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_bytes(b"question,answer\n\xff\xfe\x80\x00\x81")
    with pytest.raises(FaqImportError, match="not text in UTF-8 or GB18030"):
        read_faq_file(path)


def test_csv_quoted_multiline_answer_and_row_numbers(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "faq.csv",
        [
            ["退货地址在哪？", "第一行\n第二行\n第三行", "售后", "", ""],
            ["", "没有问题的行", "", "", ""],
            ["", "", "", "", ""],  # blank rows are skipped, not rejected
            ["运费谁出？", "", "", "", ""],
        ],
    )
    batch = read_faq_file(path)
    assert batch.entries[0].answer_for("zh") == "第一行\n第二行\n第三行"
    assert [(r.row, r.line) for r in batch.rejected] == [(3, 5), (5, 7)]
    assert batch.rejected[0].reason.startswith("question:") and batch.rejected[0].id is None
    assert "answer" in batch.rejected[1].reason
    assert render_rejections(batch.rejected)[0].startswith("row 3 (line 5): question:")


def test_csv_headers_case_insensitive_and_chinese_aliases(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["q", "a"]], header=[" Question ", "ANSWER"])
    assert read_faq_file(path).entries[0].question == "q"
    path = write_csv(tmp_path / "b.csv", [["问", "答", "物流"]], header=["问题", "答案", "分类"])
    assert read_faq_file(path).entries[0].category == "物流"


def test_csv_unknown_or_missing_column_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["q", "a", "x"]], header=["question", "answer", "similar_question"])
    with pytest.raises(FaqImportError, match=r"unknown column.*'similar_question'"):
        read_faq_file(path)
    path = write_csv(tmp_path / "b.csv", [["q"]], header=["question"])
    with pytest.raises(FaqImportError, match="missing column 'answer'"):
        read_faq_file(path)


def test_multilingual_answer_columns(tmp_path: Path) -> None:
    header = ["id", "question", "language", "answer", "answer_en", "answer_ja"]
    rows = [
        ["ret", "怎么退货", "zh", "七天无理由退货。", "7-day returns.", ""],
        ["ship", "Do you ship abroad?", "en", "", "Yes.", "はい。"],
        ["clash", "冲突", "zh", "中文", "English", ""],
    ]
    rows.append(["bad", "冲突2", "", "中文答案", "", ""])
    path = write_csv(tmp_path / "faq.csv", rows, header=header)
    batch = read_faq_file(path)
    by_id = {e.id: e for e in batch.entries}
    assert by_id["ret"].answers == {"zh": "七天无理由退货。", "en": "7-day returns."}
    assert by_id["ship"].answers == {"en": "Yes.", "ja": "はい。"} and by_id["ship"].language == "en"
    assert by_id["ship"].answer_for("ja") == "はい。"
    assert by_id["bad"].answers == {"zh": "中文答案"}  # empty language means the default, zh
    assert not batch.rejected


def test_answer_conflicting_with_language_column_rejected(tmp_path: Path) -> None:
    header = ["question", "language", "answer", "answer_en"]
    path = write_csv(tmp_path / "faq.csv", [["Where?", "en", "Here.", "There."]], header=header)
    (rejected,) = read_faq_file(path).rejected
    assert rejected.reason.startswith("answer: differs from answer_en")


def test_xlsx_reads_first_sheet_and_converts_numbers(tmp_path: Path) -> None:
    header = ["ID", "Question", "Answer", "Category", "Tags", "Similar_Questions"]
    path = write_xlsx(
        tmp_path / "faq.xlsx",
        [
            [12.0, "保修多久？", 365, "售后", "保修|质保", "质保多久\n保修期多长"],
            [None, None, None, None, None],
        ],
        header=header,
    )
    batch = read_faq_file(path)
    assert batch.encoding is None and not batch.rejected
    (entry,) = batch.entries
    assert entry.id == "12" and entry.answer_for("zh") == "365"
    assert entry.similar_questions == ("质保多久", "保修期多长") and entry.tags == ("保修", "质保")


def test_xlsx_missing_column_refused_naming_it(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "faq.xlsx", [["a"]], header=["answer", "category"])
    with pytest.raises(FaqImportError, match="missing column 'question'"):
        read_faq_file(path)


def test_xlsx_duplicate_id_refused(tmp_path: Path) -> None:
    header = ["id", "question", "answer"]
    path = write_xlsx(tmp_path / "faq.xlsx", [["x1", "q1", "a"], ["x2", "q2", "a"], ["x1", "q3", "a"]], header)
    with pytest.raises(FaqImportError, match=r"duplicate id 'x1' in rows 2 and 4"):
        read_faq_file(path)


def test_xlsx_duplicate_question_without_ids_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "faq.xlsx", [["怎么退款", "a", "", "", ""], ["怎么退款？", "b", "", "", ""]])
    with pytest.raises(FaqImportError, match=r"duplicate question in rows 2 and 3"):
        read_faq_file(path)


def test_xlsx_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "faq.xlsx"
    path.write_text("question,answer\n", encoding="utf-8")
    with pytest.raises(FaqImportError, match=r"not a readable \.xlsx workbook"):
        read_faq_file(path)


def test_unreadable_missing_and_unknown_files(tmp_path: Path) -> None:
    with pytest.raises(FaqImportError, match="cannot read"):
        read_faq_file(tmp_path / "missing.csv")
    (tmp_path / "faq.xls").write_bytes(b"\xd0\xcf")
    with pytest.raises(FaqImportError, match=r"unsupported file type '.xls'.*save .xls sheets as .xlsx"):
        read_faq_file(tmp_path / "faq.xls")


def test_unreadable_directory_named_csv(tmp_path: Path) -> None:
    folder = tmp_path / "faq.csv"
    folder.mkdir()
    with pytest.raises(FaqImportError, match="cannot read"):
        read_faq_file(folder)


@pytest.mark.parametrize("name", ["empty.csv", "empty.xlsx", "empty.json"])
def test_empty_file_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(FaqImportError, match="empty"):
        read_faq_file(path)


def test_header_only_csv_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "faq.csv", [])
    with pytest.raises(FaqImportError, match="no FAQ rows"):
        read_faq_file(path)


def test_generated_ids_are_stable_across_reads(tmp_path: Path) -> None:
    rows = [["怎么退款？", "a", "", "", ""], ["How do I pay?", "b", "", "", ""]]
    first = read_faq_file(write_csv(tmp_path / "one.csv", rows))
    # Same questions with other spacing/punctuation/case in another format: same ids.
    second = read_faq_file(write_xlsx(tmp_path / "two.xlsx", [["怎么退款?", "c"], ["how do  I pay", "d"]]))
    assert [e.id for e in first.entries] == [e.id for e in second.entries]
    assert all(e.id.startswith("faq_") and len(e.id) == 16 for e in first.entries)
    assert read_faq_file(tmp_path / "one.csv").entries == first.entries


def test_large_csv_with_progress(tmp_path: Path) -> None:
    n = 20_000
    rows = [
        [f"商品{i}的保修期是多久？", f"商品{i}保修一年。", "售后", "保修|售后", f"{i}号保修多久|{i}质保"]
        for i in range(n)
    ]
    path = write_csv(tmp_path / "big.csv", rows)
    calls: list[tuple[int, int]] = []
    started = time.perf_counter()
    batch = read_faq_file(path, progress=lambda done, total: calls.append((done, total)))
    elapsed = time.perf_counter() - started
    print(f"\n20,000-row csv read in {elapsed:.2f} s")  # measured, not asserted
    assert len(batch.entries) == n and not batch.rejected
    assert len(calls) == n // 500 + 1 and calls[0] == (500, n) and calls[-1] == (n, n)


def test_a_latin_script_reader_gets_the_english_similar_question_on_a_button() -> None:
    e = FaqEntry(id="r", question="如何申请退款？", similar_questions=("怎么退款", "How do I get a refund?"),
                 answers={"zh": "在订单页申请。"})
    assert e.question_for("en") == e.question_for("fr") == "How do I get a refund?"
    assert e.question_for("zh") == e.question_for("ja") == "如何申请退款？"
    only_zh = FaqEntry(id="s", question="多久发货？", similar_questions=("几天发货",), answers={"zh": "48 小时。"})
    assert only_zh.question_for("en") == "多久发货？"  # nothing better to show
