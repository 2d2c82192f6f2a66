"""CLI commands: agent (filled in by its feature work)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's subcommands (and remove them from PLANNED in bot/cli/__init__.py)."""
