"""The Smartcar client against answers the simulator never gives: odd shapes stay typed errors."""

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.connected_car.api.errors import CommunicationError, ProviderError
from custom_components.connected_car.api.model import Command, Feature, Snapshot
from custom_components.connected_car.api.smartcar import SmartcarClient, SmartcarOrigins


async def _token() -> str:
    return "token"


@pytest.fixture
async def answer(socket_enabled: None) -> AsyncIterator[tuple[dict[str, Any], SmartcarClient]]:
    """A server that answers every API request with the status and body set in the dict."""
    reply: dict[str, Any] = {"status": 200, "body": {}}

    async def handler(request: web.Request) -> web.Response:
        status, body = reply.get("paths", {}).get(request.path, (reply["status"], reply["body"]))
        return web.json_response(body, status=status, headers=reply.get("headers"))

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


async def test_paging_reads_every_page(answer: tuple[dict[str, Any], SmartcarClient]) -> None:
    """A list longer than one page is read page by page until the count is reached."""
    reply, client = answer
    reply["body"] = {"vehicles": ["a"], "permissions": ["read_odometer"], "paging": {"count": 2}}
    assert await client.async_get_vehicle_ids() == ["a", "a"]
    assert await client.async_get_permissions("a") == {"read_odometer"}


async def test_a_vin_refused_for_another_reason_fails_the_car(
    answer: tuple[dict[str, Any], SmartcarClient],
) -> None:
    """Only a missing permission leaves the VIN out; any other error of /vin is raised."""
    reply, client = answer
    reply["body"] = {"id": "car", "make": "FORD", "model": "F-150", "year": 2021}
    base = "/smartcar/api/v2.0/vehicles/car"
    reply["paths"] = {f"{base}/vin": (500, {"type": "SERVER", "code": "INTERNAL"})}
    with pytest.raises(ProviderError):
        await client.async_get_vehicle("car")
    reply["paths"] = {f"{base}/vin": (403, {"type": "PERMISSION", "code": None})}
    vehicle = await client.async_get_vehicle("car")
    assert (vehicle.make, vehicle.vin) == ("Ford", None)


async def test_odd_batch_items_spoil_only_themselves(
    answer: tuple[dict[str, Any], SmartcarClient],
) -> None:
    """An unknown path is skipped, an unreadable body fails its feature, odd headers are ignored."""
    reply, client = answer
    assert await client.async_read("car", []) == Snapshot()
    reply["body"] = {
        "responses": [
            {"path": "/unknown", "code": 200, "body": {}},
            {
                "path": "/odometer",
                "code": 200,
                "body": {"distance": 5},
                "headers": {"sc-data-age": "yesterday"},
            },
            {"path": "/battery", "code": 200, "body": {"percentRemaining": "x"}},
            {"path": "/fuel", "code": 500, "body": "not json", "headers": {"retry-after": "soon"}},
        ]
    }
    snapshot = await client.async_read("car", [Feature.ODOMETER, Feature.BATTERY, Feature.FUEL])
    assert Feature.ODOMETER in snapshot.readings
    assert Feature.ODOMETER not in snapshot.recorded_at
    assert snapshot.errors[Feature.BATTERY].code == "MALFORMED_RESPONSE"
    assert snapshot.errors[Feature.FUEL].type == "SERVER"
    assert snapshot.errors[Feature.FUEL].details.retry_after is None


async def test_a_command_smartcar_does_not_have_is_refused_before_sending(
    answer: tuple[dict[str, Any], SmartcarClient],
) -> None:
    """Smartcar's v2 API has no honk: asking for it is a programming error, not a request."""
    _, client = answer
    with pytest.raises(ValueError, match="no honk"):
        await client.async_command("car", Command.HONK)


async def test_an_error_without_a_body_keeps_its_status(
    answer: tuple[dict[str, Any], SmartcarClient],
) -> None:
    """A 404 with a body that is no error object is an UNKNOWN error with the status kept."""
    reply, client = answer
    reply["status"] = 404
    reply["body"] = ["not", "an", "error"]
    with pytest.raises(ProviderError) as raised:
        await client.async_get_vehicle_ids()
    assert (raised.value.type, raised.value.details.status) == ("UNKNOWN", 404)
