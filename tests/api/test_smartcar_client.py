"""The Smartcar client against answers the simulator never gives: odd shapes stay typed errors."""

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.connected_car.api.errors import CommunicationError, ProviderError
from custom_components.connected_car.api.model import (
    Battery,
    Charge,
    ChargingState,
    Command,
    Feature,
    Location,
    Odometer,
    Security,
    Snapshot,
)
from custom_components.connected_car.api.smartcar import SmartcarClient, SmartcarOrigins


async def _token() -> str:
    return "token"


@pytest.fixture
async def answer(socket_enabled: None) -> AsyncIterator[tuple[dict[str, Any], SmartcarClient]]:
    """A server that answers every API request with the status and body set in the dict."""
    reply: dict[str, Any] = {"status": 200, "body": {}}

    async def handler(request: web.Request) -> web.Response:
        if "raw" in reply:  # (status, bytes), as Latin-1 HTML
            status, raw = reply["raw"]
            return web.Response(body=raw, status=status, content_type="text/html")
        status, body = reply.get("paths", {}).get(request.path, (reply["status"], reply["body"]))
        if callable(body):  # a page of a list, by the request's offset
            body = body(int(request.query["offset"]))
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
    "body",
    [
        {},
        {"id": None, "unexpected": 1},
        [],
        "text",
        {"vehicles": 3, "paging": {}},
        {"vehicles": ["a"], "paging": {"count": True}},
    ],
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


def _pages(key: str, items: list[str], count: int | None = None) -> Any:
    """A paged list that answers one item a page, from the offset asked for."""
    return lambda offset: {
        key: items[offset : offset + 1],
        "paging": {"count": len(items) if count is None else count, "offset": offset},
    }


async def test_paging_reads_every_page(answer: tuple[dict[str, Any], SmartcarClient]) -> None:
    """A list longer than one page is read page by page until the count, or an empty page."""
    reply, client = answer
    reply["body"] = _pages("vehicles", ["a", "b"])
    assert await client.async_get_vehicle_ids() == ["a", "b"]
    reply["body"] = _pages("permissions", ["read_odometer", "read_battery"], count=5)
    assert await client.async_get_permissions("a") == {"read_odometer", "read_battery"}


async def test_paging_that_never_ends_is_a_communication_error(
    answer: tuple[dict[str, Any], SmartcarClient],
) -> None:
    """The same page again, or new ids page after page for ever: an error, never a loop."""
    reply, client = answer
    requests = 0

    def endless(offset: int) -> dict[str, Any]:
        nonlocal requests
        requests += 1
        return {"vehicles": [f"car-{offset}"], "paging": {"count": 10**30, "offset": offset}}

    reply["body"] = endless
    with pytest.raises(CommunicationError, match="longer than 20 pages"):
        await client.async_get_vehicle_ids()
    assert requests == 20
    reply["body"] = {"permissions": ["read_odometer"], "paging": {"count": 2, "offset": 0}}
    with pytest.raises(CommunicationError, match="repeats"):
        await client.async_get_permissions("a")


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


async def test_one_odd_batch_item_does_not_discard_the_batch(
    answer: tuple[dict[str, Any], SmartcarClient],
) -> None:
    """An item without a path, one that is no object, or with a code that is a word spoils only
    its own feature; a feature the answer leaves out fails alone (issue 15, item 7)."""
    reply, client = answer
    reply["body"] = {
        "responses": [
            {"code": 200, "body": {"percentRemaining": 0.5}},  # the battery's, without its path
            "an item",
            {"path": "/fuel", "code": "unavailable", "body": {"range": 300}},
            {"path": "/location", "code": 200, "body": {"latitude": 57.7, "longitude": 11.9}},
            {"path": "/odometer", "code": 200, "body": {"distance": 5}, "headers": ["x"]},
            {"path": "/odometer", "code": 500, "body": {"type": "SERVER"}},  # answered already
        ]
    }
    wanted = [Feature.BATTERY, Feature.FUEL, Feature.LOCATION, Feature.ODOMETER]
    snapshot = await client.async_read("car", wanted)
    assert snapshot.readings == {
        Feature.LOCATION: Location(57.7, 11.9),
        Feature.ODOMETER: Odometer(5.0),
    }
    for feature in (Feature.BATTERY, Feature.FUEL):
        assert snapshot.errors[feature].code == "MALFORMED_RESPONSE"
        assert snapshot.errors[feature].details.status is None


async def test_values_of_the_wrong_type_or_range_are_unknown(
    answer: tuple[dict[str, Any], SmartcarClient],
) -> None:
    """A range that is a word, a percentage over 100, a latitude of 200: never a reading."""
    reply, client = answer
    reply["body"] = {
        "responses": [
            {"path": "/battery", "code": 200, "body": {"percentRemaining": 0.5, "range": "far"}},
            {"path": "/charge/limit", "code": 200, "body": {"limit": 1.5}},
            {"path": "/location", "code": 200, "body": {"latitude": 200, "longitude": 11.9}},
            {
                "path": "/charge",
                "code": 200,
                "body": {"isPluggedIn": "yes", "state": "CHARGING"},
            },
            {
                "path": "/security",
                "code": 200,
                "body": {"isLocked": 1, "doors": [{"status": "OPEN"}, 3], "windows": "all"},
            },
        ]
    }
    wanted = [
        Feature.BATTERY,
        Feature.CHARGE_LIMIT,
        Feature.LOCATION,
        Feature.CHARGE,
        Feature.SECURITY,
    ]
    snapshot = await client.async_read("car", wanted)
    assert snapshot.readings == {
        Feature.BATTERY: Battery(level=50.0, range=None),
        Feature.CHARGE: Charge(plugged_in=None, state=ChargingState.CHARGING),
        Feature.SECURITY: Security(
            locked=None,
            doors_open=True,
            windows_open=None,
            trunk_open=None,
            charging_port_open=None,
        ),
    }
    assert set(snapshot.errors) == {Feature.CHARGE_LIMIT, Feature.LOCATION}


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, "<html>réessayez</html>".encode("latin-1")),
        (502, "<html>réessayez</html>".encode("latin-1")),
        (200, b"[" * 100_000 + b"]" * 100_000),
        (503, b'{"type": "SERVER", "statusCode": "unavailable", "code": ["x"]}'),
    ],
)
async def test_unreadable_answers_are_typed_errors(
    answer: tuple[dict[str, Any], SmartcarClient], status: int, body: bytes
) -> None:
    """Latin-1, nesting deeper than json parses, a statusCode that is a word (issue 15, item 4)."""
    reply, client = answer
    reply["raw"] = (status, body)
    with pytest.raises(CommunicationError if status == 200 else ProviderError) as raised:
        await client.async_get_vehicle_ids()
    if isinstance(raised.value, ProviderError):
        assert raised.value.details.status == status
        assert raised.value.code in (None, "MALFORMED_RESPONSE")


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
