"""The Smartcar client against answers the simulator never gives: odd shapes stay typed errors."""

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.connected_car.api.errors import CommunicationError, ProviderError
from custom_components.connected_car.api.model import Feature
from custom_components.connected_car.api.smartcar import SmartcarClient, SmartcarOrigins


async def _token() -> str:
    return "token"


@pytest.fixture
async def answer(socket_enabled: None) -> AsyncIterator[tuple[dict[str, Any], SmartcarClient]]:
    """A server that answers every API request with the status and body set in the dict."""
    reply: dict[str, Any] = {"status": 200, "body": {}}

    async def handler(request: web.Request) -> web.Response:
        return web.json_response(reply["body"], status=reply["status"])

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    async with ClientSession() as session:
        origins = SmartcarOrigins.simulator(f"http://127.0.0.1:{server.port}")
        yield reply, SmartcarClient(session, _token, origins)
    await server.close()


@pytest.mark.parametrize(
    "body", [{}, {"id": None, "unexpected": 1}, [], "text", {"vehicles": 3, "paging": {}}]
)
async def test_unexpected_shapes_are_communication_errors(
    answer: tuple[dict[str, Any], SmartcarClient], body: Any
) -> None:
    """A 200 with another shape than documented is a CommunicationError, never a KeyError."""
    reply, client = answer
    reply["body"] = body
    with pytest.raises(CommunicationError):
        await client.async_get_vehicle_ids()
    with pytest.raises(CommunicationError):
        await client.async_get_vehicle("car")
    with pytest.raises(CommunicationError):
        await client.async_read("car", [Feature.BATTERY])


async def test_error_with_odd_resolution_keeps_its_type(
    answer: tuple[dict[str, Any], SmartcarClient],
) -> None:
    """An error body whose resolution is not an object still gives a typed ProviderError."""
    reply, client = answer
    reply["status"] = 409
    reply["body"] = {"type": "VEHICLE_STATE", "code": "ASLEEP", "resolution": "later"}
    with pytest.raises(ProviderError) as raised:
        await client.async_get_account_id()
    assert raised.value.code == "ASLEEP"
    assert raised.value.details.resolution_type is None
