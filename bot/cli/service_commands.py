"""start, chat, add_channel."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from typing import Any

from rich.markup import escape

from bot.api.admin_token import ensure_admin_token
from bot.channels.model import CHANNEL_TYPES
from bot.cli.common import CliError, build_services, split_list, stderr, stdout
from bot.config import ChannelConfig, Settings
from bot.core.events import MAX_MESSAGE_CHARS, InboundEvent
from bot.logs import SECRET_WORDS
from bot.store.factory import open_store


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

    p = sub.add_parser("add_channel", help="register a channel")
    p.add_argument("--name", required=True)
    p.add_argument("--type", required=True, choices=CHANNEL_TYPES)
    p.add_argument("--settings", default="{}", help="non-secret settings as JSON (secrets go in the config)")
    p.add_argument("--disabled", action="store_true")
    p.set_defaults(handler=add_channel)


# Beyond the log masker's words: channel credentials are often called app_key, aes_key, passwd…
_SECRET_PARTS = ("key", "aes", "pwd", "passwd", "credential", "credentials")


def _secret_setting(settings: dict[str, Any]) -> str | None:
    """The first key (nested ones included) that names a credential, or None."""
    for key, value in settings.items():
        name = str(key).lower()
        parts = [p for p in re.split(r"[^a-z0-9]+", name) if p]
        if any(w in name for w in SECRET_WORDS) or any(p in _SECRET_PARTS or p.endswith("key") for p in parts):
            return str(key)
        if isinstance(value, dict) and (inner := _secret_setting(value)) is not None:
            return inner
    return None


def _with_channels(settings: Settings, names: tuple[str, ...]) -> Settings:
    channels = dict(settings.channels)
    for name in names:
        if name not in channels:
            raise CliError(f"--channels: unknown channel {name!r} (known: {', '.join(sorted(channels))})")
    for name, ch in channels.items():
        channels[name] = ChannelConfig(enabled=name in names, settings=ch.settings)
    return settings.model_copy(update={"channels": channels})


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


async def add_channel(settings: Settings, args: argparse.Namespace) -> int:
    name = args.name.strip()
    if not name or len(name) > 64 or not name.replace("_", "").replace("-", "").isalnum():
        raise CliError("--name: use 1-64 letters, digits, '-' or '_'")
    try:
        extra = json.loads(args.settings)
    except json.JSONDecodeError as exc:
        raise CliError(f"--settings: invalid JSON ({exc.msg})") from None
    if not isinstance(extra, dict):
        raise CliError("--settings: must be a JSON object")
    # The channels table is plain SQLite (and ends up in backups): secrets live in the config,
    # which reads them from the environment.
    secret = _secret_setting(extra)
    if secret is not None:
        raise CliError(f"--settings: {secret} is a secret; put it in config/service.yaml as ${{ENV_NAME}}")
    store = await open_store(settings)
    try:
        new = await store.channels.add(name, args.type, extra, enabled=not args.disabled)
    finally:
        await store.close()
    stdout().print(f"{'added' if new else 'updated'} channel {name} ({args.type})")
    return 0
