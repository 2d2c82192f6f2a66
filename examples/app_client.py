"""A minimal app-channel client: the customer's side of `/ws/app`, in the terminal.

Usage:

    python run_bot.py add_channel --type app      # prints the app key once: keep it
    python run_bot.py start                        # the service, e.g. on http://127.0.0.1:8080
    BOT_APP_KEY=<app key> python examples/app_client.py --url http://127.0.0.1:8080 --customer-id C001

Options: `--key KEY` instead of $BOT_APP_KEY, `--customer-id C` (default "app-demo"). Type a message
and press Enter; bot, agent and system messages are printed as they arrive. When the bot asks for a
rating, type 1-5 (anything else skips it); when a message offers buttons, type a button's number
to tap it. Ctrl-D (end of input) or Ctrl-C quits.

What the protocol asks of an app (JSON frames with a "type"; the server side is
bot/channels/socket_session.py):

- connect to `/ws/app?customer_id=C` with `Authorization: Bearer <app key>`; a refusal comes as an
  HTTP status before the upgrade (401 bad key, 400 bad customer id): no point retrying;
- right after every (re)connect send `{"type": "history", "after": <last seq seen>}`: the server
  replays what this client missed, once;
- every message carries a client id (`{"type": "message", "id", "text"}`); the server echoes it
  with role "customer" and that id. Until the echo arrives the message is unacknowledged, and after
  a reconnect it is sent again with the same id (the server never answers one id twice);
- reconnect after a drop with exponential backoff (1 s doubling to 30 s, with jitter);
- `{"type": "rating_request"}` asks for `{"type": "rating", "score": 1..5}`.

Needs only aiohttp (a dependency of the bot). Not part of the package: copy it and adapt.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import sys
import threading
from typing import Any

import aiohttp

MAX_FRAME = 8 * 1024  # the server closes the socket (1009) on a bigger frame
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 30.0
DRAIN_QUIET, DRAIN_MAX = 1.5, 15.0  # seconds: waiting for the last replies once the input ends
FATAL_STATUSES = {400, 401, 403, 404}  # refused before the upgrade: retrying will not help


def say(line: str) -> None:
    print(line, flush=True)


class AppClient:
    def __init__(self, url: str, key: str, customer_id: str) -> None:
        base = url.rstrip("/")
        self.url = "ws" + base[4:] + "/ws/app" if base.startswith("http") else base + "/ws/app"
        self.headers = {"Authorization": f"Bearer {key}"}
        self.customer_id = customer_id
        self.last_seq = 0  # the highest seq seen: `history after` on the next connect
        self.pending: dict[str, dict[str, Any]] = {}  # client id -> frame, sent but not echoed yet
        self.buttons: list[dict[str, Any]] = []  # of the last bot message, tapped by number
        self.rating_wanted = False
        self.state: str | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None

    # --- what the customer types -----------------------------------------------------------
    async def typed(self, line: str) -> None:
        text = line.strip()
        if not text:
            return
        if self.rating_wanted:
            self.rating_wanted = False
            if text in ("1", "2", "3", "4", "5"):
                await self._send_tracked({"type": "rating", "id": _client_id(), "score": int(text)})
                return
            say("(rating skipped)")
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            button = self.buttons[int(text) - 1]
            self.buttons = []
            await self._send_tracked({"type": "button", "id": _client_id(), "value": button["value"],
                                      "label": button.get("label")})
            return
        frame = {"type": "message", "id": _client_id(), "text": text}
        if len(json.dumps(frame, ensure_ascii=False).encode()) > MAX_FRAME:
            say("(message too long: at most 8 KB; not sent)")
            return
        await self._send_tracked(frame)

    async def _send_tracked(self, frame: dict[str, Any]) -> None:
        """Kept until the server echoes its id; sent now if connected, else on the reconnect."""
        self.pending[frame["id"]] = frame
        await self._send(frame)

    async def _send(self, frame: dict[str, Any]) -> None:
        if self.ws is None or self.ws.closed:
            return
        # A drop while sending is fine: the frame stays pending and goes again after the reconnect.
        with contextlib.suppress(ConnectionError, aiohttp.ClientError, RuntimeError):
            await self.ws.send_str(json.dumps(frame, ensure_ascii=False))

    # --- what the server sends ---------------------------------------------------------------
    def received(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "message":
            self._message(frame)
        elif kind == "rating_request":
            self.rating_wanted = True
            say("(rate the conversation: type 1 (poor) to 5 (great); anything else skips)")
        elif kind == "typing":
            say(f"({frame.get('role', 'agent')} is typing…)")
        elif kind == "state":
            self._state(frame)
        elif kind == "error":
            say(f"(error {frame.get('error')}: {frame.get('message')})")

    def _message(self, frame: dict[str, Any]) -> None:
        seq = frame.get("seq") or 0
        if seq and seq <= self.last_seq:
            return  # seen already (dedupe on seq)
        self.last_seq = max(self.last_seq, seq)
        role, ident, text = frame.get("role"), str(frame.get("id")), frame.get("text", "")
        if role == "customer":
            # Our own message echoed: acknowledged. Anything else is from another device or the
            # transcript's replay; a rating's turn carries the id as "rating:<id>".
            acked = self.pending.pop(ident, None) or self.pending.pop(ident.removeprefix("rating:"), None)
            if acked is None:
                say(f"you> {text}")
            return
        who = {"bot": "bot", "agent": (frame.get("agent") or {}).get("name") or "agent"}.get(role, "system")
        say(f"{who}> {text}")
        self.buttons = list(frame.get("buttons") or [])
        for n, button in enumerate(self.buttons, 1):
            say(f"    {n}) {button.get('label') or button.get('value')}")

    def _state(self, frame: dict[str, Any]) -> None:
        state = frame.get("state")
        if state != "rating":  # a rating asked for and no longer wanted: do not resend it
            for ident in [i for i, f in self.pending.items() if f["type"] == "rating"]:
                del self.pending[ident]
        if state == self.state:
            return
        self.state = state
        if state == "agent" and frame.get("agent"):
            say(f"(connected to {frame['agent'].get('name') or frame['agent'].get('id')})")
        elif state == "queued":
            say("(waiting for an agent)")
        elif state == "closed":
            say("(conversation closed; type to start a new one)")

    # --- the connection ------------------------------------------------------------------------
    async def run(self, lines: asyncio.Queue[str | None]) -> bool:
        """Connects, and reconnects with backoff, until the input ends (True) or the server
        refuses us (False)."""
        backoff = BACKOFF_FIRST
        typing = asyncio.create_task(self._pump(lines))
        try:
            async with aiohttp.ClientSession() as session:
                while not typing.done():
                    try:
                        await self._connected(session, typing)
                        backoff = BACKOFF_FIRST
                    except aiohttp.WSServerHandshakeError as exc:
                        if exc.status in FATAL_STATUSES:
                            say(f"(refused: HTTP {exc.status} {exc.message}; check --key and --customer-id)")
                            return False
                        say(f"(could not connect: HTTP {exc.status})")
                    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                        say(f"(disconnected: {type(exc).__name__}: {exc})")
                    if typing.done():
                        break
                    delay = backoff * random.uniform(0.8, 1.2)
                    say(f"(reconnecting in {delay:.1f} s; {len(self.pending)} message(s) to resend)")
                    await asyncio.wait({typing}, timeout=delay)
                    backoff = min(backoff * 2, BACKOFF_MAX)
            return True
        finally:
            typing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await typing

    async def _connected(self, session: aiohttp.ClientSession, typing: asyncio.Task[None]) -> None:
        async with session.ws_connect(self.url, params={"customer_id": self.customer_id}, headers=self.headers,
                                      heartbeat=30.0) as ws:
            self.ws = ws
            try:
                await self._send({"type": "history", "after": self.last_seq})
                for frame in list(self.pending.values()):  # unacknowledged: the same ids again
                    await self._send(frame)
                reader = asyncio.create_task(self._read(ws))
                await asyncio.wait({reader, typing}, return_when=asyncio.FIRST_COMPLETED)
                if not reader.done():  # the input ended: the last replies, then leave politely
                    await self._drain(reader)
                    await ws.close()
                await reader
            finally:
                self.ws = None
        if not typing.done():
            say(f"(connection closed by the server, code {ws.close_code})")

    async def _drain(self, reader: asyncio.Task[None]) -> None:
        """After the last line: until every message is acknowledged and the server has been quiet
        for a moment (the bot's reply follows the echo), at most DRAIN_MAX seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DRAIN_MAX
        while not reader.done() and loop.time() < deadline:
            seen = self.last_seq
            await asyncio.wait({reader}, timeout=DRAIN_QUIET)
            if not self.pending and self.last_seq == seen:
                return

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:  # the server's pings are answered while reading
            if msg.type == aiohttp.WSMsgType.TEXT:
                try:
                    frame = json.loads(msg.data)
                except ValueError:
                    continue
                if isinstance(frame, dict):
                    self.received(frame)

    async def _pump(self, lines: asyncio.Queue[str | None]) -> None:
        while (line := await lines.get()) is not None:
            await self.typed(line)


def _client_id() -> str:
    return "c_" + secrets.token_hex(8)


def stdin_lines(loop: asyncio.AbstractEventLoop) -> asyncio.Queue[str | None]:
    """Lines typed on stdin (None at the end), read by a daemon thread so Ctrl-C is never stuck."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="stdin", daemon=True).start()
    return queue


async def amain(args: argparse.Namespace) -> int:
    client = AppClient(args.url, args.key, args.customer_id)
    say(f"connecting to {client.url} as {args.customer_id}; type a message and press Enter (Ctrl-D quits)")
    return 0 if await client.run(stdin_lines(asyncio.get_running_loop())) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A terminal client of the bot's app channel (/ws/app).")
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="the service's base URL")
    parser.add_argument("--key", default=os.environ.get("BOT_APP_KEY"),
                        help="the app key from `add_channel --type app` (default: $BOT_APP_KEY)")
    parser.add_argument("--customer-id", "--customer_id", dest="customer_id", default="app-demo")
    args = parser.parse_args(argv)
    if not args.key:
        parser.error("an app key is needed: --key or $BOT_APP_KEY (python run_bot.py add_channel --type app)")
    try:
        return asyncio.run(amain(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
