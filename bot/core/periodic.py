"""The background jobs' loop: one round now (or after a first wait), then one every interval."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)


async def every(interval: float, work: Callable[[], Awaitable[object]], *, failed: str,
                wait_first: bool = False) -> None:
    """Run `work` every `interval` seconds until cancelled. A failing round is logged as the event
    `failed` and the next round retries: one bad round must not stop the job."""
    if wait_first:
        await asyncio.sleep(interval)
    while True:
        try:
            await work()
        except Exception:
            log.exception(failed)
        await asyncio.sleep(interval)
