"""Whether this request's reader gets customer PII masked (`privacy.mask_for_agents`): an agent
token with the setting on. The admin token always reads in full. See bot/customers/masking.py."""

from __future__ import annotations

from aiohttp import web

from bot.agents.model import Agent
from bot.api.auth import ACTOR
from bot.api.keys import SERVICES


def masks_pii(request: web.Request) -> bool:
    return isinstance(request[ACTOR], Agent) and request.app[SERVICES].settings.privacy.mask_for_agents
