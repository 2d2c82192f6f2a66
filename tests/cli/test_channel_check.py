"""channel_check --name N: credentials tried against the fakes (in a thread of their own, since
the CLI runs its own event loop), one line per problem and exit 2, or OK and exit 0."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from benchmarks.fakes.telegram_bot_api import FakeBotApi
from benchmarks.fakes.wechat_api import APP_ID, APP_SECRET, FakeWechatApi
from bot.cli import main
from tests.conftest import write_project


@contextmanager
def served(start: Any) -> Iterator[Any]:
    """Runs `await start()` (a fake with start/close) on an event loop in another thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


class Callback:
    """A callback_url endpoint that answers `status` and keeps the requests' headers."""

    def __init__(self, status: int = 200) -> None:
        self.status, self.headers = status, []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> Callback:
        async def hook(request: web.Request) -> web.Response:
            self.headers.append(dict(request.headers))
            return web.Response(status=self.status)

        app = web.Application()
        app.router.add_post("/hook", hook)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook"  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


def check(tmp_path: Path, channels: dict[str, Any], name: str, *extra: list[str]) -> int:
    config = write_project(tmp_path, {"channels": channels})
    for argv in extra:
        assert main(["--config", str(config), *argv]) == 0
    return main(["--config", str(config), "channel_check", "--name", name])


def test_wechat_credentials_fetch_a_token_or_say_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               ) -> None:
    with served(FakeWechatApi().start) as fake:
        good = {"enabled": True, "app_id": APP_ID, "app_secret": APP_SECRET, "token": "t", "api_base_url": fake.url}
        assert check(tmp_path / "a", {"wechat": good}, "wechat") == 0
        assert "channel wechat (wechat): OK, fetched an access_token" in capsys.readouterr().out
        assert fake.token_calls == 1
        assert check(tmp_path / "b", {"wechat": {**good, "app_secret": "wrong-secret"}}, "wechat") == 2
        err = capsys.readouterr().err
        assert "40125" in err and "app_secret is not valid" in err and "wrong-secret" not in err
        assert check(tmp_path / "c", {"wechat": {**good, "encoding_aes_key": "short"}}, "wechat") == 2
        assert "encoding_aes_key" in capsys.readouterr().err
    assert check(tmp_path / "d", {"wechat": {**good, "app_id": None}}, "wechat") == 2
    assert capsys.readouterr().err.strip() == "channel_check wechat: channels.wechat.app_id: not set"
    assert check(tmp_path / "e", {"wechat": good}, "wechat") == 2  # the fake is gone
    assert "unreachable" in capsys.readouterr().err


def test_a_registered_wechat_channel_is_checked_with_its_own_secrets(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with served(FakeWechatApi().start) as fake:
        add = ["add_channel", "--type", "wechat", "--name", "shop_wx", "--app_id", APP_ID, "--app_secret",
               APP_SECRET, "--token", "t"]
        assert check(tmp_path, {"wechat": {"api_base_url": fake.url}}, "shop_wx", add) == 0
        assert "channel shop_wx (wechat): OK" in capsys.readouterr().out


def test_telegram_get_me(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with served(FakeBotApi().start) as fake:
        good = {"enabled": True, "token": fake.token, "mode": "polling", "api_base_url": fake.base_url}
        assert check(tmp_path / "a", {"telegram": good}, "telegram") == 0
        assert "OK, getMe answered" in capsys.readouterr().out
        assert [c.method for c in fake.calls] == ["getMe"]
        bad = {**good, "token": "7000000001:AAHsomebody-elses-token_0123456789"}
        assert check(tmp_path / "b", {"telegram": bad}, "telegram") == 2
        err = capsys.readouterr().err
        assert "Telegram refused the token (HTTP 401)" in err and "somebody" not in err


def test_app_callback_gets_a_signed_ping_and_web_domains_parse(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    with served(Callback().start) as hook:
        app = {"callback_url": hook.url, "callback_secret": "cb-secret"}
        assert check(tmp_path / "a", {"app": app}, "app") == 0
        assert "signed ping" in capsys.readouterr().out
        assert hook.headers[0]["X-Bot-Signature"].startswith("sha256=") and hook.headers[0]["X-Bot-Timestamp"]
        hook.status = 500
        assert check(tmp_path / "b", {"app": app}, "app") == 2
        assert "answered the signed ping with HTTP 500" in capsys.readouterr().err
    assert check(tmp_path / "c", {"app": {"callback_url": "ftp://x", "callback_secret": "s"}}, "app") == 2
    assert "not an http(s) URL" in capsys.readouterr().err
    assert check(tmp_path / "d", {"web": {"domain": "shop.example.com, *.example.org"}}, "web") == 0
    capsys.readouterr()
    assert check(tmp_path / "e", {"web": {"domain": "https://shop.example.com/x, ok.example.com"}}, "web") == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "https://shop.example.com/x" in lines[0] and "not a host name" in lines[0]


def test_an_unknown_name_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(tmp_path, {}, "nope") == 2
    assert "--name: no channel 'nope'" in capsys.readouterr().err


def test_wecom_and_kf_credentials_fetch_the_corps_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.channels.wecom.fake_api import CORP_ID, KF_SECRET, SECRET, FakeWecomApi

    with served(FakeWecomApi().start) as fake:
        keys = {"enabled": True, "corp_id": CORP_ID, "token": "t", "encoding_aes_key": "k" * 43,
                "api_base_url": fake.url}
        wecom = {**keys, "agent_id": 1000002, "secret": SECRET}
        assert check(tmp_path / "a", {"wecom": wecom}, "wecom") == 0
        assert "OK, fetched an access_token" in capsys.readouterr().out
        assert check(tmp_path / "b", {"wechat_kf": {**keys, "secret": KF_SECRET}}, "wechat_kf") == 0
        assert check(tmp_path / "c", {"wecom": {**wecom, "secret": "wrong"}}, "wecom") == 2
        assert "WeCom refused the credentials" in capsys.readouterr().err
