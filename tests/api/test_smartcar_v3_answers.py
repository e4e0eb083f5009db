"""The Smartcar v3 client against answers the simulator never gives.

Odd shapes, units and values stay typed: a CommunicationError for an answer of the wrong shape, a
ProviderError keeping what Smartcar said, None for a value that fails its checks.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.connected_car.api import smartcar_v3
from custom_components.connected_car.api.errors import (
    CommunicationError,
    ErrorKind,
    ProviderError,
)
from custom_components.connected_car.api.model import (
    Battery,
    Charge,
    ChargeLimit,
    ChargingState,
    ChargingType,
    Command,
    Feature,
    Fuel,
    Location,
    Odometer,
    Security,
    Snapshot,
    Tires,
)
from custom_components.connected_car.api.smartcar_v3 import (
    ApplicationCredentialsError,
    AppToken,
    SmartcarV3Client,
    SmartcarV3Origins,
)

API = "/smartcar/vehicle/v3"
SIGNALS = f"{API}/vehicles/car/signals"
TOKEN = "/smartcar/iam/oauth2/token"
GOOD_TOKEN = {"access_token": "app-token", "token_type": "Bearer", "expires_in": 3600}
USER = "user-1"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Fake:
    """Answers each path with what the test set (bytes as they are), and notes what it was asked."""

    url: str
    session: ClientSession
    replies: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    asked: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    clock: Clock = field(default_factory=Clock)

    def reply(self, path: str, *answers: tuple[int, Any]) -> None:
        """Answer path with these in turn, the last one ever after."""
        self.replies[path] = list(answers)

    def client(self, **options: Any) -> SmartcarV3Client:
        return SmartcarV3Client(self.session, self.token(), USER, origins=self.origins, **options)

    def token(self) -> AppToken:
        return AppToken(self.session, "client_x", "secret", origins=self.origins, clock=self.clock)

    @property
    def origins(self) -> SmartcarV3Origins:
        return SmartcarV3Origins.simulator(self.url)

    def paths(self, prefix: str = API) -> list[str]:
        return [path for _, path, _ in self.asked if path.startswith(prefix)]


@pytest.fixture
async def fake(socket_enabled: None) -> AsyncIterator[Fake]:
    state: dict[str, Fake] = {}

    async def handler(request: web.Request) -> web.Response:
        server = state["fake"]
        server.asked.append((request.method, request.path_qs, dict(request.headers)))
        answers = server.replies.get(request.path, [(404, {"type": "RESOURCE_NOT_FOUND"})])
        status, body = answers.pop(0) if len(answers) > 1 else answers[0]
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return web.Response(body=raw, status=status, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    async with ClientSession() as session:
        state["fake"] = Fake(f"http://127.0.0.1:{server.port}", session)
        state["fake"].reply(TOKEN, (200, GOOD_TOKEN))
        yield state["fake"]
    await server.close()


def signal(
    code: str, body: Any = None, *, status: Any = None, meta: Any = None, **extra: Any
) -> dict[str, Any]:
    attributes: dict[str, Any] = {"code": code, "status": status or {"value": "SUCCESS"}}
    if body is not None:
        attributes["body"] = body
    return {"id": code, "type": "signal", "attributes": attributes, "meta": meta or {}, **extra}


def page(*signals: dict[str, Any], next_link: str | None = None) -> dict[str, Any]:
    return {"data": list(signals), "links": {"next": next_link} if next_link else {}}


async def read(fake: Fake, *signals: dict[str, Any], features: Any = None) -> Snapshot:
    fake.reply(SIGNALS, (200, page(*signals)))
    return await fake.client().async_read("car", features or list(smartcar_v3.FEATURE_SIGNALS))


# IAM.


@pytest.mark.parametrize(
    "answer",
    [
        (200, ["not", "an", "object"]),
        (200, {"token_type": "Bearer", "expires_in": 3600}),
        (200, {"access_token": "t", "token_type": "mac", "expires_in": 3600}),
        (200, b"\xff\xfe not utf-8"),
    ],
)
async def test_iam_answers_of_the_wrong_shape(fake: Fake, answer: tuple[int, Any]) -> None:
    fake.reply(TOKEN, answer)
    with pytest.raises(CommunicationError):
        await fake.token().async_get()


@pytest.mark.parametrize(
    ("answer", "kind", "error_class"),
    [
        (
            (400, {"error": "invalid_request"}),
            ErrorKind.APPLICATION_CREDENTIALS,
            ApplicationCredentialsError,
        ),
        (
            (502, {"error": "invalid_client"}),
            ErrorKind.APPLICATION_CREDENTIALS,
            ApplicationCredentialsError,
        ),
        ((503, b"<html>down</html>"), ErrorKind.TRANSIENT, ProviderError),
    ],
)
async def test_iam_errors(
    fake: Fake, answer: tuple[int, Any], kind: ErrorKind, error_class: type[ProviderError]
) -> None:
    fake.reply(TOKEN, answer)
    with pytest.raises(error_class) as raised:
        await fake.token().async_get()
    assert raised.value.kind is kind
    assert (raised.value.type, raised.value.details.status) == ("OAUTH", answer[0])


async def test_a_token_without_a_lifetime_lasts_an_hour_a_short_one_half_its_time(
    fake: Fake,
) -> None:
    fake.reply(TOKEN, (200, {"access_token": "a", "token_type": "bearer"}))
    token = fake.token()
    assert await token.async_get() == "a"
    fake.clock.now = 3600 - smartcar_v3.RENEW_BEFORE - 1
    assert await token.async_get() == "a"
    fake.reply(TOKEN, (200, {"access_token": "b", "token_type": "Bearer", "expires_in": 60}))
    fake.clock.now += 1
    assert await token.async_get() == "b"
    fake.clock.now += 29
    assert await token.async_get() == "b"
    fake.reply(TOKEN, (200, GOOD_TOKEN))
    fake.clock.now += 1
    assert await token.async_get() == "app-token"
    token.invalidate("a")  # a token already renewed: nothing to forget
    assert await token.async_get() == "app-token"
    assert len(fake.paths(TOKEN)) == 3
    token.invalidate()
    await token.async_get()
    assert len(fake.paths(TOKEN)) == 4


async def test_an_unreachable_smartcar_is_a_communication_error(fake: Fake) -> None:
    origins = SmartcarV3Origins.simulator("http://127.0.0.1:9")  # nothing listens there
    token = AppToken(fake.session, "client_x", "secret", origins=origins)
    with pytest.raises(CommunicationError, match="IAM request failed"):
        await token.async_get()


# Answers of the wrong shape.


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"",
        ["a", "list"],
        {"data": "no list"},
        {"data": ["no object"]},
        {"data": [{"attributes": {"code": 5}}]},
        {"data": [{"attributes": "no object"}]},
        {"data": [], "links": "no object"},
    ],
)
async def test_signals_of_the_wrong_shape(fake: Fake, body: Any) -> None:
    fake.reply(SIGNALS, (200, body))
    with pytest.raises(CommunicationError):
        await fake.client().async_read("car", [Feature.BATTERY])


def connection(vehicle_id: str = "car", **vehicle: Any) -> dict[str, Any]:
    return {
        "id": f"connection-{vehicle_id}",
        "type": "connection",
        "attributes": {
            "permissions": ["read_battery", 7, "", "read_vin"],
            "vehicle": {"make": "BMW", "model": "i3", "year": 2019} | vehicle,
            "user": {"id": USER},
        },
        "relationships": {"vehicle": {"data": {"id": vehicle_id, "type": "vehicle"}}},
    }


@pytest.mark.parametrize(
    "item",
    [
        connection(year=True),
        connection(year="2019"),
        connection(make=None),
        {**connection(), "relationships": {}},
        "no object",
    ],
)
async def test_connections_of_the_wrong_shape(fake: Fake, item: Any) -> None:
    fake.reply(f"{API}/connections", (200, {"data": [item]}))
    with pytest.raises(CommunicationError):
        await fake.client().async_get_vehicle_ids()


async def test_a_connection_names_its_user_in_attributes_or_relationships(fake: Fake) -> None:
    theirs = connection("theirs")
    theirs["attributes"]["user"] = {"id": "someone else"}
    mine = connection("mine", powertrainType="BEV")
    mine["relationships"]["user"] = {"data": {"id": USER, "type": "user"}}
    fake.reply(f"{API}/connections", (200, {"data": [connection(), theirs, mine]}))
    client = fake.client()
    assert await client.async_get_vehicle_ids() == ["car", "mine"]
    assert await client.async_get_permissions("car") == {"read_battery", "read_vin"}
    fake.reply(SIGNALS + "/vehicleidentification-vin", (200, {"data": signal("x", {"value": 5})}))
    vehicle = await client.async_get_vehicle("car")
    assert (vehicle.make, vehicle.vin) == ("BMW", None)
    fake.reply(SIGNALS + "/vehicleidentification-vin", (200, {"data": "no object"}))
    with pytest.raises(CommunicationError):
        await client.async_get_vehicle("car")


async def test_connection_pages_stop_when_nothing_new_comes(fake: Fake) -> None:
    more = {"next": "more"}
    fake.reply(
        f"{API}/connections",
        (200, {"data": [connection("a")], "links": more, "meta": {"totalCount": 9}}),
        (200, {"data": [connection("a")], "links": more, "meta": {"totalCount": 9}}),
    )
    assert await fake.client().async_get_vehicle_ids() == ["a"]
    assert len(fake.paths()) == 2


async def test_connection_pages_stop_at_the_limit(
    fake: Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(smartcar_v3, "MAX_PAGES", 3)
    fake.reply(
        f"{API}/connections",
        *((200, {"data": [connection(str(n))], "links": {"next": "more"}}) for n in range(5)),
    )
    assert await fake.client().async_get_vehicle_ids() == ["0", "1", "2"]


async def test_signal_pages_follow_next_on_our_own_origin(fake: Fake) -> None:
    """A next link on another host only lends its path and query: the token stays home."""
    fake.reply(
        SIGNALS,
        (
            200,
            page(
                signal("odometer-traveleddistance", {"value": 5, "unit": "km"}),
                next_link="https://elsewhere.example/v3/vehicles/car/signals?page=2",
            ),
        ),
        (
            200,
            page(
                signal("tractionbattery-range", {"value": 9}),
                next_link="/vehicles/car/signals?page=3",
            ),
        ),
        (
            200,
            page(
                signal("tractionbattery-stateofcharge", {"value": 50}),
                next_link=f"{API}/vehicles/car/signals?page=3",
            ),
        ),
        (200, page(signal("tractionbattery-stateofcharge", {"value": 60}))),
    )
    snapshot = await fake.client().async_read("car", [Feature.ODOMETER, Feature.BATTERY])
    assert snapshot.readings == {
        Feature.ODOMETER: Odometer(distance=5),
        Feature.BATTERY: Battery(level=50, range=9),
    }
    assert fake.paths() == [
        SIGNALS,
        f"{SIGNALS}?page=2",
        f"{SIGNALS}?page=3",
    ]  # the third page's link repeats itself: no more
    assert all(headers["Authorization"] == "Bearer app-token" for *_, headers in fake.asked[1:])


async def test_signal_pages_stop_at_the_limit(fake: Fake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(smartcar_v3, "MAX_PAGES", 2)
    fake.reply(
        SIGNALS,
        *(
            (200, page(signal(f"odd-{n}", {}), next_link=f"/vehicles/car/signals?page={n + 2}"))
            for n in range(4)
        ),
    )
    assert await fake.client().async_read("car", [Feature.ODOMETER]) == Snapshot()
    assert len(fake.paths()) == 2


async def test_a_page_with_nothing_new_ends_the_read(fake: Fake) -> None:
    same = page(
        signal("odometer-traveleddistance", {"value": 1}), next_link="/vehicles/car/signals?p"
    )
    fake.reply(SIGNALS, (200, same))
    await fake.client().async_read("car", [Feature.ODOMETER])
    assert len(fake.paths()) == 2


# Signal statuses, values and units.


async def test_signal_statuses(fake: Fake) -> None:
    snapshot = await read(
        fake,
        signal("odometer-traveleddistance", {"value": 7}, status="no object"),
        signal("internalcombustionengine-oillife", {"value": 50}, status={"value": "UNAVAILABLE"}),
        signal("location-preciselocation", {"latitude": 1}, status={"value": "ERROR"}),
        signal("wheel-tires", "no object"),
        features=[Feature.ODOMETER, Feature.ENGINE_OIL, Feature.LOCATION, Feature.TIRES],
    )
    assert snapshot.readings == {Feature.ODOMETER: Odometer(distance=7)}
    oil = snapshot.errors[Feature.ENGINE_OIL]
    assert (oil.type, oil.code, oil.kind) == ("SIGNAL_STATUS", "UNAVAILABLE", ErrorKind.TRANSIENT)
    assert snapshot.errors[Feature.LOCATION].code == "ERROR"
    tires = snapshot.errors[Feature.TIRES]  # a body that is no object: no value at all
    assert (tires.code, tires.kind) == ("MALFORMED_RESPONSE", ErrorKind.TRANSIENT)


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), True, "57", 101, -1, None, [57]],
)
async def test_values_that_fail_their_checks_are_none(fake: Fake, value: Any) -> None:
    snapshot = await read(
        fake,
        signal("tractionbattery-stateofcharge", {"value": value, "unit": "percent"}),
        signal("tractionbattery-range", {"value": 100}),
        features=[Feature.BATTERY],
    )
    assert snapshot.readings == {Feature.BATTERY: Battery(level=None, range=100)}


@pytest.mark.parametrize(
    "location",
    [{"latitude": 91, "longitude": 0}, {"latitude": 0, "longitude": -181}, {"latitude": 0}],
)
async def test_a_location_out_of_range_is_no_location(fake: Fake, location: Any) -> None:
    snapshot = await read(
        fake, signal("location-preciselocation", location), features=[Feature.LOCATION]
    )
    assert snapshot.errors[Feature.LOCATION].code == "MALFORMED_RESPONSE"


async def test_imperial_and_other_units(fake: Fake) -> None:
    snapshot = await read(
        fake,
        signal("tractionbattery-range", {"value": 100, "unit": "miles"}),
        signal("internalcombustionengine-amountremaining", {"value": 10, "unit": "gallons"}),
        signal("internalcombustionengine-range", {"value": 10, "unit": "mi"}),
        signal("charge-wattage", {"value": 7.2, "unit": "kW"}),
        signal("charge-timetocomplete", {"value": 5400, "unit": "seconds"}),
        signal("charge-chargerate", {"value": 20, "unit": "mph"}),
        signal("charge-ischarging", {"value": True}),
        signal("charge-isfastchargerpresent", {"value": True}),
        signal(
            "wheel-tires",
            {
                "values": [
                    {"row": 0, "column": 0, "tirePressure": 35},
                    {"row": 0, "column": 1, "tirePressure": 36},
                    "no object",
                ],
                "unit": "psi",
            },
        ),
        signal("location-preciselocation", {"latitude": 1, "longitude": 2, "heading": 400}),
    )
    assert snapshot.readings[Feature.BATTERY] == Battery(level=None, range=160.9)
    assert snapshot.readings[Feature.FUEL] == Fuel(level=None, range=16.1, amount=37.85)
    assert snapshot.readings[Feature.CHARGE] == Charge(
        plugged_in=None,
        state=ChargingState.CHARGING,
        power=7.2,
        minutes_to_full=90,
        type=ChargingType.DC,
        rate=32.2,
    )
    assert snapshot.readings[Feature.TIRES] == Tires(241.3, 248.2, None, None)
    assert snapshot.readings[Feature.LOCATION] == Location(1, 2, heading=None)


@pytest.mark.parametrize(
    ("pressure", "unit", "kpa"),
    [(2.5, "bar", 250), (258, "bar", 258), (240, "kPa", 240), (240, None, 240)],
)
async def test_tire_pressure_units(
    fake: Fake, pressure: float, unit: str | None, kpa: float
) -> None:
    body = {"values": [{"row": 1, "column": 1, "tirePressure": pressure}], "unit": unit}
    snapshot = await read(fake, signal("wheel-tires", body), features=[Feature.TIRES])
    assert snapshot.readings[Feature.TIRES] == Tires(None, None, None, kpa)


@pytest.mark.parametrize(
    ("time_to_complete", "minutes"),
    [({"value": 2, "unit": "hours"}, 120), ({"value": 30}, 30), ({"value": -5}, None)],
)
async def test_time_to_complete_units(
    fake: Fake, time_to_complete: Any, minutes: float | None
) -> None:
    snapshot = await read(
        fake,
        signal("charge-timetocomplete", time_to_complete),
        signal("charge-ischarging", {"value": False}),
        features=[Feature.CHARGE],
    )
    charge = snapshot.readings[Feature.CHARGE]
    assert isinstance(charge, Charge)
    assert (charge.minutes_to_full, charge.state) == (minutes, ChargingState.NOT_CHARGING)


async def test_charge_limit_without_an_active_one_is_the_global_one(fake: Fake) -> None:
    limits = {
        "values": [{"type": "location", "limit": 90}, {"type": "global", "limit": 80}, 5],
        "activeLimit": None,
        "unit": "percent",
    }
    snapshot = await read(
        fake, signal("charge-chargelimits", limits), features=[Feature.CHARGE_LIMIT]
    )
    assert snapshot.readings == {Feature.CHARGE_LIMIT: ChargeLimit(limit=80)}


async def test_charging_status_in_other_words(fake: Fake) -> None:
    snapshot = await read(
        fake,
        signal("charge-detailedchargingstatus", {"value": "fully_charged"}),
        signal("charge-ischargingcableconnected", {"value": True}),
        features=[Feature.CHARGE],
    )
    assert snapshot.readings[Feature.CHARGE] == Charge(
        plugged_in=True, state=ChargingState.FULLY_CHARGED
    )


@pytest.mark.parametrize(
    ("doors", "locked"),
    [
        ([{"isLocked": True, "isOpen": False}, {"isLocked": True}], True),
        ([{"isLocked": True}, {"isLocked": False, "isOpen": True}], False),
        ([{"isLocked": True}, {"isOpen": False}], None),
        ([], None),
    ],
)
async def test_locks_of_the_doors_when_the_car_reports_no_lock(
    fake: Fake, doors: list[Any], locked: bool | None
) -> None:
    snapshot = await read(
        fake,
        signal("closure-doors", {"values": doors}),
        signal("closure-windows", {"values": "no list"}),
        signal("closure-sunroof", {"isOpen": True}),
        features=[Feature.SECURITY],
    )
    security = snapshot.readings[Feature.SECURITY]
    assert isinstance(security, Security)
    assert (security.locked, security.windows_open, security.sunroof_open) == (locked, None, True)


@pytest.mark.parametrize(
    ("stamp", "recorded"),
    [
        ("2026-06-29T23:55:53.000Z", datetime(2026, 6, 29, 23, 55, 53, tzinfo=UTC)),
        (1782777353, datetime(2026, 6, 29, 23, 55, 53, tzinfo=UTC)),
        (1782777353000, datetime(2026, 6, 29, 23, 55, 53, tzinfo=UTC)),
        ("1782777353000", datetime(2026, 6, 29, 23, 55, 53, tzinfo=UTC)),
        (1782777353.5, datetime(2026, 6, 29, 23, 55, 53, 500000, tzinfo=UTC)),
        ("2026-06-29T23:55:53", None),
        ("yesterday", None),
        (0, None),
        (True, None),
        (1e300, None),
        (None, None),
    ],
)
async def test_timestamps(fake: Fake, stamp: Any, recorded: datetime | None) -> None:
    snapshot = await read(
        fake,
        signal("odometer-traveleddistance", {"value": 5}, meta={"oemUpdatedAt": stamp}),
        features=[Feature.ODOMETER],
    )
    assert snapshot.readings == {Feature.ODOMETER: Odometer(distance=5)}
    assert snapshot.recorded_at.get(Feature.ODOMETER) == recorded


# Errors.


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            403,
            {"errors": [{"status": "403", "code": "forbidden", "title": "Forbidden"}]},
            ("PERMISSION", "forbidden", ErrorKind.PERMISSION, 403, "Forbidden"),
        ),
        (
            200,
            {"errors": [{"status": 429, "detail": "Slow down."}]},
            ("RATE_LIMIT", None, ErrorKind.RATE_LIMITED, 429, "Slow down."),
        ),
        (418, {"errors": []}, ("UNKNOWN", "MALFORMED_RESPONSE", ErrorKind.TRANSIENT, 418, None)),
        (503, b"<html>", ("SERVER", "MALFORMED_RESPONSE", ErrorKind.TRANSIENT, 503, None)),
        (
            409,
            {
                "type": "VEHICLE_STATE",
                "code": "ASLEEP",
                "description": "v2 words",
                "docURL": "https://doc",
                "resolution": "later",
                "meta": "none",
            },
            ("VEHICLE_STATE", "ASLEEP", ErrorKind.UNREACHABLE, 409, "v2 words"),
        ),
    ],
)
async def test_errors_in_other_shapes(fake: Fake, status: int, body: Any, expected: tuple) -> None:
    fake.reply(SIGNALS, (status, body))
    if status == 200:  # an error answered with 200 is no read either: its shape is wrong
        with pytest.raises(CommunicationError):
            await fake.client().async_read("car", [Feature.ODOMETER])
        fake.reply(f"{API}/vehicles/car/commands/security/lock", (200, body))
        with pytest.raises(ProviderError) as raised:
            await fake.client().async_command("car", Command.LOCK)
    else:
        with pytest.raises(ProviderError) as raised:
            await fake.client().async_read("car", [Feature.ODOMETER])
    details = raised.value.details
    assert (
        details.type,
        details.code,
        details.kind,
        details.status,
        details.description,
    ) == expected
    assert details.resolution_type is None


@pytest.mark.parametrize(
    ("execution", "expected"),
    [
        (
            {"status": {"value": "ERROR", "error": {"type": "VEHICLE_STATE", "code": "DOOR_OPEN"}}},
            ("VEHICLE_STATE", "DOOR_OPEN", "door_open"),
        ),
        ({"status": {"value": "ERROR"}}, ("COMMAND_STATUS", "ERROR", None)),
        ({"status": {"value": "PENDING"}}, ("COMMAND_STATUS", "PENDING", None)),
    ],
)
async def test_a_command_execution_that_did_not_succeed(
    fake: Fake, execution: dict[str, Any], expected: tuple
) -> None:
    body = {"data": {"type": "command-execution", "attributes": execution}}
    fake.reply(f"{API}/vehicles/car/commands/security/unlock", (202, body))
    with pytest.raises(ProviderError) as raised:
        await fake.client().async_command("car", Command.UNLOCK)
    assert (raised.value.type, raised.value.code, raised.value.details.reason) == expected
    assert raised.value.kind is ErrorKind.REFUSED


@pytest.mark.parametrize(
    "answer",
    [
        (200, {"data": {"attributes": {"status": {"value": 1}}}}),
        (200, {"data": {"attributes": {"status": "SUCCESS"}}}),
        (200, {"data": []}),
        (202, {"meta": {}}),
        (204, b""),
    ],
)
async def test_command_answers_of_the_wrong_shape(fake: Fake, answer: tuple[int, Any]) -> None:
    fake.reply(f"{API}/vehicles/car/commands/charge/start", answer)
    with pytest.raises(CommunicationError):
        await fake.client().async_command("car", Command.START_CHARGING)
