"""The Smartcar v3 client against the simulator over loopback.

The simulator is the wire truth (tests/api/test_smartcar_v3_answers.py covers answers it never
gives). Expected readings come from the simulator's own view of the cars (its control API and
garage), so the v3 client and the v2 view of a car must agree.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
import math
from typing import Any

from aiohttp import ClientSession
import pytest
from yarl import URL

from custom_components.connected_car.api import smartcar_v3
from custom_components.connected_car.api.errors import (
    CommunicationError,
    ErrorKind,
    ProviderError,
)
from custom_components.connected_car.api.model import (
    Battery,
    BatteryCapacity,
    Charge,
    ChargeLimit,
    ChargingState,
    ChargingType,
    Command,
    EngineOil,
    Feature,
    Fuel,
    Location,
    Odometer,
    Reading,
    Security,
    Snapshot,
    Tires,
    Vehicle,
)
from custom_components.connected_car.api.smartcar import DEFAULT_SCOPE
from custom_components.connected_car.api.smartcar_v3 import (
    FEATURE_SIGNALS,
    RENEW_BEFORE,
    ApplicationCredentialsError,
    AppToken,
    AppTokenCache,
    SmartcarV3Client,
    SmartcarV3Origins,
    async_api_version,
    connect_url,
    looks_like_v3_client_id,
    user_id_from_redirect,
)
from simulator.garage import (
    FORD_F150_ID,
    TESLA_MODEL_3_ID,
    TOYOTA_RAV4_PRIME_ID,
    VOLKSWAGEN_ID4_ID,
    default_vehicles,
)
from simulator.smartcar.accounts import user_id
from simulator.smartcar_v3.signals import CHARGING_VOLTS, CODES
from tests.conftest import SIMULATOR_START, TEST_REDIRECT_URI, SimulatorClock

CLIENT_ID, CLIENT_SECRET = "client_sim_v3", "sim-v3-secret"
APPLICATION_ID = "00000000-0000-4000-8000-00000000c3c3"
CARS = (TESLA_MODEL_3_ID, VOLKSWAGEN_ID4_ID, FORD_F150_ID, TOYOTA_RAV4_PRIME_ID)
GARAGE = default_vehicles(SIMULATOR_START)
FEATURES = list(FEATURE_SIGNALS)
WHEELS = ("frontLeft", "frontRight", "backLeft", "backRight")


class ClientClock:
    """The client's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Sim:
    """The simulator on loopback: Connect, app tokens, clients and the control API."""

    session: ClientSession
    url: str
    clock: SimulatorClock

    @property
    def origins(self) -> SmartcarV3Origins:
        return SmartcarV3Origins.simulator(self.url)

    async def connect(self, scope: tuple[str, ...] = DEFAULT_SCOPE, **query: str) -> str:
        """Connect for the v3 application (`sim_*` flags approve at once): the user id."""
        url = connect_url(APPLICATION_ID, TEST_REDIRECT_URI, scope, "st4te", origins=self.origins)
        url = str(URL(url).update_query({"sim_approve": "all"} | query))
        async with self.session.get(url, allow_redirects=False) as response:
            assert response.status == 302, await response.text()
            user = user_id_from_redirect(URL(response.headers["Location"]).query)
        assert user is not None
        return user

    def token(self, secret: str = CLIENT_SECRET, clock: ClientClock | None = None) -> AppToken:
        return AppToken(
            self.session, CLIENT_ID, secret, origins=self.origins, clock=clock or ClientClock()
        )

    def client(self, user: str, token: AppToken | None = None, **options: Any) -> SmartcarV3Client:
        return SmartcarV3Client(
            self.session, token or self.token(), user, origins=self.origins, **options
        )

    async def control(self, method: str, path: str, json: Any = None) -> Any:
        async with self.session.request(method, f"{self.url}/_simulator{path}", json=json) as r:
            assert r.status < 300, await r.text()
            return await r.json()

    async def fault(self, error_type: str, code: str | None = None, **fault: Any) -> None:
        body = {"provider": "smartcar_v3", "type": error_type, "code": code}
        await self.control("POST", "/errors", body | fault)

    async def settings(self, **changes: Any) -> dict[str, Any]:
        return dict(await self.control("PATCH", "/smartcar-v3", changes))

    async def tokens_issued(self) -> int:
        return int((await self.control("GET", "/smartcar-v3"))["app_tokens_issued"])

    async def requests(self) -> int:
        return int((await self.control("GET", "/stats?provider=smartcar_v3"))["totals"]["requests"])

    async def state(self, vehicle_id: str) -> dict[str, Any]:
        cars = await self.control("GET", "/vehicles?provider=smartcar_v3")
        return dict(next(car["state"] for car in cars if car["id"] == vehicle_id))


