"""start (with one line per channel, LLM and notification status), chat."""

from __future__ import annotations

import argparse
import asyncio
import sys

from rich.markup import escape

from bot.api.admin_token import ensure_admin_token
from bot.channels.status import channel_statuses
from bot.cli.common import CliError, build_services, split_list, stderr, stdout
from bot.config import Settings
from bot.core.events import MAX_MESSAGE_CHARS, InboundEvent
from bot.notify.notifier import delivery_status


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("start", help="run the service (HTTP API and enabled channels)")
    p.add_argument("--channels", help="comma-separated channels to enable (default: as configured)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(handler=start)

    p = sub.add_parser("chat", help="talk to the bot in the terminal")
    p.add_argument("--customer-id", "--customer_id", dest="customer_id", default="cli-user")
    p.add_argument("--debug", action="store_true", help="show route, intent, sentiment and state per turn")
    p.set_defaults(handler=chat)


def _with_channels(settings: Settings, names: tuple[str, ...]) -> Settings:
    known = settings.channels.names()
    for name in names:
        if name not in known:
            raise CliError(f"--channels: unknown channel {name!r} (known: {', '.join(sorted(known))})")
    return settings.model_copy(update={"channels": settings.channels.only(names)})


def startup_lines(settings: Settings) -> list[str]:
    """What runs and what does not, one line each: channels, the LLM, FAQ answers, notifications."""
    lines = [s.line() for s in channel_statuses(settings.channels)]
    off = settings.ai.off_reason
    lines.append(f"LLM: off ({off}); answers come from the FAQ and fallbacks" if off
                 else f"LLM: {settings.ai.provider} {settings.ai.model}")
    if not settings.knowledge_base.enabled:
        lines.append("knowledge base: off (knowledge_base.enabled is false); the bot does not answer from FAQs")
    lines.extend(delivery_status(settings.notifications))
    return lines


async def start(settings: Settings, args: argparse.Namespace) -> int:
    from bot.api.server import serve

    if args.channels:
        settings = _with_channels(settings, split_list(args.channels))
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    if not 1 <= port <= 65535:
        raise CliError("--port: must be between 1 and 65535")
    _, generated = ensure_admin_token(settings)
    err = stderr()
    for line in startup_lines(settings):
        err.print(line, markup=False)
    if generated is not None:
        err.print(f"Generated an admin API token; it is stored in {generated} (readable only by you).")
    elif not settings.server.api_token:
        err.print(f"Admin API token: see {settings.data_dir / 'admin_token'}")
    ready = asyncio.Event()

    async def announce() -> None:  # only once the port is open: a failed start must not claim it serves
        await ready.wait()
        err.print(f"Serving on http://{host}:{port}  (health: /healthz, API docs: /api/openapi.json)")

    announcer = asyncio.create_task(announce())
    try:
        await serve(settings, host, port, ready=ready)
    finally:
        announcer.cancel()
    return 0


async def chat(settings: Settings, args: argparse.Namespace) -> int:
    out = stdout()
    async with build_services(settings) as services:
        out.print("Type your message (empty line or Ctrl-D to quit).")
        loop = asyncio.get_running_loop()
        while True:
            out.print("[bold]you>[/bold] ", end="")
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or not line.strip():
                break
            text = line.strip()[:MAX_MESSAGE_CHARS]
            result = await services.runtime.feed(InboundEvent(channel="cli", customer_id=args.customer_id, text=text))
            for reply in result["replies"]:
                out.print(f"[bold cyan]bot>[/bold cyan] {escape(reply['text'])}", markup=True)
            if args.debug:
                faq = result["faq"]
                out.print(
                    f"  [dim]route={result['route']} state={result['state']} language={result['language']} "
                    f"intent={result['intent']} sentiment={result['sentiment']} "
                    f"faq={faq['id'] + ' ' + format(faq['score'], '.3f') if faq else '-'} "
                    f"ticket={result['ticket_id'] or '-'}[/dim]"
                )
    return 0
