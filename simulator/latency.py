"""Extra response delay for provider endpoints, set through the control API."""

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.state import state_of


@web.middleware
async def latency_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Wait the configured latency, then answer."""
    latency_ms = state_of(request).latency_ms
    if latency_ms:
        await asyncio.sleep(latency_ms / 1000)
    return await handler(request)
