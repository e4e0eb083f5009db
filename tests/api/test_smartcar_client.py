"""The Smartcar client against answers the simulator never gives: odd shapes stay typed errors."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
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
    Diagnostics,
    Feature,
    Location,
    NominalBatteryCapacity,
    Odometer,
    Security,
    ServiceHistory,
    ServiceRecord,
    Snapshot,
    SystemAlert,
    TroubleCode,
    TroubleCodes,
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


HEALTH = [
    Feature.DIAGNOSTICS,
    Feature.TROUBLE_CODES,
    Feature.SERVICE_HISTORY,
    Feature.NOMINAL_BATTERY_CAPACITY,
]


def _ok(path: str, body: Any) -> dict[str, Any]:
    return {"path": path, "code": 200, "headers": {}, "body": body}


async def test_diagnostics_trouble_codes_services_and_nominal_capacity(
    answer: tuple[dict[str, Any], SmartcarClient],
) -> None:
    """The documented answers: systems with an alert, active codes, services, stated capacity."""
    reply, client = answer
    reply["body"] = {
        "responses": [
            _ok(
                "/diagnostics/system_status",
                {
                    "systems": [
                        {"systemId": "SYSTEM_ABS", "status": "OK", "description": None},
                        {"systemId": "SYSTEM_EMISSIONS", "status": "ALERT", "description": "Leak"},
                    ]
                },
            ),
            _ok(
                "/diagnostics/dtcs",
                {
                    "activeCodes": [
                        {"code": "P0456", "timestamp": "2026-11-28T08:00:00.000Z"},
                        {"code": "P0457", "timestamp": None},
                    ]
                },
            ),
            _ok(
                "/service/history",
                [
                    {
                        "serviceId": 1,
                        "serviceDate": "2026-07-06T08:00:00.000Z",
                        "odometerDistance": 58200.0,
                        "serviceTasks": [
                            {"taskId": "1", "taskDescription": "oil change"},
                            {"taskId": "2", "taskDescription": "filter"},
                        ],
                        "serviceDetails": {"type": "dealership"},
                        "serviceCost": {"totalCost": 89.5, "currency": "USD"},
                    },
                    {"serviceDate": "2025-12-08T08:00:00.000Z", "serviceTasks": []},
                ],
            ),
            _ok(
                "/battery/nominal_capacity",
                {
                    "availableCapacities": [{"capacity": 75.0, "description": None}],
                    "capacity": {"nominal": 75.0, "source": "SMARTCAR"},
                    "url": None,
                },
            ),
        ]
    }
    snapshot = await client.async_read("car", HEALTH)
    assert snapshot.errors == {}
    latest = ServiceRecord(datetime(2026, 7, 6, 8, tzinfo=UTC), 58200.0, ("oil change", "filter"))
    assert snapshot.readings == {
        Feature.DIAGNOSTICS: Diagnostics((SystemAlert("SYSTEM_EMISSIONS", "Leak"),)),
        Feature.TROUBLE_CODES: TroubleCodes(
            (
                TroubleCode("P0456", datetime(2026, 11, 28, 8, tzinfo=UTC)),
                TroubleCode("P0457", None),
            )
        ),
        Feature.SERVICE_HISTORY: ServiceHistory(
            (latest, ServiceRecord(datetime(2025, 12, 8, 8, tzinfo=UTC), None, ()))
        ),
        Feature.NOMINAL_BATTERY_CAPACITY: NominalBatteryCapacity(75.0),
    }
    history = snapshot.readings[Feature.SERVICE_HISTORY]
    assert isinstance(history, ServiceHistory)
    assert history.last == latest


async def test_empty_health_answers_are_readings(
    answer: tuple[dict[str, Any], SmartcarClient],
) -> None:
    """No alert, no code, no service: known to be none, not unknown."""
    reply, client = answer
    reply["body"] = {
        "responses": [
            _ok("/diagnostics/system_status", {"systems": []}),
            _ok("/diagnostics/dtcs", {"activeCodes": []}),
            _ok("/service/history", []),
        ]
    }
    snapshot = await client.async_read("car", HEALTH[:3])
    assert snapshot.readings == {
        Feature.DIAGNOSTICS: Diagnostics(()),
        Feature.TROUBLE_CODES: TroubleCodes(()),
        Feature.SERVICE_HISTORY: ServiceHistory(()),
    }
    history = snapshot.readings[Feature.SERVICE_HISTORY]
    assert isinstance(history, ServiceHistory)
    assert history.last is None


async def test_odd_health_items_are_left_out(
    answer: tuple[dict[str, Any], SmartcarClient],
) -> None:
    """An alert without a system, a code that is no word, a time without a zone, a service
    without a date: each is left out or unknown, the rest stays."""
    reply, client = answer
    reply["body"] = {
        "responses": [
            _ok(
                "/diagnostics/system_status",
                {
                    "systems": [
                        {"systemId": 5, "status": "ALERT"},
                        "a system",
                        {"systemId": "SYSTEM_TPMS", "status": "ALERT", "description": ["x"]},
                        {"systemId": "SYSTEM_ABS", "status": "alert"},
                    ]
                },
            ),
            _ok(
                "/diagnostics/dtcs",
                {
                    "activeCodes": [
                        {"code": "", "timestamp": None},
                        {"code": "P0300", "timestamp": "2026-11-28T08:00:00"},
                        {"code": "P0301", "timestamp": 1764316800},
                        {"code": "P0302", "timestamp": "yesterday"},
                    ]
                },
            ),
            _ok(
                "/service/history",
                [
                    {"serviceDate": "2026-07-06", "odometerDistance": 100},
                    {"serviceDate": None},
                    3,
                    {
                        "serviceDate": "2026-03-01T00:00:00+01:00",
                        "odometerDistance": -5,
                        "serviceTasks": [{"taskDescription": 7}, "x", {"taskDescription": "wash"}],
                    },
                    {"serviceDate": "2026-02-01T00:00:00Z", "serviceTasks": "none"},
                ],
            ),
        ]
    }
    snapshot = await client.async_read("car", HEALTH[:3])
    assert snapshot.readings == {
        Feature.DIAGNOSTICS: Diagnostics((SystemAlert("SYSTEM_TPMS", None),)),
        Feature.TROUBLE_CODES: TroubleCodes(
            (TroubleCode("P0300"), TroubleCode("P0301"), TroubleCode("P0302"))
        ),
        Feature.SERVICE_HISTORY: ServiceHistory(
            (
                ServiceRecord(datetime.fromisoformat("2026-03-01T00:00:00+01:00"), None, ("wash",)),
                ServiceRecord(datetime(2026, 2, 1, tzinfo=UTC), None, ()),
            )
        ),
    }


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/diagnostics/system_status", {"systems": "all fine"}),
        ("/diagnostics/dtcs", {"activeCodes": None}),
        ("/service/history", {"services": []}),
        ("/battery/nominal_capacity", {"capacity": None, "availableCapacities": []}),
        ("/battery/nominal_capacity", {"capacity": {"nominal": "75 kWh"}}),
    ],
)
async def test_health_answers_of_another_shape_fail_their_feature(
    answer: tuple[dict[str, Any], SmartcarClient], path: str, body: Any
) -> None:
    """A list that is no list, a capacity that is no number: that feature fails, typed."""
    reply, client = answer
    reply["body"] = {"responses": [_ok(path, body), _ok("/odometer", {"distance": 5})]}
    feature = {
        "/diagnostics/system_status": Feature.DIAGNOSTICS,
        "/diagnostics/dtcs": Feature.TROUBLE_CODES,
        "/service/history": Feature.SERVICE_HISTORY,
        "/battery/nominal_capacity": Feature.NOMINAL_BATTERY_CAPACITY,
    }[path]
    snapshot = await client.async_read("car", [feature, Feature.ODOMETER])
    assert snapshot.readings == {Feature.ODOMETER: Odometer(5.0)}
    assert snapshot.errors[feature].code == "MALFORMED_RESPONSE"
