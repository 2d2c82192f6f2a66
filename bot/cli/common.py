"""Shared CLI plumbing: one-line errors with exit code 2, progress bars, JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

if TYPE_CHECKING:
    from bot.app import Services
    from bot.config import Settings

EXIT_BAD_INPUT = 2


class CliError(Exception):
    """Bad input from the operator: printed as one line, exit code 2, nothing written."""


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress callback (done, total) drawn on stderr. The bar appears on the first update, so
    a command that fails or finishes before any progress leaves no stray blank line."""
    bar = Progress(
        TextColumn(f"{label}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=stderr(), transient=True,
    )
    task = bar.add_task(label, total=None)
    started = False

    def update(done: int, total: int) -> None:
        nonlocal started
        if not started:
            bar.start()
            started = True
        bar.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        if started:
            bar.stop()


def split_list(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(p.strip() for p in value.replace("，", ",").split(",") if p.strip())


def build_services(settings: Settings, **options: Any) -> AbstractAsyncContextManager[Services]:
    """The live system, imported on first use: its imports (openai, scikit-learn, chromadb) cost
    about a second that commands such as `list_tickets` or `add_agent` should not pay."""
    from bot.app import build_services as build

    return build(settings, **options)
