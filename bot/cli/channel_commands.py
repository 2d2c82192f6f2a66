"""add_channel and list_channels, with the seed's flags.

`add_channel --type wechat --app_id A --app_secret S [--token T --encoding_aes_key K]`,
`--type web --domain example.com --widget_id widget_123`, `--type app [--callback_url U]`,
`--type phone --provider alicloud|twilio`, and telegram / wecom / wechat_kf with their keys.
Secrets go to `<data_dir>/channel_secrets.json` (0600), everything else to the channels table;
neither is printed back unmasked. Bad input names the flag, exits 2 and writes nothing.
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from bot.channels.app_keys import KEY_FIELD, key_hash, new_app_key
from bot.channels.model import CHANNEL_FLAGS, CHANNEL_TYPES
from bot.channels.secrets import ChannelSecrets, ChannelSecretsError, mask
from bot.channels.settings import ChannelsConfig, ChannelSettings
from bot.cli.common import CliError, print_json, stderr, stdout
from bot.config import Settings
from bot.logs import SECRET_WORDS
from bot.store.factory import open_store

ALL_FLAGS = tuple(dict.fromkeys(f for req, opt in CHANNEL_FLAGS.values() for f in (*req, *opt)))
# Beyond the log masker's words: channel credentials are often called app_key, aes_key, passwd…
_SECRET_PARTS = ("key", "aes", "pwd", "passwd", "credential", "credentials")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("add_channel", help="register a channel (secrets kept in a 0600 file, never printed)")
    p.add_argument("--type", required=True, choices=CHANNEL_TYPES)
    p.add_argument("--name", help="defaults to the type (e.g. wechat)")
    for flag in ALL_FLAGS:
        p.add_argument(f"--{flag}", *([f"--{flag.replace('_', '-')}"] if "_" in flag else []), dest=flag)
    p.add_argument("--settings", default="{}", help="further non-secret settings as JSON")
    p.add_argument("--disabled", action="store_true")
    p.set_defaults(handler=add_channel)

    p = sub.add_parser("channel_check", help="verify a channel's settings and credentials against the platform")
    p.add_argument("--name", required=True, help="a configured channel (wechat, telegram, web, app...) or a "
                                                 "registered one (add_channel --name)")
    p.set_defaults(handler=channel_check)

    p = sub.add_parser("list_channels", help="registered channels, secrets masked")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=list_channels)


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


def _model(type_: str) -> type[ChannelSettings]:
    return ChannelsConfig.model_fields[type_].annotation  # type: ignore[return-value]


def _flags(args: argparse.Namespace) -> dict[str, str]:
    """The type's flags as given, checked: required ones present, no flag of another type."""
    required, optional = CHANNEL_FLAGS[args.type]
    given = {f: v.strip() for f in ALL_FLAGS if (v := getattr(args, f)) is not None}
    for flag in given:
        if flag not in required and flag not in optional:
            raise CliError(f"--{flag}: not a setting of --type {args.type}")
    for flag in required:
        if not given.get(flag):
            raise CliError(f"--{flag}: required for --type {args.type}")
    for flag, value in given.items():
        if not value:
            raise CliError(f"--{flag}: must not be empty")
    try:  # the same model the config uses: choices (provider, mode) and types are checked once
        _model(args.type).model_validate(given)
    except ValidationError as exc:
        e = exc.errors()[0]
        raise CliError(f"--{e['loc'][0]}: {e['msg']}") from None
    return given


