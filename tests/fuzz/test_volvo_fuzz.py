"""VolvoClient (through the real `volvocarsapi`) against whatever a server may answer, over
loopback HTTP, for every endpoint it reads: each call returns well-typed, in-range values or raises
ProviderError/CommunicationError, and ends within a bounded number of requests."""

from typing import Any

from aiohttp import ClientSession
from hypothesis import example, given, strategies as st
import pytest

from custom_components.connected_car.api.model import Command
from custom_components.connected_car.api.volvo import (
    COMMANDS,
    ENDPOINTS,
    FEATURE_ENDPOINTS,
    INVOKE_STATUSES,
    SCOPES,
    VolvoClient,
    VolvoOrigins,
)

from .conftest import FakeServer, Reply
from .properties import assert_snapshot, assert_text, assert_vehicle, outcome
from .strategies import (
    DEEP,
    LATIN1_PAGE,
    json_reply,
    json_values,
    number,
    replies,
    shaped,
    word,
)

VIN = "YV1UZH1V4R1265358"
VEHICLES = "/volvo/api/connected-vehicle/v2/vehicles"
CAR = f"{VEHICLES}/{VIN}"
FEATURES = list(FEATURE_ENDPOINTS)
PROXY_PAGE = Reply(content_type="text/html; charset=iso-8859-1", body=LATIN1_PAGE)
PROXY_ERROR_PAGE = Reply(502, "text/html; charset=iso-8859-1", LATIN1_PAGE)
DEEPLY_NESTED = Reply(body=DEEP)
DEEPLY_NESTED_ERROR = Reply(503, body=DEEP)
STATUS_CODE_WORD = json_reply({"statusCode": "unavailable"}, status=503)


async def _token() -> str:
    return "token"


@pytest.fixture
def client(server: FakeServer, session: ClientSession) -> VolvoClient:
    origins = VolvoOrigins.simulator(server.url)
    return VolvoClient(session, _token, "api-key", origins=origins, granted_scopes=SCOPES)


error_bodies = shaped(
    {
        "error": shaped(
            {},
            {
                "message": word("Forbidden"),
                "description": word(
                    "Out of call volume quota. Quota will be replenished in 12:53:20."
                ),
            },
        )
    },
    {},
)


def answers(body: st.SearchStrategy[Any]) -> st.SearchStrategy[Reply]:
    """Replies with the documented body, Volvo's error body, or anything else."""
    return replies(st.one_of(body, error_bodies))


times = st.one_of(
    st.sampled_from(["2026-11-18T10:00:00.000Z", "2026-11-18T10:00:00", "not a time", ""]),
    json_values,
)
units = word("km", "mi", "miles", "kW", "W", "l", "percentage", "minutes")


