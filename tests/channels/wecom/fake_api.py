"""A fake of the WeCom server API on 127.0.0.1 speaking its protocol:
`GET /cgi-bin/gettoken?corpid=&corpsecret=`, `POST /cgi-bin/message/send?access_token=`,
and for WeChat customer service `POST /cgi-bin/kf/sync_msg` (pages of `msg_list` from a cursor,
`next_cursor`, `has_more`), `POST /cgi-bin/kf/send_msg`, `POST /cgi-bin/kf/service_state/trans`.
A token it did not issue is 40014, one it expired (`expire_tokens`) 42001; `fail` queues errcodes
for the next sends. Every call is recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

CORP_ID = "ww4f2a9c1e7b3d5a60"
SECRET = "corp-app-secret-3b7d"
KF_SECRET = "kf-secret-9e1c"


@dataclass
class Call:
    path: str
    token: str
    body: dict[str, Any]
    errcode: int


@dataclass
class FakeWecomApi:
    fail: list[int] = field(default_factory=list)
    token_calls: int = 0
    calls: list[Call] = field(default_factory=list)
    # kf: the messages of each open_kfid, served `page` at a time; the cursor is the index as text
    kf_messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    page: int = 2
    _valid: set[str] = field(default_factory=set)
    _expired: set[str] = field(default_factory=set)
    _server: TestServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("")).rstrip("/")

    def expire_tokens(self) -> None:
        self._expired |= self._valid
        self._valid.clear()

    def ok(self, path: str) -> list[dict[str, Any]]:
        return [c.body for c in self.calls if c.path == path and c.errcode == 0]

    def all(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    async def start(self) -> FakeWecomApi:
        app = web.Application()
        app.router.add_get("/cgi-bin/gettoken", self._token)
        for path in ("/cgi-bin/message/send", "/cgi-bin/kf/send_msg", "/cgi-bin/kf/service_state/trans"):
            app.router.add_post(path, self._call)
        app.router.add_post("/cgi-bin/kf/sync_msg", self._sync)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    async def _token(self, request: web.Request) -> web.Response:
        self.token_calls += 1
        q = request.query
        if q.get("corpid") != CORP_ID:
            return _json({"errcode": 40013, "errmsg": "invalid corpid"})
        if q.get("corpsecret") not in (SECRET, KF_SECRET):
            return _json({"errcode": 40001, "errmsg": "invalid credential"})
        token = f"CORP_TOKEN_{self.token_calls}"
        self._valid.add(token)
        return _json({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})

    def _check(self, token: str) -> int:
        if token in self._expired:
            return 42001
        if token not in self._valid:
            return 40014
        return 0

    async def _call(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        body = json.loads(await request.read())
        code = self._check(token) or (self.fail.pop(0) if self.fail else 0)
        self.calls.append(Call(request.path, token, body, code))
        return _json({"errcode": code, "errmsg": "ok" if code == 0 else f"error {code}"})

    async def _sync(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        body = json.loads(await request.read())
        code = self._check(token)
        self.calls.append(Call(request.path, token, body, code))
        if code:
            return _json({"errcode": code, "errmsg": "token"})
        if not body.get("token") or not body.get("open_kfid"):
            return _json({"errcode": 95000, "errmsg": "invalid token or open_kfid"})
        messages = self.kf_messages.get(body["open_kfid"], [])
        start = int(body.get("cursor") or 0)
        end = min(start + min(self.page, int(body.get("limit") or 1000)), len(messages))
        return _json({"errcode": 0, "errmsg": "ok", "next_cursor": str(end) if end else "",
                      "has_more": 1 if end < len(messages) else 0, "msg_list": messages[start:end]})


def _json(body: dict[str, Any]) -> web.Response:
    return web.Response(text=json.dumps(body), content_type="application/json")