@pytest.fixture
async def sim(
    socket_enabled: None, simulator_url: str, simulator_clock: SimulatorClock
) -> AsyncIterator[Sim]:
    async with ClientSession() as session:
        simulator = Sim(session, simulator_url, simulator_clock)
        yield simulator
        await simulator.control("DELETE", "/errors")  # release requests a TIMEOUT holds


@pytest.fixture
async def user(sim: Sim) -> str:
    return await sim.connect()


@pytest.fixture
def client(sim: Sim, user: str) -> SmartcarV3Client:
    return sim.client(user)


def _error(snapshot: Snapshot, feature: Feature) -> ProviderError:
    assert feature not in snapshot.readings
    return snapshot.errors[feature]


# Credentials, Connect and the user.


async def test_v2_and_v3_credentials_told_apart(sim: Sim) -> None:
    assert looks_like_v3_client_id(CLIENT_ID)
    assert not looks_like_v3_client_id("sim-client-id")
    assert await async_api_version(sim.session, CLIENT_ID, CLIENT_SECRET, sim.origins) == "v3"
    # The v2 application's UUID-style credential: IAM refuses it.
    assert (
        await async_api_version(sim.session, "sim-client-id", "sim-client-secret", sim.origins)
        == "v2"
    )
    await sim.fault("SERVER", "INTERNAL", path="/oauth2/token", times=1)
    with pytest.raises(ProviderError) as raised:  # IAM down proves nothing
        await async_api_version(sim.session, CLIENT_ID, CLIENT_SECRET, sim.origins)
    assert (raised.value.kind, raised.value.details.status) == (ErrorKind.TRANSIENT, 500)


async def test_a_refused_credential_is_the_applications_problem(sim: Sim, user: str) -> None:
    client = sim.client(user, sim.token("wrong-secret"))
    with pytest.raises(ApplicationCredentialsError) as raised:
        await client.async_read(FORD_F150_ID, FEATURES)
    details = raised.value.details
    assert raised.value.kind is ErrorKind.APPLICATION_CREDENTIALS
    assert (details.type, details.code, details.status) == ("OAUTH", "invalid_client", 401)
    assert details.description == "Invalid client id or secret."
    assert "wrong-secret" not in str(raised.value)


async def test_iam_rate_limit_and_broken_answers(sim: Sim, user: str) -> None:
    client = sim.client(user)
    await sim.fault("RATE_LIMIT", "SMARTCAR_API", path="/oauth2/token", times=1)
    with pytest.raises(ProviderError) as raised:
        await client.async_read(FORD_F150_ID, FEATURES)
    assert raised.value.kind is ErrorKind.RATE_LIMITED
    assert raised.value.details.retry_after is None  # IAM's answer has no Retry-After
    await sim.fault("MALFORMED", path="/oauth2/token", times=1)
    with pytest.raises(CommunicationError):
        await client.async_read(FORD_F150_ID, FEATURES)
    assert (await client.async_read(FORD_F150_ID, [Feature.ODOMETER])).readings


def test_connect_url_names_the_application() -> None:
    url = URL(
        connect_url(
            APPLICATION_ID,
            TEST_REDIRECT_URI,
            ("read_battery", "control_charge"),
            "st4te",
            mode="simulated",
            approval_prompt="force",
        )
    )
    assert str(url.with_query(None)) == "https://connect.smartcar.com/oauth/authorize"
    assert dict(url.query) == {
        "response_type": "code",
        "client_id": APPLICATION_ID,
        "redirect_uri": TEST_REDIRECT_URI,
        "scope": "read_battery control_charge",
        "state": "st4te",
        "mode": "simulated",
        "approval_prompt": "force",
    }
    with pytest.raises(ValueError, match="Application ID"):
        connect_url(CLIENT_ID, TEST_REDIRECT_URI, ("read_battery",), "st4te")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"code": "c", "state": "s", "user_id": "u-1"}, "u-1"),
        ({"code": "c", "userId": "u-2"}, "u-2"),
        ({"user_id": " ", "userId": "u-3"}, "u-3"),
        ({"code": "c", "state": "s"}, None),
    ],
)
def test_user_id_from_the_redirect(query: dict[str, str], expected: str | None) -> None:
    assert user_id_from_redirect(query) == expected


