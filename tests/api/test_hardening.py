"""Hostile requests get a clear 4xx, never a 500: deep JSON, undecodable headers."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from tests.conftest import ADMIN_TOKEN, auth


async def raw_request(client: TestClient, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """Send bytes aiohttp's client would refuse to build; returns (status, response bytes)."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(head + body)
    await writer.drain()
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    return int(data.split(b" ", 2)[1]), data


async def test_json_nested_1000_deep_is_400_naming_the_nesting(client: TestClient) -> None:
    for body in ("[" * 1000 + "]" * 1000, '{"channel": ' + '{"a": ' * 1000 + "1" + "}" * 1001):
        resp = await client.post("/api/message", data=body,
                                 headers={**auth(), "Content-Type": "application/json"})
        assert resp.status == 400
        err = await resp.json()
        assert err["error"] == "invalid_json" and "nested too deeply" in err["message"]


async def test_brackets_inside_strings_do_not_count_as_nesting(client: TestClient) -> None:
    resp = await client.post("/api/message", json={"channel": "api", "customer_id": "a", "message": "[" * 500},
                             headers=auth())
    assert resp.status == 200


async def test_undecodable_authorization_header_is_401(client: TestClient) -> None:
    for value in (b"Bearer \xff\xfe\xfd", b"\xc3\x28 token", b"Bearer " + ADMIN_TOKEN.encode() + b"\xff"):
        head = (b"GET /api/tickets HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: " + value + b"\r\n\r\n")
        status, data = await raw_request(client, head)
        assert status == 401, data
        assert b'"unauthorized"' in data
