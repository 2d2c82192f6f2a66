"""`channel_check --name N`: a channel's settings and credentials, tried against the platform (or
the fake that `api_base_url` points at). Returns the problems, one sentence each; none is fine.

wechat: an access_token is fetched (`/cgi-bin/token`); wecom and wechat_kf: the corp's
`gettoken`; telegram: `getMe`; app: the callback_url parses and, when set, answers a signed
`{"type": "ping"}` POST with 2xx; web: every allowed domain parses as a host name. The others:
their required settings are present. Secrets never appear in a problem (URLs that carry them
are not printed either).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.channels.settings import (
    AppChannel,
    ChannelSettings,
    TelegramChannel,
    WebChannel,
    WechatChannel,
    WechatKfChannel,
    WecomChannel,
)

TIMEOUT = aiohttp.ClientTimeout(total=10)
TELEGRAM_API = "https://api.telegram.org"
_HOST = re.compile(r"(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?")


@dataclass(frozen=True)
class CheckResult:
    name: str
    type: str
    problems: tuple[str, ...]
    checked: str  # what was tried, for the line printed when all is well


async def check(name: str, type_: str, settings: ChannelSettings) -> CheckResult:
    prefix = f"channels.{name}" if name == type_ else f"channel {name}"
    missing = [f"{prefix}.{key}: not set" for key in settings.missing()]
    if missing:
        return CheckResult(name, type_, tuple(missing), "required settings")
    if isinstance(settings, WechatChannel):
        return CheckResult(name, type_, tuple(await _wechat(prefix, settings)), "fetched an access_token")
    if isinstance(settings, TelegramChannel):
        return CheckResult(name, type_, tuple(await _telegram(prefix, settings)), "getMe answered")
    if isinstance(settings, AppChannel):
        problems = await _app(prefix, settings)
        what = "callback_url answered a signed ping" if settings.callback_url else "no callback_url set"
        return CheckResult(name, type_, tuple(problems), what)
    if isinstance(settings, WebChannel):
        return CheckResult(name, type_, tuple(_web(prefix, settings)), "domains parse")
    if isinstance(settings, WecomChannel | WechatKfChannel):
        return CheckResult(name, type_, tuple(await _wecom(settings)), "fetched an access_token")
    return CheckResult(name, type_, (), "required settings present (no online check for this type)")


async def _wechat(prefix: str, s: WechatChannel) -> list[str]:
    from bot.channels.wechat.api import WechatApi, WechatApiError
    from bot.channels.wechat.channel import _AES_KEY, REFUSED

    problems: list[str] = []
    if s.encoding_aes_key and not _AES_KEY.fullmatch(s.encoding_aes_key):
        problems.append(f"{prefix}.encoding_aes_key: must be 43 letters and digits (safe mode is refused)")
    api = WechatApi(s.app_id or "", s.app_secret or "", s.api_base_url)
    try:
        await api.access_token()
    except WechatApiError as exc:
        reason = REFUSED.get(exc.errcode) or exc.errmsg or "refused"
        problems.append(f"WeChat refused the credentials: {exc.errcode} {reason}")
    except ConnectionError as exc:
        problems.append(f"WeChat API ({api.base_url}): {exc}")
    finally:
        await api.aclose()
    return problems


async def _wecom(s: WecomChannel | WechatKfChannel) -> list[str]:
    """WeCom and WeChat customer service share the corp's `gettoken`."""
    from bot.channels.wechat.api import WechatApiError
    from bot.channels.wecom.api import WecomApi

    api = WecomApi(s.corp_id or "", s.secret or "", s.api_base_url)
    try:
        await api.access_token()
    except WechatApiError as exc:
        return [f"WeCom refused the credentials: {exc.errcode} {exc.errmsg or 'refused'}"]
    except ConnectionError as exc:
        return [f"WeCom API ({api.base_url}): {exc}"]
    finally:
        await api.aclose()
    return []


async def _telegram(prefix: str, s: TelegramChannel) -> list[str]:
    base = (s.api_base_url or TELEGRAM_API).rstrip("/")
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session, \
                session.get(f"{base}/bot{s.token}/getMe", allow_redirects=False) as resp:
            status, raw = resp.status, await resp.read()
    except TimeoutError:
        return [f"Telegram Bot API ({base}) timed out after {TIMEOUT.total:g} s"]
    except aiohttp.ClientError as exc:  # the URL holds the token: never print it
        return [f"Telegram Bot API ({base}) unreachable ({type(exc).__name__})"]
    try:
        body: Any = json.loads(raw)
    except ValueError:
        body = None
    if status == 401 or status == 404:
        return [f"{prefix}.token: Telegram refused the token (HTTP {status})"]
    if status != 200 or not isinstance(body, dict) or not body.get("ok"):
        desc = str(body.get("description"))[:200] if isinstance(body, dict) else "no JSON"
        return [f"Telegram getMe answered HTTP {status}: {desc}"]
    problems = []
    if s.mode == "webhook" and s.secret_token and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", s.secret_token):
        problems.append(f"{prefix}.secret_token: 1-256 letters, digits, '_' or '-' (Telegram refuses others)")
    return problems


async def _app(prefix: str, s: AppChannel) -> list[str]:
    if not s.callback_url:
        return []
    parts = urlsplit(s.callback_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [f"{prefix}.callback_url: not an http(s) URL with a host"]
    if not s.callback_secret:
        return [f"{prefix}.callback_secret: not set (the callbacks could not be signed)"]
    from bot.channels.webhook import signature

    body = json.dumps({"type": "ping", "at": int(time.time())}).encode()
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Bot-Timestamp": ts,
               "X-Bot-Signature": signature(s.callback_secret, ts, body)}
    try:
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session, \
                session.post(s.callback_url, data=body, headers=headers, allow_redirects=False) as resp:
            status = resp.status
    except TimeoutError:
        return [f"{prefix}.callback_url timed out after {TIMEOUT.total:g} s"]
    except aiohttp.ClientError as exc:
        return [f"{prefix}.callback_url unreachable ({type(exc).__name__})"]
    if not 200 <= status < 300:
        return [f"{prefix}.callback_url answered the signed ping with HTTP {status}"]
    return []


def _web(prefix: str, s: WebChannel) -> list[str]:
    problems = []
    for domain in s.domains():
        if not _HOST.fullmatch(domain.lower()):
            problems.append(f"{prefix}.domain: {domain!r} is not a host name (no scheme or path: example.com)")
    return problems