async def test_connect_through_the_simulator(sim: Sim) -> None:
    user = await sim.connect(sim_user="someone", sim_approve=FORD_F150_ID)
    assert user == user_id("someone")
    client = sim.client(user)
    assert await client.async_get_account_id() == user
    assert await client.async_get_vehicle_ids() == [FORD_F150_ID]


async def test_simulated_mode_lists_the_simulated_connections(sim: Sim) -> None:
    user = await sim.connect(mode="simulated")
    assert await sim.client(user).async_get_vehicle_ids() == []
    assert len(await sim.client(user, mode="simulated").async_get_vehicle_ids()) == 4


# Cars, permissions and commands.


async def test_cars_of_the_user(sim: Sim, client: SmartcarV3Client) -> None:
    assert sorted(await client.async_get_vehicle_ids()) == sorted(CARS)
    connections = {c.vehicle_id: c for c in await client.async_get_connections()}
    assert connections[FORD_F150_ID].powertrain == "ICE"
    assert connections[TOYOTA_RAV4_PRIME_ID].powertrain == "PHEV"
    assert connections[TESLA_MODEL_3_ID].mode == "live"
    assert await client.async_get_vehicle(TESLA_MODEL_3_ID) == Vehicle(
        id=TESLA_MODEL_3_ID, make="Tesla", model="Model 3", year=2022, vin="5YJ3E1EB7NF184263"
    )
    assert (await client.async_get_vehicle(FORD_F150_ID)).make == "Ford"
    assert await client.async_get_permissions(FORD_F150_ID) == set(DEFAULT_SCOPE)


async def test_commands_a_car_takes(sim: Sim, client: SmartcarV3Client) -> None:
    everything = set(DEFAULT_SCOPE)
    assert await client.async_get_commands(TESLA_MODEL_3_ID, everything) == set(
        smartcar_v3.COMMAND_PATHS
    )
    assert await client.async_get_commands(FORD_F150_ID, everything) == {
        Command.LOCK,
        Command.UNLOCK,
        Command.SEND_DESTINATION,
    }
    assert await client.async_get_commands(TOYOTA_RAV4_PRIME_ID, {"control_security"}) == {
        Command.LOCK,
        Command.UNLOCK,
    }


