"""The operator's order-status hook (`integrations.order_lookup`): one HTTP GET per order question.

Request: `GET {url}?order_id=<order number>&customer_id=<customer id>` with `Accept:
application/json` and, when `token` is set, `Authorization: Bearer <token>`. The customer id lets
the hook answer only for that customer's own orders (a 404 otherwise), so one customer cannot read
another's order by guessing numbers. Redirects are not followed (the token stays with `url`).

Response: 200 with a JSON object; `status` (a non-empty string) is required, the rest optional:
`{"status": "shipped", "status_text": "已发货", "carrier": "顺丰速运", "tracking_no": "SF1234567890",
"eta": "2024-12-05"}`. Known status codes (STATUS_CODES) are worded in the customer's language by
the action; `status_text` is shown for any other code. 404 means "no such order".

Anything else (timeout, connection refused, another status, a body that is not such an object)
is a `LookupFailed` with a short reason, never an exception: the customer then gets guidance and
an offer of a human. Logs carry the outcome, HTTP status and latency only — never the order
number, the customer, the tracking number or the token.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
import structlog

from bot.config import OrderLookupConfig

log = structlog.get_logger(__name__)

# Status codes the bot words itself per language (bot/conversation/texts.py: order_status_<code>).
STATUS_CODES = ("pending", "processing", "shipped", "in_transit", "out_for_delivery", "delivered", "cancelled",
                "returned")
MAX_BODY = 64 * 1024  # an order status is a few hundred bytes; more is not the documented shape
MAX_FIELD = 200  # characters kept of each field (they end up in a chat bubble)

Failure = Literal["not_configured", "not_found", "timeout", "unreachable", "http_error", "bad_response"]


@dataclass(frozen=True, slots=True)
class OrderStatus:
    order_id: str
    status: str
    status_text: str | None = None
    carrier: str | None = None
    tracking_no: str | None = None
    eta: str | None = None


@dataclass(frozen=True, slots=True)
class LookupFailed:
    """No status: `not_found` (the hook says there is no such order) or the hook is unusable."""

    reason: Failure
    status_code: int | None = None


LookupResult = OrderStatus | LookupFailed


def _field(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):  # tracking numbers may come as numbers
        return None
    text = " ".join(str(value).split())[:MAX_FIELD]
    return text or None


def parse_status(order_id: str, payload: bytes) -> OrderStatus | None:
    """The hook's 200 body as an OrderStatus; None when it is not the documented shape."""
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError):  # JSONDecodeError is a ValueError
        return None
    if not isinstance(body, dict):
        return None
    status = _field(body, "status")
    if status is None:
        return None
    return OrderStatus(order_id=order_id, status=status, status_text=_field(body, "status_text"),
                       carrier=_field(body, "carrier"), tracking_no=_field(body, "tracking_no"),
                       eta=_field(body, "eta"))


class OrderLookupClient:
    """Looks orders up on the hook through one aiohttp session shared by all lookups. The session
    is made at the first lookup (inside the running loop; a start that fails later leaks none)
    and closed by `aclose`."""

    def __init__(self, config: OrderLookupConfig) -> None:
        assert config.url, "an order lookup client needs integrations.order_lookup.url"
        self._url = config.url
        self._timeout = aiohttp.ClientTimeout(total=config.timeout)
        self._headers = {"Accept": "application/json"}
        if config.token:
            self._headers["Authorization"] = f"Bearer {config.token}"
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def open(cls, config: OrderLookupConfig) -> OrderLookupClient | None:
        """The client for `config`, or None when no url is configured (no lookup possible)."""
        return cls(config) if config.url else None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def lookup(self, order_id: str, *, customer_id: str) -> LookupResult:
        t0 = time.perf_counter()
        result = await self._get(order_id, customer_id)
        found = isinstance(result, OrderStatus)
        log.info("order_lookup", outcome="found" if found else result.reason,
                 status_code=200 if found else result.status_code,
                 latency_ms=round((time.perf_counter() - t0) * 1000, 1))
        return result

    async def _get(self, order_id: str, customer_id: str) -> LookupResult:
        params = {"order_id": order_id, "customer_id": customer_id}
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.get(self._url, params=params, headers=self._headers, timeout=self._timeout,
                                         allow_redirects=False) as resp:
                if resp.status == 404:
                    return LookupFailed("not_found", 404)
                if resp.status != 200:
                    return LookupFailed("http_error", resp.status)
                payload = await resp.content.read(MAX_BODY + 1)
        except TimeoutError:  # aiohttp's connect and read timeouts are TimeoutErrors too
            return LookupFailed("timeout")
        except aiohttp.ClientError:  # refused, reset, DNS, a broken response
            return LookupFailed("unreachable")
        status = parse_status(order_id, payload) if len(payload) <= MAX_BODY else None
        return status or LookupFailed("bad_response", 200)
