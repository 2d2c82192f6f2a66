"""The order-status hook client against a real local HTTP server: what it sends, what each answer
of the hook becomes, and that its logs carry no order data or token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from bot.config import ConfigError, OrderLookupConfig, load_settings
from bot.integrations.order_lookup import LookupFailed, OrderLookupClient, OrderStatus, parse_status
from tests.conftest import write_project
from tests.fakes import FakeOrderHook, unused_url

ORDER = "2024120112345"
TOKEN = "hook-secret-token-42"
SHIPPED = {"status": "shipped", "carrier": "顺丰速运", "tracking_no": "SF1234567890", "eta": "2024-12-05"}


@pytest.fixture
async def lookup(order_hook: FakeOrderHook) -> AsyncIterator[OrderLookupClient]:
    client = OrderLookupClient(OrderLookupConfig(url=order_hook.url, token=TOKEN, timeout=0.3))
    yield client
    await client.aclose()


async def test_found_order_with_the_customer_and_the_token(order_hook: FakeOrderHook,
                                                           lookup: OrderLookupClient) -> None:
    order_hook.orders[ORDER] = SHIPPED
    result = await lookup.lookup(ORDER, customer_id="c-1")
    assert result == OrderStatus(ORDER, "shipped", carrier="顺丰速运", tracking_no="SF1234567890", eta="2024-12-05")
    [req] = order_hook.requests
    assert req.query == {"order_id": ORDER, "customer_id": "c-1"}
    assert req.authorization == f"Bearer {TOKEN}"


async def test_no_token_no_authorization_header(order_hook: FakeOrderHook) -> None:
    order_hook.orders[ORDER] = {"status": "delivered"}
    client = OrderLookupClient(OrderLookupConfig(url=order_hook.url))
    try:
        assert await client.lookup(ORDER, customer_id="c-1") == OrderStatus(ORDER, "delivered")
    finally:
        await client.aclose()
    assert order_hook.requests[0].authorization is None


async def test_unknown_order_is_not_found(lookup: OrderLookupClient) -> None:
    assert await lookup.lookup(ORDER, customer_id="c-1") == LookupFailed("not_found", 404)


@pytest.mark.parametrize(("mode", "expected"), [
    ("error", LookupFailed("http_error", 500)),
    ("slow", LookupFailed("timeout")),
    ("bad_json", LookupFailed("bad_response", 200)),
])
async def test_a_misbehaving_hook_is_a_failure_not_an_exception(
    order_hook: FakeOrderHook, lookup: OrderLookupClient, mode: str, expected: LookupFailed,
) -> None:
    order_hook.orders[ORDER] = SHIPPED
    order_hook.mode = mode  # type: ignore[assignment]
    assert await lookup.lookup(ORDER, customer_id="c-1") == expected


async def test_an_unreachable_hook() -> None:
    client = OrderLookupClient(OrderLookupConfig(url=unused_url(), timeout=1))
    try:
        assert await client.lookup(ORDER, customer_id="c-1") == LookupFailed("unreachable")
    finally:
        await client.aclose()


@pytest.mark.parametrize("body", [b"[1, 2]", b'{"carrier": "SF"}', b'{"status": "  "}', b'{"status": 3.5}', b"\xff"])
def test_a_body_without_a_status_is_not_an_answer(body: bytes) -> None:
    assert parse_status(ORDER, body) is None


def test_fields_are_trimmed_to_one_line_and_numbers_taken() -> None:
    status = parse_status(ORDER, b'{"status": "in_transit", "tracking_no": 1234567890, "carrier": " SF\\n Express ",'
                                 b' "eta": true}')
    assert status == OrderStatus(ORDER, "in_transit", carrier="SF Express", tracking_no="1234567890")


async def test_logs_carry_the_outcome_only(order_hook: FakeOrderHook, lookup: OrderLookupClient) -> None:
    order_hook.orders[ORDER] = SHIPPED
    with capture_logs() as logs:
        await lookup.lookup(ORDER, customer_id="c-secret-customer")
        await lookup.lookup("2024999999999", customer_id="c-secret-customer")
    assert [(e["event"], e["outcome"], e["status_code"]) for e in logs] == [
        ("order_lookup", "found", 200), ("order_lookup", "not_found", 404)]
    dumped = repr(logs)
    for secret in (ORDER, "2024999999999", "SF1234567890", TOKEN, "c-secret-customer"):
        assert secret not in dumped


def test_config_names_the_field_of_a_bad_url(tmp_path: Path) -> None:
    path = write_project(tmp_path, {"integrations": {"order_lookup": {"url": "ftp://orders.example.com"}}})
    with pytest.raises(ConfigError, match=r"integrations\.order_lookup\.url: .*http:// or https://"):
        load_settings(path, env={})
    path = write_project(tmp_path, {"integrations": {"order_lookup": {"timeout": 0}}})
    with pytest.raises(ConfigError, match=r"integrations\.order_lookup\.timeout"):
        load_settings(path, env={})


def test_config_reads_the_token_from_the_environment_and_hides_it(tmp_path: Path) -> None:
    path = write_project(tmp_path, {"integrations": {"order_lookup": {"url": "http://127.0.0.1:9/orders",
                                                                        "token": "${ORDER_LOOKUP_TOKEN}"}}})
    cfg = load_settings(path, env={"ORDER_LOOKUP_TOKEN": TOKEN}).integrations.order_lookup
    assert (cfg.url, cfg.token, cfg.timeout) == ("http://127.0.0.1:9/orders", TOKEN, 3.0)
    assert TOKEN not in repr(cfg)
    assert load_settings(path, env={}).integrations.order_lookup.token is None