async def test_connections_read_page_by_page(
    sim: Sim, client: SmartcarV3Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(smartcar_v3, "CONNECTIONS_PAGE_SIZE", 3)
    await sim.connect(sim_user="other", sim_approve=FORD_F150_ID)  # not this user's
    await sim.control("DELETE", "/stats")
    assert sorted(await client.async_get_vehicle_ids()) == sorted(CARS)
    assert await sim.requests() == 2


async def test_the_vin_needs_its_permission(sim: Sim) -> None:
    client = sim.client(await sim.connect(scope=("read_odometer",)))
    await sim.control("DELETE", "/stats")
    vehicle = await client.async_get_vehicle(FORD_F150_ID)
    assert (vehicle.vin, vehicle.model) == (None, "F-150")
    assert await sim.requests() == 1  # the connections only: no VIN read


async def test_a_vin_in_error_is_left_out_but_other_failures_raise(
    sim: Sim, client: SmartcarV3Client
) -> None:
    await sim.fault(
        "COMPATIBILITY", "VEHICLE_NOT_CAPABLE", path="/signals/vehicleidentification-vin"
    )
    assert (await client.async_get_vehicle(FORD_F150_ID)).vin is None
    await sim.control("DELETE", "/errors")
    await sim.fault("PERMISSION", None, path="/signals", times=1)
    assert (await client.async_get_vehicle(FORD_F150_ID)).vin is None
    await sim.fault("SERVER", "INTERNAL", path="/signals", times=1)
    with pytest.raises(ProviderError) as raised:
        await client.async_get_vehicle(FORD_F150_ID)
    assert raised.value.type == "SERVER"


async def test_a_car_the_user_did_not_connect(sim: Sim) -> None:
    client = sim.client(await sim.connect(sim_user="other", sim_approve=FORD_F150_ID))
    with pytest.raises(ProviderError) as raised:
        await client.async_get_permissions(TESLA_MODEL_3_ID)
    assert raised.value.kind is ErrorKind.PERMISSION
    with pytest.raises(ProviderError) as raised:  # Smartcar's answer
        await client.async_read(TESLA_MODEL_3_ID, FEATURES)
    assert (raised.value.kind, raised.value.details.status) == (ErrorKind.PERMISSION, 403)


# App tokens.


async def test_one_app_token_for_every_car_renewed_once(sim: Sim) -> None:
    """Twelve reads at once (3 users x 4 cars) ask IAM once; so do twelve after it is due."""
    clock = ClientClock()
    cache = AppTokenCache(clock)
    token = cache.get(sim.session, CLIENT_ID, CLIENT_SECRET, sim.origins)
    assert cache.get(sim.session, CLIENT_ID, CLIENT_SECRET, sim.origins) is token
    assert cache.get(sim.session, CLIENT_ID, "other", sim.origins) is not token
    users = [await sim.connect(sim_user=f"user{n}") for n in range(3)]
    clients = [sim.client(u, token) for u in users]

    async def read_all() -> list[Snapshot]:
        return await asyncio.gather(
            *(c.async_read(car, [Feature.ODOMETER]) for c in clients for car in CARS)
        )

    snapshots = await read_all()
    assert all(Feature.ODOMETER in s.readings for s in snapshots)
    assert await sim.tokens_issued() == 1
    clock.now += 3600 - RENEW_BEFORE - 1
    await read_all()
    assert await sim.tokens_issued() == 1
    clock.now += 1  # due: renewed before it expires
    sim.clock.now += 3600 - RENEW_BEFORE
    snapshots = await read_all()
    assert all(Feature.ODOMETER in s.readings for s in snapshots)
    assert await sim.tokens_issued() == 2


async def test_a_token_refused_early_is_renewed_once(sim: Sim, user: str) -> None:
    client = sim.client(user)
    await client.async_read(FORD_F150_ID, [Feature.ODOMETER])
    sim.clock.now += 3600  # expired for Smartcar, not yet for the client's clock
    snapshot = await client.async_read(FORD_F150_ID, [Feature.ODOMETER])
    assert Feature.ODOMETER in snapshot.readings
    assert await sim.tokens_issued() == 2
    await sim.fault("AUTHENTICATION", None, path="/signals")  # refused however often renewed
    with pytest.raises(ProviderError) as raised:
        await client.async_read(FORD_F150_ID, [Feature.ODOMETER])
    assert raised.value.kind is ErrorKind.AUTHENTICATION
    assert await sim.tokens_issued() == 3


# Reads.


def _expected(vehicle_id: str, state: dict[str, Any]) -> dict[Feature, Reading]:
    """What a car's signals say, from the simulator's state of it (km, kPa, litres)."""
    car = GARAGE[vehicle_id]

    def opened(group: str, name: str) -> bool | None:
        return state[group][name] == "OPEN" if name in state[group] else None

    readings: dict[Feature, Reading] = {
        Feature.ODOMETER: Odometer(distance=state["odometer"]),
        Feature.LOCATION: Location(**state["location"]),
        Feature.TIRES: Tires(*(state["tires"][wheel] for wheel in WHEELS)),
        Feature.SECURITY: Security(
            locked=state["locked"],
            doors_open="OPEN" in state["doors"].values(),
            windows_open="OPEN" in state["windows"].values(),
            trunk_open=opened("storage", "rear"),
            charging_port_open=opened("charging_port", "chargingPort"),
            hood_open=None if state["fuel"] is None else False,
            sunroof_open=opened("sunroof", "sunroof"),
            front_trunk_open=opened("storage", "front"),
        ),
    }
    if (battery := state["battery"]) is not None:
        charge = state["charge"]
        charging = charge["state"] == "CHARGING"
        power = car.state.battery.charge_power_kw if car.state.battery else 0
        readings[Feature.BATTERY] = Battery(
            level=round(battery["percent"] * 100, 1), range=battery["range"]
        )
        readings[Feature.BATTERY_CAPACITY] = BatteryCapacity(capacity=battery["capacity"])
        minutes = (charge["limit"] - battery["percent"]) * battery["capacity"] / power * 60
        readings[Feature.CHARGE] = Charge(
            plugged_in=charge["plugged_in"],
            state=ChargingState(charge["state"].lower()),
            power=power if charging else None,
            minutes_to_full=round(minutes) if charging else None,
            type=ChargingType.AC if charge["plugged_in"] else ChargingType.NONE,
            voltage=CHARGING_VOLTS if charging else None,
            current=round(power * 1000 / CHARGING_VOLTS, 1) if charging else None,
            rate=round(car.state.battery.full_range_km * power / battery["capacity"], 1)
            if charging and car.state.battery
            else None,
        )
        if "GET /charge/limit" in car.capabilities:
            readings[Feature.CHARGE_LIMIT] = ChargeLimit(limit=round(charge["limit"] * 100))
    if (fuel := state["fuel"]) is not None:
        readings[Feature.FUEL] = Fuel(
            level=round(fuel["percent"] * 100, 2), range=fuel["range"], amount=fuel["amount"]
        )
        readings[Feature.ENGINE_OIL] = EngineOil(life=round(state["oil_life"] * 100, 1))
    return readings


@pytest.mark.parametrize("vehicle_id", CARS)
async def test_every_signal_is_mapped(sim: Sim, client: SmartcarV3Client, vehicle_id: str) -> None:
    await sim.control("DELETE", "/stats")
    snapshot = await client.async_read(vehicle_id, [*FEATURES, Feature.WARNINGS])
    assert await sim.requests() == 1  # one request reads the car
    state = await sim.state(vehicle_id)
    assert snapshot.readings == _expected(vehicle_id, state)
    for feature, err in snapshot.errors.items():
        assert err.kind is ErrorKind.UNSUPPORTED, feature
        assert (err.type, err.code) == ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE")
    assert set(snapshot.readings) | set(snapshot.errors) == set(FEATURES)
    recorded = datetime.fromisoformat(state["updated_at"])
    assert snapshot.recorded_at == dict.fromkeys(snapshot.readings, recorded)


async def test_the_readings_follow_the_car(sim: Sim, client: SmartcarV3Client) -> None:
    """The same car through v2's control: open doors, moving, charging, unplugged."""
    await sim.control(
        "PATCH",
        f"/vehicles/{TOYOTA_RAV4_PRIME_ID}",
        {
            "doors": {"backLeft": "OPEN"},
            "sunroof": {"sunroof": "OPEN"},
            "charge": {"plugged_in": True, "charging": True},
            "locked": False,
        },
    )
    snapshot = await client.async_read(TOYOTA_RAV4_PRIME_ID, FEATURES)
    state = await sim.state(TOYOTA_RAV4_PRIME_ID)
    assert snapshot.readings == _expected(TOYOTA_RAV4_PRIME_ID, state)
    security = snapshot.readings[Feature.SECURITY]
    assert isinstance(security, Security)
    assert (security.doors_open, security.sunroof_open, security.locked) == (True, True, False)
    charge = snapshot.readings[Feature.CHARGE]
    assert isinstance(charge, Charge)
    assert (charge.state, charge.power, charge.voltage) == (ChargingState.CHARGING, 6.6, 240.0)


@pytest.mark.parametrize("timestamps", ["iso", "seconds", "milliseconds"])
async def test_timestamps_in_three_forms(
    sim: Sim, client: SmartcarV3Client, timestamps: str
) -> None:
    await sim.settings(timestamps=timestamps)
    snapshot = await client.async_read(FORD_F150_ID, FEATURES)
    recorded = datetime.fromtimestamp(SIMULATOR_START - 120, UTC)
    assert snapshot.recorded_at == dict.fromkeys(snapshot.readings, recorded)
    assert len(snapshot.recorded_at) == 6


async def test_signals_read_page_by_page(sim: Sim, client: SmartcarV3Client) -> None:
    whole = await client.async_read(TESLA_MODEL_3_ID, FEATURES)
    await sim.settings(page_size=7)
    await sim.control("DELETE", "/stats")
    paged = await client.async_read(TESLA_MODEL_3_ID, FEATURES)
    assert await sim.requests() == math.ceil(len(CODES) / 7)
    assert (paged.readings, paged.recorded_at) == (whole.readings, whole.recorded_at)
    assert {f: e.details for f, e in paged.errors.items()} == {
        f: e.details for f, e in whole.errors.items()
    }


async def test_a_car_never_subscribed_reads_empty(sim: Sim, client: SmartcarV3Client) -> None:
    await sim.settings(unsubscribed=[FORD_F150_ID])
    assert await client.async_read(FORD_F150_ID, FEATURES) == Snapshot()


async def test_no_feature_to_read_costs_no_request(sim: Sim, client: SmartcarV3Client) -> None:
    await sim.control("DELETE", "/stats")
    assert await client.async_read(FORD_F150_ID, []) == Snapshot()
    assert await client.async_read(FORD_F150_ID, [Feature.WARNINGS, Feature.ENGINE]) == Snapshot()
    assert await sim.requests() == 0


@pytest.mark.parametrize(
    ("error_type", "code", "kind"),
    [
        ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE", ErrorKind.UNSUPPORTED),
        ("PERMISSION", "UNKNOWN", ErrorKind.PERMISSION),
        ("VEHICLE_STATE", "NOT_CHARGING", ErrorKind.REFUSED),
        ("VEHICLE_STATE", "ASLEEP", ErrorKind.UNREACHABLE),
        ("UPSTREAM", "NO_RESPONSE", ErrorKind.TRANSIENT),
        ("CONNECTED_SERVICES_ACCOUNT", "SUBSCRIPTION", ErrorKind.ACCOUNT_ACTION),
    ],
)
async def test_a_signal_in_error_fails_its_feature_by_type(
    sim: Sim, client: SmartcarV3Client, error_type: str, code: str, kind: ErrorKind
) -> None:
    await sim.fault(error_type, code, path="/signals/odometer-traveleddistance")
    snapshot = await client.async_read(FORD_F150_ID, FEATURES)
    err = _error(snapshot, Feature.ODOMETER)
    assert (err.kind, err.type, err.code) == (kind, error_type, code)
    assert err.details.description  # v3's detail
    assert Feature.ODOMETER not in snapshot.recorded_at
    assert Feature.FUEL in snapshot.readings


async def test_a_signal_in_error_only_empties_its_field(sim: Sim, client: SmartcarV3Client) -> None:
    """Its stale body is not taken; the feature keeps its other signals and no error."""
    await sim.fault("VEHICLE_STATE", "ASLEEP", path="/signals/tractionbattery-range")
    await sim.fault("PERMISSION", "UNKNOWN", path="/signals/closure-fronttrunk")
    snapshot = await client.async_read(TESLA_MODEL_3_ID, FEATURES)
    assert snapshot.readings[Feature.BATTERY] == Battery(level=62.0, range=None)
    security = snapshot.readings[Feature.SECURITY]
    assert isinstance(security, Security)
    assert (security.front_trunk_open, security.trunk_open) == (None, False)
    assert Feature.BATTERY not in snapshot.errors


async def test_not_charging_is_no_error(sim: Sim, client: SmartcarV3Client) -> None:
    snapshot = await client.async_read(VOLKSWAGEN_ID4_ID, [Feature.CHARGE])
    assert snapshot.errors == {}
    assert snapshot.readings[Feature.CHARGE] == Charge(
        plugged_in=True, state=ChargingState.NOT_CHARGING, type=ChargingType.AC
    )


async def test_a_grant_without_a_permission(sim: Sim) -> None:
    client = sim.client(await sim.connect(scope=("read_odometer", "read_fuel")))
    snapshot = await client.async_read(FORD_F150_ID, FEATURES)
    assert set(snapshot.readings) == {Feature.ODOMETER, Feature.FUEL}
    location = _error(snapshot, Feature.LOCATION)
    assert (location.kind, location.details.resolution_type) == (
        ErrorKind.PERMISSION,
        "REAUTHENTICATE",
    )
    assert _error(snapshot, Feature.BATTERY).kind is ErrorKind.PERMISSION  # asked before capable


@pytest.mark.parametrize(
    ("fault", "kind", "retry_after"),
    [
        ({"type": "RATE_LIMIT", "code": "VEHICLE", "retry_after": 30}, ErrorKind.RATE_LIMITED, 30),
        ({"type": "BILLING", "code": "VEHICLE_REQUEST_LIMIT"}, ErrorKind.QUOTA_EXHAUSTED, None),
        ({"type": "BILLING", "code": "INVALID_PLAN"}, ErrorKind.BILLING, None),
        ({"type": "SERVER", "code": "INTERNAL"}, ErrorKind.TRANSIENT, None),
    ],
)
async def test_a_failed_read_keeps_smartcars_words(
    sim: Sim,
    client: SmartcarV3Client,
    fault: dict[str, Any],
    kind: ErrorKind,
    retry_after: int | None,
) -> None:
    await sim.control("POST", "/errors", {"provider": "smartcar_v3", "path": "/signals"} | fault)
    with pytest.raises(ProviderError) as raised:
        await client.async_read(FORD_F150_ID, FEATURES)
    details = raised.value.details
    assert (details.kind, details.type, details.code) == (kind, fault["type"], fault["code"])
    assert details.retry_after == retry_after
    assert details.request_id
    assert details.doc_url
    assert details.description


async def test_broken_and_hanging_reads(sim: Sim, user: str) -> None:
    client = sim.client(user, request_timeout=0.2)
    await sim.fault("MALFORMED", path="/signals", times=1)
    with pytest.raises(CommunicationError):
        await client.async_read(FORD_F150_ID, FEATURES)
    await sim.fault("TIMEOUT", path="/signals", times=1, delay=5)
    with pytest.raises(CommunicationError, match="TimeoutError"):
        await client.async_read(FORD_F150_ID, FEATURES)


# Commands.

# (command, params, car, what the car's state shows afterwards)
COMMANDS = [
    (Command.LOCK, {}, FORD_F150_ID, lambda s: s["locked"] is True),
    (Command.UNLOCK, {}, TOYOTA_RAV4_PRIME_ID, lambda s: s["locked"] is False),
    (
        Command.START_CHARGING,
        {},
        VOLKSWAGEN_ID4_ID,
        lambda s: s["charge"]["state"] == "CHARGING",
    ),
    (
        Command.SET_CHARGE_LIMIT,
        {"limit": 70.4},
        VOLKSWAGEN_ID4_ID,
        lambda s: s["charge"]["limit"] == 0.7,
    ),
    (
        Command.SEND_DESTINATION,
        {"latitude": 37.77, "longitude": -122.42},
        FORD_F150_ID,
        lambda s: s["destination"] == {"latitude": 37.77, "longitude": -122.42},
    ),
    (
        Command.OPEN_CHARGE_PORT,
        {},
        VOLKSWAGEN_ID4_ID,
        lambda s: s["charging_port"]["chargingPort"] == "OPEN",
    ),
]


@pytest.mark.parametrize("status", [200, 202])
@pytest.mark.parametrize(("command", "params", "vehicle_id", "done"), COMMANDS)
async def test_every_command(
    sim: Sim,
    client: SmartcarV3Client,
    status: int,
    command: Command,
    params: dict[str, float],
    vehicle_id: str,
    done: Any,
) -> None:
    await sim.settings(command_status=status, command_delay=0.01)
    await client.async_command(vehicle_id, command, **params)
    assert done(await sim.state(vehicle_id))


@pytest.mark.parametrize("status", [200, 202])
async def test_stop_charging_and_close_the_charge_port(
    sim: Sim, client: SmartcarV3Client, status: int
) -> None:
    await sim.settings(command_status=status)
    car = VOLKSWAGEN_ID4_ID
    await sim.control("PATCH", f"/vehicles/{car}", {"charge": {"charging": True}})
    await client.async_command(car, Command.STOP_CHARGING)
    assert (await sim.state(car))["charge"]["state"] == "NOT_CHARGING"
    await sim.control("PATCH", f"/vehicles/{car}", {"charge": {"plugged_in": False}})
    await client.async_command(car, Command.OPEN_CHARGE_PORT)
    await client.async_command(car, Command.CLOSE_CHARGE_PORT)
    assert (await sim.state(car))["charging_port"] == {"chargingPort": "CLOSED"}


@pytest.mark.parametrize("status", [200, 202])
@pytest.mark.parametrize(
    ("command", "vehicle_id", "patch", "kind", "code", "reason"),
    [
        (Command.LOCK, FORD_F150_ID, {"moving": True}, ErrorKind.REFUSED, "IN_MOTION", "in_motion"),
        (Command.UNLOCK, FORD_F150_ID, {"asleep": True}, ErrorKind.UNREACHABLE, "ASLEEP", "asleep"),
        (
            Command.CLOSE_CHARGE_PORT,
            VOLKSWAGEN_ID4_ID,
            None,
            ErrorKind.REFUSED,
            "CHARGING_PLUG_CONNECTED",
            "charging_plug_connected",
        ),
        (Command.LOCK, TESLA_MODEL_3_ID, None, ErrorKind.VIRTUAL_KEY, "VIRTUAL_KEY_REQUIRED", None),
    ],
)
async def test_a_command_the_car_refuses(
    sim: Sim,
    client: SmartcarV3Client,
    status: int,
    command: Command,
    vehicle_id: str,
    patch: dict[str, Any] | None,
    kind: ErrorKind,
    code: str,
    reason: str | None,
) -> None:
    """Refused at once (409) or at the end of a 202 held open: the same error either way."""
    await sim.settings(command_status=status)
    if patch:
        await sim.control("PATCH", f"/vehicles/{vehicle_id}", patch)
    with pytest.raises(ProviderError) as raised:
        await client.async_command(vehicle_id, command)
    details = raised.value.details
    assert (details.kind, details.code, details.reason) == (kind, code, reason)
    assert details.status in (400, 409)  # the body's own status, also in a 202


async def test_a_command_the_car_cannot_do(sim: Sim, client: SmartcarV3Client) -> None:
    with pytest.raises(ProviderError) as raised:
        await client.async_command(VOLKSWAGEN_ID4_ID, Command.LOCK)
    assert (raised.value.kind, raised.value.details.status) == (ErrorKind.UNSUPPORTED, 501)


@pytest.mark.parametrize(
    ("command", "params"),
    [
        (Command.SET_CHARGE_LIMIT, {"limit": 49.9}),
        (Command.SET_CHARGE_LIMIT, {"limit": 101}),
        (Command.SET_CHARGE_LIMIT, {"limit": math.nan}),
        (Command.SET_CHARGE_LIMIT, {}),
        (Command.SEND_DESTINATION, {"latitude": 91, "longitude": 0}),
        (Command.SEND_DESTINATION, {"latitude": 0, "longitude": math.inf}),
        (Command.SEND_DESTINATION, {"latitude": 0}),
    ],
)
async def test_bad_parameters_never_reach_smartcar(
    sim: Sim, client: SmartcarV3Client, command: Command, params: dict[str, float]
) -> None:
    await sim.control("DELETE", "/stats")
    with pytest.raises(ProviderError) as raised:
        await client.async_command(VOLKSWAGEN_ID4_ID, command, **params)
    assert (raised.value.kind, raised.value.type) == (ErrorKind.REFUSED, "VALIDATION")
    assert await sim.requests() == 0


@pytest.mark.parametrize("command", [Command.HONK, Command.START_CLIMATE, Command.START_ENGINE])
async def test_commands_v3_does_not_have(
    sim: Sim, client: SmartcarV3Client, command: Command
) -> None:
    with pytest.raises(ProviderError) as raised:
        await client.async_command(FORD_F150_ID, command)
    assert (raised.value.kind, raised.value.type) == (ErrorKind.UNSUPPORTED, "NOT_SUPPORTED")


async def test_a_long_command_gets_a_long_timeout(sim: Sim, user: str) -> None:
    client = sim.client(user, request_timeout=0.05, command_timeout=5)
    await sim.settings(command_status=202, command_delay=0.3)
    await client.async_command(FORD_F150_ID, Command.LOCK)
    assert (await sim.state(FORD_F150_ID))["locked"] is True


# Webhook subscriptions (Management API).


async def test_cars_are_subscribed_and_unsubscribed_through_the_management_api(
    sim: Sim, user: str
) -> None:
    client = sim.client(user)

    async def subscribed() -> list[str]:
        listed = await sim.control("GET", "/webhooks")
        return sorted(v for w in listed for v in w["subscriptions"])

    hook = await sim.control(
        "POST",
        "/webhooks",
        {"provider": "smartcar", "url": "http://127.0.0.1:9/", "subscribe_all": False},
    )
    await client.async_subscribe(FORD_F150_ID, hook["id"])  # 202
    await client.async_subscribe(FORD_F150_ID, hook["id"])  # 409: subscribed already, fine
    assert await subscribed() == [FORD_F150_ID]
    await client.async_unsubscribe(FORD_F150_ID, hook["id"])
    assert await subscribed() == []
    await client.async_unsubscribe(FORD_F150_ID, hook["id"])  # nothing left: nothing to delete

    sim.clock.now += 3600  # the app token expired for Smartcar: renewed once
    await client.async_subscribe(TESLA_MODEL_3_ID, hook["id"])
    assert await subscribed() == [TESLA_MODEL_3_ID]
    await sim.fault("SERVER", "INTERNAL", path="/subscriptions", times=1)
    with pytest.raises(ProviderError) as raised:
        await client.async_unsubscribe(TESLA_MODEL_3_ID, hook["id"])
    assert raised.value.details.status == 500
    with pytest.raises(ProviderError) as raised:
        await client.async_subscribe("not-a-car-of-the-user", hook["id"])
    assert raised.value.kind is ErrorKind.PERMISSION