def value_field(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`{value, unit?, timestamp?}`, at times something else."""
    return shaped({"value": value}, {"unit": units, "timestamp": times})


def data(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Connected Vehicle's `{"data": {name: field}}`."""
    return shaped({"data": shaped({}, {k: value_field(v) for k, v in fields.items()})}, {})


openings = word("OPEN", "CLOSED", "AJAR", "UNSPECIFIED")
warning = word("NO_WARNING", "UNSPECIFIED", "FAILURE", "LOW_PRESSURE")
energy = shaped(
    {},
    {
        name: shaped(
            {"status": word("OK", "ERROR")},
            {"value": value, "unit": units, "updatedAt": times, "code": word("NOT_SUPPORTED")},
        )
        for name, value in {
            "batteryChargeLevel": number(80),
            "electricRange": number(300),
            "chargerConnectionStatus": word("CONNECTED", "DISCONNECTED", "FAULT"),
            "chargingStatus": word("CHARGING", "DONE", "IDLE", "UNSPECIFIED"),
            "chargingType": word("AC", "DC", "NONE"),
            "chargingPower": number(7400, 11),
            "estimatedChargingTimeToTargetBatteryChargeLevel": number(90),
            "targetBatteryChargeLevel": number(80),
        }.items()
    },
)
location = shaped(
    {
        "data": shaped(
            {
                "type": word("Feature"),
                "properties": shaped(
                    {"heading": st.one_of(word("90", "north", "400", "nan"), number(90))},
                    {"timestamp": times},
                ),
                "geometry": shaped(
                    {"type": word("Point")},
                    {
                        "coordinates": st.one_of(
                            st.lists(number(11.9, 57.7, 200, -200), max_size=3), json_values
                        )
                    },
                ),
            },
            {},
        )
    },
    {},
)
# Each endpoint a read calls: its path on the fake server and its body.
ENDPOINT_BODIES: dict[str, tuple[str, st.SearchStrategy[Any]]] = {
    "doors": (
        f"{CAR}/doors",
        data(
            centralLock=word("LOCKED", "UNLOCKED", "UNSPECIFIED"),
            frontLeftDoor=openings,
            rearRightDoor=openings,
            hood=openings,
            tailgate=openings,
        ),
    ),
    "windows": (f"{CAR}/windows", data(frontLeftWindow=openings, sunroof=openings)),
    "energy": (f"/volvo/api/energy/v2/vehicles/{VIN}/state", energy),
    "fuel": (f"{CAR}/fuel", data(fuelAmount=number(40))),
    "statistics": (f"{CAR}/statistics", data(distanceToEmptyTank=number(500))),
    "odometer": (f"{CAR}/odometer", data(odometer=number(12000))),
    "location": (f"/volvo/api/location/v1/vehicles/{VIN}/location", location),
    "engine_status": (f"{CAR}/engine-status", data(engineStatus=word("RUNNING", "STOPPED"))),
    "tyres": (
        f"{CAR}/tyres",
        data(frontLeft=warning, frontRight=warning, rearLeft=warning, rearRight=warning),
    ),
    "warnings": (f"{CAR}/warnings", data(brakeLightLeftWarning=warning)),
    "diagnostics": (
        f"{CAR}/diagnostics",
        data(serviceWarning=warning, washerFluidLevelWarning=warning),
    ),
    "engine": (f"{CAR}/engine", data(oilLevelWarning=warning, engineCoolantLevelWarning=warning)),
    "brakes": (f"{CAR}/brakes", data(brakeFluidLevelWarning=warning)),
}
READ_PATHS = [path for path, _ in ENDPOINT_BODIES.values()]


def test_every_endpoint_has_a_body() -> None:
    assert set(ENDPOINT_BODIES) == set(ENDPOINTS)


def _every_endpoint(reply: Reply) -> dict[str, Reply]:
    return dict.fromkeys(READ_PATHS, reply)


@given(answer=st.fixed_dictionaries({p: answers(b) for p, b in ENDPOINT_BODIES.values()}))
@example(answer=_every_endpoint(PROXY_PAGE))
@example(answer=_every_endpoint(PROXY_ERROR_PAGE))
@example(answer=_every_endpoint(DEEPLY_NESTED))
@example(answer=_every_endpoint(DEEPLY_NESTED_ERROR))
@example(answer=_every_endpoint(STATUS_CODE_WORD))
@example(
    answer={
        f"{CAR}/odometer": json_reply({"data": {"odometer": {"value": "far", "unit": "km"}}}),
        READ_PATHS[6]: json_reply(
            {
                "data": {
                    "type": "Feature",
                    "properties": {"heading": "90"},
                    "geometry": {"type": "Point", "coordinates": [11.9, 200]},
                }
            }
        ),
        f"{CAR}/doors": json_reply({"data": {"centralLock": {"value": True}}}),
    }
)
async def test_read(server: FakeServer, client: VolvoClient, answer: dict[str, Reply]) -> None:
    server.serve(dict(answer))
    snapshot = await outcome(client.async_read(VIN, FEATURES))
    if snapshot is not None:
        assert_snapshot(snapshot, FEATURES)
    assert server.requests <= len(ENDPOINTS)


vehicle_lists = shaped(
    {
        "data": st.one_of(
            st.lists(shaped({"vin": word(VIN, "\ud800")}, {}), max_size=4), json_values
        )
    },
    {},
)


@given(reply=answers(vehicle_lists))
@example(reply=PROXY_PAGE)
@example(reply=DEEPLY_NESTED)
@example(reply=STATUS_CODE_WORD)
async def test_vehicle_ids_and_account(
    server: FakeServer, session: ClientSession, client: VolvoClient, reply: Reply
) -> None:
    """The list of VINs, and the account id made from it when Volvo ID named none."""
    server.serve({VEHICLES: reply})
    vins = await outcome(client.async_get_vehicle_ids())
    if vins is not None:
        for vin in vins:
            assert_text(vin)
    account = await outcome(client.async_get_account_id())
    if account is not None:
        assert_text(account)
    assert server.requests <= 2


details = shaped(
    {
        "data": shaped(
            {
                "vin": word(VIN),
                "modelYear": number(2024, 1e400),
                "gearbox": word("AUTOMATIC"),
                "fuelType": word("ELECTRIC", "PETROL/ELECTRIC"),
                "images": shaped(
                    {"exteriorImageUrl": word("https://x/e.png")},
                    {"internalImageUrl": word("https://x/i.png")},
                ),
                "descriptions": shaped({"model": word("XC60")}, {"steering": word("LEFT")}),
            },
            {},
        )
    },
    {},
)


@given(reply=answers(details))
@example(reply=PROXY_PAGE)
@example(reply=DEEPLY_NESTED)
@example(
    reply=json_reply(
        {
            "data": {
                "vin": VIN,
                "modelYear": float("inf"),
                "gearbox": "A",
                "fuelType": "ELECTRIC",
                "images": {"exteriorImageUrl": "x", "internalImageUrl": "y"},
                "descriptions": {"model": "EX30", "steering": "LEFT"},
            }
        }
    )
)
async def test_vehicle(server: FakeServer, client: VolvoClient, reply: Reply) -> None:
    server.serve({CAR: reply})
    vehicle = await outcome(client.async_get_vehicle(VIN))
    if vehicle is not None:
        assert_vehicle(vehicle, VIN)
    assert server.requests == 1


command_lists = shaped(
    {
        "data": st.one_of(
            st.lists(
                shaped(
                    {"command": word(*(name for name, _ in COMMANDS.values())), "href": word("/x")},
                    {},
                ),
                max_size=5,
            ),
            json_values,
        )
    },
    {},
)


@given(reply=answers(command_lists))
@example(reply=PROXY_PAGE)
@example(reply=DEEPLY_NESTED)
async def test_commands(server: FakeServer, client: VolvoClient, reply: Reply) -> None:
    server.serve({f"{CAR}/commands": reply})
    commands = await outcome(client.async_get_commands(VIN, set(SCOPES)))
    if commands is not None:
        assert all(isinstance(command, Command) for command in commands)
    assert server.requests == 1


command_results = shaped(
    {
        "data": shaped(
            {"vin": word(VIN), "invokeStatus": word(*INVOKE_STATUSES), "message": word("")}, {}
        )
    },
    {},
)


@given(command=st.sampled_from(list(COMMANDS)), reply=answers(command_results))
@example(command=Command.LOCK, reply=PROXY_PAGE)
@example(command=Command.UNLOCK, reply=DEEPLY_NESTED)
@example(command=Command.LOCK, reply=DEEPLY_NESTED_ERROR)
async def test_command(
    server: FakeServer, client: VolvoClient, command: Command, reply: Reply
) -> None:
    server.serve({f"{CAR}/commands/{path}": reply for _, path in COMMANDS.values()})
    await outcome(client.async_command(VIN, command))
    assert server.requests == 1
