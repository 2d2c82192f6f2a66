"""A fake of the WeChat Official Account API on 127.0.0.1 that speaks its real protocol:
`GET /cgi-bin/token?grant_type=client_credential&appid=&secret=` -> {access_token, expires_in},
`POST /cgi-bin/message/custom/send?access_token=` -> {errcode, errmsg}. A token it did not issue
is 40001, one it expired (`expire_tokens`) 42001; `fail` queues errcodes (45015, 45047, -1 ...)
for the next sends. Every call is recorded, with the token it carried."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

APP_ID = "wx5c1a9e7f0b2d4c6e"
APP_SECRET = "app-secret-8d6f4a2b9c1e3f5a"

ERRMSG = {
    40001: "invalid credential, access_token is invalid or not latest rid: 6566-1",
    42001: "access_token expired rid: 6566-2",
    45015: "response out of time limit or subscription is canceled rid: 6566-3",
    45047: "out of response count limit rid: 6566-4",
    -1: "system error rid: 6566-5",
}


@dataclass
class Send:
    token: str
    body: dict[str, Any]
    raw: bytes
    errcode: int
    at: float = field(default_factory=time.perf_counter)  # when the fake received it


@dataclass
class FakeWechatApi:
    token_delay: float = 0.0  # seconds the token endpoint takes (widens a stampede's window)
    fail: list[int] = field(default_factory=list)
    bad_tokens: bool = False  # issue tokens that custom/send refuses (40001) at once
    token_calls: int = 0
    sends: list[Send] = field(default_factory=list)
    _valid: set[str] = field(default_factory=set)
    _expired: set[str] = field(default_factory=set)
    _server: TestServer | None = None
    host: str = "127.0.0.1"
    port: int | None = None  # None: a free one

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        return str(self._server.make_url("")).rstrip("/")

    def delivered(self) -> list[tuple[str, str]]:
        """(openid, text) of every accepted customer-service message."""
        return [(s.body["touser"], s.body["text"]["content"]) for s in self.sends if s.errcode == 0]

    def revoke_tokens(self) -> None:
        """Another server fetched a token: ours are no longer the latest (40001)."""
        self._valid.clear()

    def expire_tokens(self) -> None:
        self._expired |= self._valid
        self._valid.clear()

    async def start(self) -> FakeWechatApi:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._send)
        self._server = TestServer(app, host=self.host, port=self.port)
        await self._server.start_server()
        return self

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    async def _token(self, request: web.Request) -> web.Response:
        self.token_calls += 1
        q = request.query
        if q.get("grant_type") != "client_credential" or q.get("appid") != APP_ID:
            return _json({"errcode": 40013, "errmsg": "invalid appid"})
        if q.get("secret") != APP_SECRET:
            return _json({"errcode": 40125, "errmsg": "invalid appsecret"})
        if self.token_delay:
            await asyncio.sleep(self.token_delay)
        token = f"ACCESS_TOKEN_{self.token_calls}"
        if not self.bad_tokens:
            self._valid.add(token)
        return _json({"access_token": token, "expires_in": 7200})

    async def _send(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        raw = await request.read()
        body = json.loads(raw)
        if token in self._expired:
            code = 42001
        elif token not in self._valid:
            code = 40001
        elif self.fail:
            code = self.fail.pop(0)
        else:
            code = 0
        self.sends.append(Send(token, body, raw, code))
        return _json({"errcode": code, "errmsg": ERRMSG.get(code, "ok")})


def _json(body: dict[str, Any]) -> web.Response:
    # the platform labels its JSON text/plain
    return web.Response(text=json.dumps(body), content_type="text/plain")
