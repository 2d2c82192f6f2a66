"""The WeChat Official Account platform API, async (aiohttp): one cached access_token per app and
the customer-service message (`message/custom/send`).

The token is fetched once and shared: concurrent callers wait for the one refresh in flight
(never a stampede on `/cgi-bin/token`, whose daily quota is small). A call answered 40001, 40014
or 42001 (the token is invalid or expired, e.g. another server fetched a new one) renews the
token, unless a concurrent caller already did, and is retried once. wechatpy's `WeChatClient` is
synchronous and is never used: it would block the event loop for a whole round trip.

Secrets travel only in query strings and are never part of an error or a log line.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp

from bot.core.clock import dumps

DEFAULT_BASE_URL = "https://api.weixin.qq.com"
TIMEOUT = aiohttp.ClientTimeout(total=5)
TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # invalid credential, invalid token, token expired
TOKEN_MARGIN = 300.0  # seconds before expires_in that a token counts as stale


class WechatApiError(Exception):
    """The platform answered with a non-zero errcode (or not at all: errcode -2, no answer)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode} {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg[:200]


class WechatApi:
    def __init__(self, app_id: str, app_secret: str, base_url: str | None = None) -> None:
        self._app_id = app_id
        self._secret = app_secret
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self._token: str | None = None
        self._expires_at = 0.0  # monotonic
        self._refresh = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    # --- access_token ------------------------------------------------------------------------
    async def access_token(self) -> str:
        """The cached token; fetched when missing or about to expire, by one caller at a time."""
        token = self._valid()
        if token is not None:
            return token
        async with self._refresh:
            token = self._valid()  # somebody refreshed while this caller waited
            if token is not None:
                return token
            return await self._fetch_token()

    async def _renew(self, stale: str) -> str:
        """The platform refused `stale`: a new token, fetched once however many callers saw it."""
        async with self._refresh:
            if self._token is not None and self._token != stale and time.monotonic() < self._expires_at:
                return self._token
            return await self._fetch_token()

    def _valid(self) -> str | None:
        if self._token is not None and time.monotonic() < self._expires_at:
            return self._token
        return None

    async def _fetch_token(self) -> str:
        self._token = None
        params = {"grant_type": "client_credential", "appid": self._app_id, "secret": self._secret}
        data = await self._request("GET", "/cgi-bin/token", params=params)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise WechatApiError(int(data.get("errcode") or -2), str(data.get("errmsg") or "no access_token"))
        expires_in = data.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else 7200.0
        self._token = token
        self._expires_at = time.monotonic() + max(lifetime - TOKEN_MARGIN, lifetime / 2)
        return token

    # --- calls -------------------------------------------------------------------------------
    async def call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST `payload` to `path?access_token=`; a token error renews the token and retries once."""
        token = await self.access_token()
        data = await self._post(path, token, payload)
        if _errcode(data) in TOKEN_ERRORS:
            token = await self._renew(token)
            data = await self._post(path, token, payload)
        code = _errcode(data)
        if code != 0:
            raise WechatApiError(code, str(data.get("errmsg") or ""))
        return data

    async def send_text(self, openid: str, content: str) -> None:
        """A customer-service text message (accepted within 48 hours of the customer's last message)."""
        await self.call("/cgi-bin/message/custom/send",
                        {"touser": openid, "msgtype": "text", "text": {"content": content}})

    async def _post(self, path: str, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        # UTF-8 as is: the platform shows \\u escapes literally in some messages.
        body = dumps(payload).encode()
        return await self._request("POST", path, params={"access_token": token}, data=body)

    async def _request(self, method: str, path: str, *, params: dict[str, str], data: bytes | None = None,
                       ) -> dict[str, Any]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        headers = {"Content-Type": "application/json; charset=utf-8"} if data is not None else None
        try:
            async with self._session.request(method, f"{self.base_url}{path}", params=params, data=data,
                                             headers=headers, allow_redirects=False) as resp:
                status, raw = resp.status, await resp.read()
        except TimeoutError:
            raise ConnectionError(f"WeChat API timed out after {TIMEOUT.total:g} s") from None
        except aiohttp.ClientError as exc:  # the message would carry the URL, and with it the secret
            raise ConnectionError(f"WeChat API unreachable ({type(exc).__name__})") from None
        if status >= 500:
            raise ConnectionError(f"WeChat API answered HTTP {status}")
        try:
            data_ = json.loads(raw)  # the platform labels its JSON text/plain at times
        except ValueError:
            raise ConnectionError(f"WeChat API answered HTTP {status} without JSON") from None
        if not isinstance(data_, dict):
            raise ConnectionError("WeChat API answered JSON that is not an object")
        return data_

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _errcode(data: dict[str, Any]) -> int:
    code = data.get("errcode", 0)
    try:
        return int(code)
    except (TypeError, ValueError):
        return -2
