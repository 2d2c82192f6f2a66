"""Hostile requests get a clear 4xx, never a 500: deep JSON, undecodable headers."""

from __future__ import annotations

import asyncio
import logging

import pytest
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


async def test_405_names_the_allowed_methods(client: TestClient) -> None:
    resp = await client.delete("/api/tickets", headers=auth())
    assert resp.status == 405
    assert set(resp.headers["Allow"].split(",")) >= {"GET", "POST"}
    assert (await resp.json())["error"] == "method_not_allowed"


async def test_raw_utf8_query_string_is_answered_400_without_a_traceback(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    # curl sends `?q=退款` unencoded; aiohttp's parser refuses such a request line before any handler.
    head = ("GET /api/kb/search?q=退款&phone=13812345678 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"Authorization: Bearer {ADMIN_TOKEN}\r\n\r\n").encode()
    with caplog.at_level(logging.DEBUG):
        status, _ = await raw_request(client, head)
    assert status == 400
    logged = caplog.text + "".join(str(r.exc_info) + r.getMessage() for r in caplog.records)
    assert "Traceback" not in logged and "bad request" in logged
    assert ADMIN_TOKEN not in logged and "13812345678" not in logged and "q=" not in logged


async def test_malformed_header_with_the_admin_token_is_not_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    head = (f"GET /api/tickets?email=ann@example.com HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n"
            "Bad Header\x01: 1\r\nConnection: close\r\n\r\n").encode()
    with caplog.at_level(logging.DEBUG):
        status, _ = await raw_request(client, head)
    assert status == 400
    logged = caplog.text + "".join(str(r.exc_info) + r.getMessage() for r in caplog.records)
    assert ADMIN_TOKEN not in logged and "ann@example.com" not in logged and "Traceback" not in logged


@pytest.mark.parametrize("field", ["customer_id", "conversation_id", "assignee"])
@pytest.mark.parametrize("bad", ["a\x00b", "a\x07", "a\nb", "a\u200bb"])
async def test_ticket_ids_with_control_characters_are_400_naming_the_field(
    client: TestClient, field: str, bad: str
) -> None:
    body = {"customer_id": "cust-1", "title": "退款", field: bad}
    resp = await client.post("/api/tickets", json=body, headers=auth())
    assert resp.status == 400
    err = await resp.json()
    assert err["field"] == field and "control characters" in err["message"]
    listed = await (await client.get("/api/tickets", headers=auth())).json()
    assert listed["total"] == 0


def test_access_log_line_has_the_path_but_no_query_string_or_token(caplog: pytest.LogCaptureFixture) -> None:
    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    from bot.api.server_logs import SafeAccessLogger

    request = make_mocked_request("GET", "/api/kb/search?q=13812345678&email=ann@example.com",
                                  headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    logger = logging.getLogger("test.access")
    with caplog.at_level(logging.INFO, logger="test.access"):
        SafeAccessLogger(logger, "").log(request, web.Response(status=200, text="ok"), 0.01)
    line = caplog.records[-1].getMessage()
    assert "GET /api/kb/search 200" in line
    assert "13812345678" not in line and "ann@example.com" not in line and ADMIN_TOKEN not in line


async def test_openapi_lists_the_statuses_and_limits_the_routes_enforce(client: TestClient) -> None:
    doc = await (await client.get("/api/openapi.json")).json()
    paths = doc["paths"]
    assert {"201", "400", "401", "413", "415"} <= set(paths["/api/tickets"]["post"]["responses"])
    assert {"403", "409", "413", "415"} <= set(paths["/api/tickets/{ticket_id}"]["put"]["responses"])
    assert "403" in paths["/api/tickets/{ticket_id}"]["get"]["responses"]
    assert "201" in paths["/api/customers/{customer_id}"]["put"]["responses"]
    assert {"413", "415", "503"} <= set(paths["/api/message"]["post"]["responses"])
    params = {p["name"]: p["schema"] for p in paths["/api/tickets"]["get"]["parameters"]}
    assert params["page_size"]["minimum"] == 1 and params["page_size"]["maximum"] == 200
    search = {p["name"]: p["schema"] for p in paths["/api/kb/search"]["get"]["parameters"]}
    assert search["top_k"] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert search["q"]["maxLength"] == 4000
    # And the server does refuse what the document says is out of range.
    assert (await client.get("/api/tickets?page_size=201", headers=auth())).status == 400
    assert (await client.get("/api/kb/search?q=x&top_k=101", headers=auth())).status == 400
