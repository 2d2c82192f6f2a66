"""examples/app_client.py's bookkeeping: acknowledgement by echo, dedupe on seq, rating, buttons."""

from __future__ import annotations

import importlib.util
import json
from typing import Any

from bot.config import REPO_ROOT

_spec = importlib.util.spec_from_file_location("app_client", REPO_ROOT / "examples" / "app_client.py")
assert _spec is not None and _spec.loader is not None
app_client = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(app_client)


class FakeWs:
    closed = False

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_str(self, data: str) -> None:
        self.sent.append(json.loads(data))


async def test_messages_stay_pending_until_echoed_and_ratings_and_buttons_go_out(capsys) -> None:
    client = app_client.AppClient("https://bot.example.com", "ak_x", "C001")
    assert client.url == "wss://bot.example.com/ws/app"
    await client.typed("怎么退款\n")  # not connected: kept for the (re)connect
    (ident,) = client.pending
    ws = FakeWs()
    client.ws = ws
    await client.typed("运费多少")
    assert [f["text"] for f in ws.sent] == ["运费多少"] and len(client.pending) == 2
    client.received({"type": "message", "seq": 3, "id": ident, "role": "customer", "text": "怎么退款"})
    client.received({"type": "message", "seq": 4, "id": "m4", "role": "bot", "text": "在订单页退款。",
                     "buttons": [{"label": "好的", "value": "yes"}]})
    client.received({"type": "message", "seq": 4, "id": "m4", "role": "bot", "text": "在订单页退款。"})  # replayed
    assert ident not in client.pending and client.last_seq == 4
    assert capsys.readouterr().out.count("bot> 在订单页退款。") == 1
    await client.typed("1")
    assert ws.sent[-1]["type"] == "button" and ws.sent[-1]["value"] == "yes"
    client.received({"type": "rating_request"})
    await client.typed("5")
    assert ws.sent[-1]["type"] == "rating" and ws.sent[-1]["score"] == 5
    client.received({"type": "state", "state": "closed", "agents_online": False})
    assert all(f["type"] != "rating" for f in client.pending.values())  # not resent once rated
