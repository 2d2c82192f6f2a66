"""The ticket commands as an operator runs them: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from bot.cli import main
from bot.config import load_settings
from bot.store.sqlite.store import SQLITE_FILE


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    structlog.reset_defaults()  # main() points structlog at the captured stderr of this test


@pytest.fixture
def run(config_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal, so table cells are not folded
    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(["--config", str(config_path), *argv])
        except SystemExit as exc:  # argparse's own errors (unknown choice, missing flag)
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def db_path(config_path: Path) -> Path:
    return load_settings(config_path, env={}).data_dir / SQLITE_FILE


def sql(db_path: Path, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(query, params).fetchall()


def as_json(run, *argv: str) -> dict[str, Any]:
    code, out, _ = run(*argv, "--json")
    assert code == 0
    return json.loads(out)


def test_create_prints_id_and_due_times(run) -> None:
    code, out, err = run("create_ticket", "--customer_id", "c1", "--title", "退款没到账 [urgent]",
                         "--priority", "urgent", "--tags", "refund，vip")
    assert code == 0, err
    assert out.startswith("created TK-000001 (open, urgent, assignee -): response due 20")
    assert "resolution due 20" in out
    body = as_json(run, "create_ticket", "--customer-id", "c2", "--title", "Broken", "--type", "bug")
    assert body["id"] == "TK-000002" and body["type"] == "bug" and body["sla"]["response_due"]
    shown = as_json(run, "show_ticket", "--ticket_id", "TK-000001")
    assert shown["tags"] == ["refund", "vip"] and shown["title"] == "退款没到账 [urgent]"


def test_lifecycle_and_show(run) -> None:
    run("create_ticket", "--customer_id", "c1", "--title", "Where is my parcel")
    code, out, _ = run("update_ticket", "--ticket_id", "TK-000001", "--status", "in_progress",
                       "--comment", "checking with the courier", "--actor", "alice")
    assert code == 0 and out.startswith("updated TK-000001 (in_progress, normal")
    code, out, _ = run("close_ticket", "--ticket-id", "TK-000001", "--comment", "delivered")
    assert code == 0 and out.startswith("closed TK-000001 (closed")
    body = as_json(run, "show_ticket", "--ticket_id", "TK-000001")
    # Closing an in-progress ticket resolves it first: both steps are in the trail.
    assert [(e["actor"], e["from"], e["to"], e["comment"]) for e in body["events"]] == [
        ("cli", None, "open", None),
        ("alice", "open", "in_progress", "checking with the courier"),
        ("cli", "in_progress", "resolved", "delivered"),
        ("cli", "resolved", "closed", None),
    ]
    code, out, _ = run("show_ticket", "--ticket_id", "TK-000001")
    assert code == 0
    assert "Where is my parcel" in out and "audit trail" in out and "checking with the courier" in out
    assert "SLA stopped" in out


def test_illegal_change_exits_2_with_allowed_states(run, db_path: Path) -> None:
    run("create_ticket", "--customer_id", "c1", "--title", "t")
    run("close_ticket", "--ticket_id", "TK-000001")
    events = sql(db_path, "SELECT COUNT(*) FROM ticket_events")[0][0]
    code, out, err = run("update_ticket", "--ticket_id", "TK-000001", "--status", "in_progress",
                         "--priority", "urgent")
    assert code == 2 and out == ""
    assert err == "error: --status: cannot change a ticket from closed to in_progress; allowed next: none\n"
    run("create_ticket", "--customer_id", "c1", "--title", "t2")
    code, _, err = run("update_ticket", "--ticket_id", "TK-000002", "--status", "resolved")
    assert code == 2 and "allowed next: in_progress, cancelled" in err and err.count("\n") == 1
    assert sql(db_path, "SELECT COUNT(*) FROM ticket_events")[0][0] == events + 1
    assert sql(db_path, "SELECT priority FROM tickets WHERE id = 'TK-000001'") == [("normal",)]


@pytest.mark.parametrize(
    "argv",
    [
        ("show_ticket", "--ticket_id", "TK-999999"),
        ("update_ticket", "--ticket_id", "TK-999999", "--status", "in_progress"),
        ("close_ticket", "--ticket_id", "TK-999999"),
        ("assign_ticket", "--ticket_id", "TK-999999", "--agent_id", "alice"),
    ],
)
def test_unknown_ticket_exits_2_naming_it(run, argv: tuple[str, ...]) -> None:
    code, out, err = run(*argv)
    assert (code, out) == (2, "")
    assert err == "error: --ticket_id: ticket TK-999999 not found\n"


def test_assign(run, db_path: Path) -> None:
    run("create_ticket", "--customer_id", "c1", "--title", "t")
    code, _, err = run("assign_ticket", "--ticket_id", "TK-000001", "--agent_id", "ghost")
    assert code == 2 and err == "error: --agent_id: agent ghost not found\n"
    sql(db_path, """INSERT INTO agents (id, name, max_concurrent_chats, token_hash, created_at)
                    VALUES ('alice', 'Alice', 5, 'h', '2025-01-01T00:00:00+00:00')""")
    code, out, _ = run("assign_ticket", "--ticket-id", "TK-000001", "--agent-id", "alice")
    assert code == 0 and "assignee alice" in out
    assert as_json(run, "list_tickets", "--assignee", "alice")["total"] == 1


def test_list_tickets(run) -> None:
    for i in range(3):
        run("create_ticket", "--customer_id", f"c{i}", "--title", f"ticket {i}",
            "--priority", "high" if i else "low")
    run("update_ticket", "--ticket_id", "TK-000003", "--status", "in_progress")
    code, out, _ = run("list_tickets")
    assert code == 0 and "page 1 of 1 (3 total)" in out and "ticket 2" in out
    body = as_json(run, "list_tickets", "--status", "open", "--priority", "high")
    assert [t["id"] for t in body["tickets"]] == ["TK-000002"] and body["total"] == 1
    body = as_json(run, "list_tickets", "--page", "2", "--page_size", "2")
    assert [t["id"] for t in body["tickets"]] == ["TK-000001"] and body["page"] == 2
    code, out, _ = run("list_tickets", "--customer_id", "nobody")
    assert code == 0 and "no tickets" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("list_tickets", "--status", "open,pending"), "error: --status: must be one of"),
        (("list_tickets", "--page", "0"), "error: --page: must be between 1 and 1000000"),
        # (page - 1) * page_size once overflowed SQLite's OFFSET: a traceback, exit 1.
        (("list_tickets", "--page", "99999999999999999999"), "error: --page: must be between 1 and 1000000"),
        (("list_tickets", "--page_size", "99999999999999999999"), "error: --page_size: must be between 1 and 200"),
        (("create_ticket", "--customer_id", "c", "--title", "t", "--actor", ""), "error: --actor: must not be empty"),
        (("create_ticket", "--customer_id", "c", "--title", "t", "--actor", "  "), "error: --actor: must not be"),
        (("list_tickets", "--page_size", "500"), "error: --page_size: must be between 1 and 200"),
        (("create_ticket", "--customer_id", "c", "--title", "  "), "error: --title: must not be empty"),
        (("create_ticket", "--customer_id", "c", "--title", "t", "--priority", "p0"), "error: argument --priority"),
        (("create_ticket", "--title", "t"), "error: the following arguments are required: --customer_id"),
        (("update_ticket", "--ticket_id", "TK-000001"), "error: update_ticket: give at least one of"),
        (("update_ticket", "--ticket_id", "TK-000001", "--status", "done"), "error: argument --status"),
    ],
)
def test_bad_input_exits_2_with_one_line(run, db_path: Path, argv: tuple[str, ...], message: str) -> None:
    code, out, err = run(*argv)
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1, err
    assert not db_path.exists() or sql(db_path, "SELECT COUNT(*) FROM tickets") == [(0,)]


def test_closed_ticket_takes_comments_not_edits(run, db_path: Path) -> None:
    run("create_ticket", "--customer_id", "c1", "--title", "t")
    run("close_ticket", "--ticket_id", "TK-000001")
    before = sql(db_path, "SELECT * FROM tickets")
    code, out, err = run("update_ticket", "--ticket_id", "TK-000001", "--priority", "urgent")
    assert (code, out) == (2, "")
    assert err.startswith("error: --priority: cannot change priority of a closed ticket") and err.count("\n") == 1
    code, _, err = run("update_ticket", "--ticket_id", "TK-000001", "--title", "new", "--actor", "")
    assert code == 2 and err.startswith("error: --actor: must not be empty")
    assert sql(db_path, "SELECT * FROM tickets") == before
    code, out, _ = run("update_ticket", "--ticket_id", "TK-000001", "--comment", "customer confirmed")
    assert code == 0 and out.startswith("updated TK-000001 (closed")
