"""python run_bot.py [--config PATH] <command> ...

Bad input prints one line naming the field and exits with code 2; nothing is written.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from bot.cli import (
    agent_commands,
    channel_commands,
    customer_commands,
    eval_commands,
    kb_commands,
    outbox_commands,
    report_commands,
    service_commands,
    ticket_commands,
)
from bot.cli.common import EXIT_BAD_INPUT, CliError
from bot.config import ConfigError, load_settings
from bot.logs import configure_logging

# Commands whose feature lands in a later release print that instead of failing obscurely.
PLANNED: dict[str, str] = {}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not the usage block: the field is named in argparse's message.
        self.exit(EXIT_BAD_INPUT, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="run_bot.py", description="Intelligent customer-service bot")
    parser.add_argument("--config", dest="config_path", type=Path, help="config file (default: $BOT_CONFIG "
                        "or config/service.yaml)")
    parser.add_argument("--log-level", default="warning", help="log level for commands (start uses info)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="<command>", parser_class=_Parser)
    service_commands.register(sub)
    channel_commands.register(sub)
    outbox_commands.register(sub)
    kb_commands.register(sub)
    eval_commands.register(sub)
    ticket_commands.register(sub)
    agent_commands.register(sub)
    customer_commands.register(sub)
    report_commands.register(sub)
    for name, feature in PLANNED.items():
        p = sub.add_parser(name, help=f"({feature}: not configured yet)")
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(handler=None, feature=feature)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.handler is None:
        sys.stderr.write(f"{args.command}: {args.feature} are not configured in this release yet\n")
        return 1
    configure_logging("info" if args.command == "start" else args.log_level)
    try:
        settings = load_settings(args.config_path)
        return asyncio.run(args.handler(settings, args))
    except (CliError, ConfigError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