async def add_channel(settings: Settings, args: argparse.Namespace) -> int:
    name = (args.name or args.type).strip()
    if not name or len(name) > 64 or not name.replace("_", "").replace("-", "").isalnum():
        raise CliError("--name: use 1-64 letters, digits, '-' or '_'")
    given = _flags(args)
    try:
        extra = json.loads(args.settings)
    except json.JSONDecodeError as exc:
        raise CliError(f"--settings: invalid JSON ({exc.msg})") from None
    if not isinstance(extra, dict):
        raise CliError("--settings: must be a JSON object")
    # The channels table is plain SQLite (and ends up in backups): secrets have their own flags.
    secret = _secret_setting(extra)
    if secret is not None:
        raise CliError(f"--settings: {secret} is a secret; put it in config/service.yaml as ${{ENV_NAME}}")
    secret_keys = _model(args.type).SECRETS
    secrets = {k: v for k, v in given.items() if k in secret_keys}
    app_key = new_app_key() if args.type == "app" else None  # shown once; re-adding rotates it
    if app_key is not None:
        secrets[KEY_FIELD] = key_hash(app_key)
    plain = {**extra, **{k: v for k, v in given.items() if k not in secret_keys}}
    vault = ChannelSecrets(settings.data_dir)
    try:
        vault.load()  # an unreadable secrets file is refused before anything is written
    except ChannelSecretsError as exc:
        raise CliError(str(exc)) from None
    store = await open_store(settings)
    try:
        vault.put(name, secrets)
        new = await store.channels.add(name, args.type, plain, enabled=not args.disabled)
    finally:
        await store.close()
    kept = f"; secrets {', '.join(sorted(secrets))} kept in {vault.path}" if secrets else ""
    stdout().print(f"{'added' if new else 'updated'} channel {name} ({args.type}){kept}", markup=False)
    if app_key is not None:
        stdout().print(f"app key (shown once; /ws/app and POST /api/message with Authorization: Bearer): {app_key}",
                       markup=False)
    return 0


async def list_channels(settings: Settings, args: argparse.Namespace) -> int:
    try:
        secrets = ChannelSecrets(settings.data_dir).load()
    except ChannelSecretsError as exc:
        raise CliError(str(exc)) from None
    store = await open_store(settings)
    try:
        records = await store.channels.list()
    finally:
        await store.close()
    rows = []
    for r in records:
        masked = {k: mask(v) for k, v in secrets.get(r.name, {}).items()}
        rows.append({**r.as_dict(), "secrets": masked})
    if args.json:
        print_json({"channels": rows})
        return 0
    if not rows:
        stdout().print("no channels registered (configured ones are in config/service.yaml)")
        return 0
    table = Table(title="channels")
    for col in ("name", "type", "enabled", "settings", "secrets"):
        table.add_column(col, overflow="fold")
    for row in rows:
        shown = ", ".join(f"{k}={v}" for k, v in row["settings"].items()) or "-"
        hidden = ", ".join(f"{k}={v}" for k, v in row["secrets"].items()) or "-"
        table.add_row(row["name"], row["type"], "yes" if row["enabled"] else "no", escape(shown), escape(hidden))
    stdout().print(table)
    return 0


async def channel_check(settings: Settings, args: argparse.Namespace) -> int:
    """One line per problem on stderr and exit 2; one OK line and exit 0 when all is well."""
    from bot.channels.check import check

    name = args.name.strip()
    store = await open_store(settings)
    try:
        record = await store.channels.get(name)
    finally:
        await store.close()
    if record is not None:  # registered: its settings and secrets over the configured ones of its type
        try:
            secrets = ChannelSecrets(settings.data_dir).load().get(name, {})
        except ChannelSecretsError as exc:
            raise CliError(str(exc)) from None
        base = settings.channels.get(record.type)
        raw = {**(base.model_dump() if base is not None else {}), **record.settings, **secrets}
        try:
            channel = _model(record.type).model_validate(raw)
        except ValidationError as exc:
            e = exc.errors()[0]
            raise CliError(f"channel {name}: {'.'.join(map(str, e['loc']))}: {e['msg']}") from None
        type_ = record.type
    else:
        configured = settings.channels.get(name)
        if configured is None:
            known = ", ".join(settings.channels.names())
            raise CliError(f"--name: no channel {name!r} (configured: {known}; or one registered by add_channel)")
        channel, type_ = configured, name
    result = await check(name, type_, channel)
    if result.problems:
        err = stderr()
        for problem in result.problems:
            err.print(f"channel_check {name}: {problem}", markup=False)
        return 2
    state = "" if channel.enabled else " (not enabled)"
    stdout().print(f"channel {name} ({type_}): OK, {result.checked}{state}", markup=False)
    return 0
