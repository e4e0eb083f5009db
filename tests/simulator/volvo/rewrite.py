"""Point an aiohttp session at the simulator: Volvo's real origins become its path prefixes."""

from aiohttp import (
    ClientHandlerType,
    ClientMiddlewareType,
    ClientRequest,
    ClientResponse,
    ClientSession,
)
from yarl import URL

from simulator.app import ORIGINS


def volvo_rewrite(simulator_url: str) -> ClientMiddlewareType:
    """Return a client middleware sending `https://<volvo host>/x` to `<simulator>/<prefix>/x`."""
    base = URL(simulator_url)
    prefixes = {host: prefix for host, prefix in ORIGINS.items() if "volvocars" in host}

    async def rewrite(request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        prefix = prefixes.get(request.url.host or "")
        if request.url.scheme == "https" and prefix is not None:
            request.url = URL.build(
                scheme=base.scheme,
                host=base.raw_host or "",
                port=base.port,
                path=prefix + request.url.raw_path,
                query_string=request.url.raw_query_string,
                encoded=True,
            )
        return await handler(request)

    return rewrite


def volvo_session(simulator_url: str) -> ClientSession:
    """Return a session whose requests to Volvo's hosts reach the simulator instead."""
    return ClientSession(middlewares=(volvo_rewrite(simulator_url),))
