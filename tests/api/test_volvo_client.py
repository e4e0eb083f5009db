"""The Volvo client against the simulator over loopback, through the real `volvocarsapi` library.

The simulator is the wire truth; a small fake server covers the answers it never gives (odd shapes,
HTML error pages, HTTP-date Retry-After).
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import secrets
from typing import Any

from aiohttp import ClientResponseError, ClientSession, encode_basic_auth, web
from aiohttp.test_utils import TestServer
import pytest
from yarl import URL

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
    Engine,
    Feature,
    Fuel,
    Location,
    Odometer,
    Reading,
    Security,
    Snapshot,
    TireWarnings,
    Warnings,
)
from custom_components.connected_car.api.volvo import (
    COMMANDS,
    FEATURE_ENDPOINTS,
    INVOKE_STATUSES,
    REQUESTS_PER_READ,
    SCOPES,
    VOLVO_API_ORIGIN,
    VolvoClient,
    VolvoOrigins,
    account_id_from_id_token,
)
from simulator.volvo.accounts import s256, user_id
from simulator.volvo.commands import INVOKE_STATUSES as SIMULATED_INVOKE_STATUSES
from simulator.volvo.errors import CATALOGUE, DEFAULT_RETRY_AFTER
from simulator.volvo.garage import (
    EX30_VIN,
    LIGHT_WARNINGS,
    V60_VIN,
    XC60_VIN,
    default_volvo_vehicles,
)
from tests.conftest import SIMULATOR_START, TEST_REDIRECT_URI

CLIENT_ID, CLIENT_SECRET, API_KEY = (
    "sim-volvo-client-id",
    "sim-volvo-client-secret",
    "sim-vcc-api-key",
)
VINS = (EX30_VIN, XC60_VIN, V60_VIN)
UNKNOWN_VIN = "YV1XXXXXXXX000000"
FEATURES = list(FEATURE_ENDPOINTS)
DAY = 86400
# Volvo's replenish time of the simulated day's quota: until UTC midnight.
SECONDS_TO_MIDNIGHT = DAY - int(SIMULATOR_START) % DAY
# The endpoints as the simulator's stats name them.
STATS_PATHS = {
    "doors": "/doors",
    "windows": "/windows",
    "energy": "/energy/state",
    "fuel": "/fuel",
    "statistics": "/statistics",
    "odometer": "/odometer",
    "location": "/location",
    "engine_status": "/engine-status",
    "tyres": "/tyres",
    "warnings": "/warnings",
    "diagnostics": "/diagnostics",
    "engine": "/engine",
    "brakes": "/brakes",
}


def _token(value: str) -> Callable[[], Awaitable[str]]:
    async def access_token() -> str:
        return value

    return access_token


@dataclass
class Sim:
    """The simulator on loopback: Volvo ID sign-in, clients, and its control API."""

    session: ClientSession
    url: str

    @property
    def origins(self) -> VolvoOrigins:
        return VolvoOrigins.simulator(self.url)

    async def sign_in(self, scopes: tuple[str, ...] = SCOPES, approve: str = "all") -> Any:
        """Volvo ID's authorization code flow with PKCE (S256): the token answer."""
        verifier = secrets.token_urlsafe(48)
        query = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": TEST_REDIRECT_URI,
            "scope": " ".join(scopes),
            "state": "st4te",
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
            "sim_approve": approve,
        }
        async with self.session.get(
            self.origins.authorize_url, params=query, allow_redirects=False
        ) as response:
            assert response.status == 302, await response.text()
            code = URL(response.headers["Location"]).query["code"]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": TEST_REDIRECT_URI,
            "code_verifier": verifier,
        }
        headers = {"Authorization": encode_basic_auth(CLIENT_ID, CLIENT_SECRET)}
        async with self.session.post(self.origins.token_url, data=form, headers=headers) as r:
            assert r.status == 200, await r.text()
            return await r.json()

    def client(
        self,
        tokens: Any,
        *,
        api_key: str = API_KEY,
        with_account_id: bool = True,
        timeout: float = 30,
    ) -> VolvoClient:
        return VolvoClient(
            self.session,
            _token(tokens["access_token"]),
            api_key,
            origins=self.origins,
            granted_scopes=tokens["scope"].split(),
            account_id=account_id_from_id_token(tokens["id_token"]) if with_account_id else None,
            request_timeout=timeout,
        )

    async def control(self, method: str, path: str, json: Any = None) -> Any:
        async with self.session.request(method, f"{self.url}/_simulator{path}", json=json) as r:
            assert r.status < 300, await r.text()
            return await r.json()

    async def car(self, vin: str) -> Any:
        cars = await self.control("GET", "/vehicles?provider=volvo")
        return next(car for car in cars if car["vin"] == vin)

    async def fault(self, error_type: str, code: str | None = None, **fault: Any) -> None:
        body = {"provider": "volvo", "type": error_type, "code": code}
        await self.control("POST", "/errors", body | fault)

    async def calls(self, vin: str) -> dict[str, int]:
        stats = await self.control("GET", "/stats?provider=volvo")
        return dict(stats["vehicles"][vin]["by_path"])


@pytest.fixture
async def sim(socket_enabled: None, simulator_url: str) -> AsyncIterator[Sim]:
    async with ClientSession() as session:
        simulator = Sim(session, simulator_url)
        yield simulator
        await simulator.control("DELETE", "/errors")  # release requests a TIMEOUT holds


@pytest.fixture
async def tokens(sim: Sim) -> Any:
    return await sim.sign_in()


@pytest.fixture
def client(sim: Sim, tokens: Any) -> VolvoClient:
    return sim.client(tokens)


def _error(snapshot: Snapshot, feature: Feature) -> ProviderError:
    assert feature not in snapshot.readings
    return snapshot.errors[feature]


# Account, cars, permissions and commands.


async def test_the_account_is_the_id_tokens_subject(sim: Sim, tokens: Any) -> None:
    """The id_token's `sub` names the Volvo ID user: the same for every login of the account."""
    assert account_id_from_id_token(tokens["id_token"]) == user_id("default")
    client = sim.client(tokens)
    assert await client.async_get_account_id() == user_id("default")
    assert await sim.client(await sim.sign_in()).async_get_account_id() == user_id("default")


async def test_without_an_id_token_the_account_is_a_hash_of_its_vins(sim: Sim, tokens: Any) -> None:
    """No subject: a stable id from the sorted VINs, another one for another set of cars."""
    account_id = await sim.client(tokens, with_account_id=False).async_get_account_id()
    assert account_id.startswith("vins-")
    again = await sim.client(await sim.sign_in(), with_account_id=False).async_get_account_id()
    assert again == account_id
    one_car = await sim.sign_in(approve=EX30_VIN)
    assert await sim.client(one_car, with_account_id=False).async_get_account_id() != account_id


@pytest.mark.parametrize(
    "id_token",
    [
        "",
        "no-dots",
        "a.!!!.c",  # not base64
        "a.bm90IGpzb24.c",  # "not json"
        "a.WzFd.c",  # [1]
        "a.eyJpc3MiOiJ4In0.c",  # {"iss":"x"}: no sub
        "a.eyJzdWIiOjV9.c",  # {"sub":5}
        "a.eyJzdWIiOiIifQ.c",  # {"sub":""}
    ],
)
def test_an_unreadable_id_token_names_no_account(id_token: str) -> None:
    assert account_id_from_id_token(id_token) is None


async def test_the_three_simulated_volvos(sim: Sim, client: VolvoClient) -> None:
    """VINs, then model, year and picture of each, as the simulator has them."""
    assert await client.async_get_vehicle_ids() == list(VINS)
    garage = {car.vin: car for car in default_volvo_vehicles(SIMULATOR_START)}
    for vin in VINS:
        car = await sim.car(vin)
        vehicle = await client.async_get_vehicle(vin)
        assert (vehicle.id, vehicle.make, vehicle.vin) == (vin, "Volvo", vin)
        assert (vehicle.model, vehicle.year) == (car["model"], car["year"])
        profile = garage[vin].volvo
        assert profile is not None
        assert vehicle.image_url == profile.exterior_image_url
    assert [v.model for v in [await client.async_get_vehicle(vin) for vin in VINS]] == [
        "EX30",
        "XC60",
        "V60",
    ]


async def test_permissions_are_the_granted_scopes(sim: Sim) -> None:
    """Volvo ID grants scopes for the account: every car has the same."""
    narrow = tuple(scope for scope in SCOPES if scope != "location:read")
    client = sim.client(await sim.sign_in(narrow))
    for vin in VINS:
        assert await client.async_get_permissions(vin) == set(narrow)


@pytest.mark.parametrize("vin", VINS)
async def test_commands_the_car_lists_and_the_grant_allows(client: VolvoClient, vin: str) -> None:
    garage = {car.vin: car for car in default_volvo_vehicles(SIMULATOR_START)}
    listed = {
        command
        for command, (_, path) in COMMANDS.items()
        if f"POST /commands/{path}" in garage[vin].capabilities
    }
    assert await client.async_get_commands(vin, set(SCOPES)) == listed
    without_engine = set(SCOPES) - {"conve:engine_start_stop"}
    assert await client.async_get_commands(vin, without_engine) == listed - {
        Command.START_ENGINE,
        Command.STOP_ENGINE,
    }


async def test_the_commands_of_each_car(client: VolvoClient) -> None:
    basic = {Command.LOCK, Command.UNLOCK, Command.FLASH, Command.HONK}
    climate = {Command.START_CLIMATE, Command.STOP_CLIMATE}
    engine = {Command.START_ENGINE, Command.STOP_ENGINE}
    assert await client.async_get_commands(EX30_VIN, set(SCOPES)) == basic | climate
    assert await client.async_get_commands(XC60_VIN, set(SCOPES)) == basic | climate | engine
    assert await client.async_get_commands(V60_VIN, set(SCOPES)) == basic | climate | engine


async def test_a_grant_without_command_scopes_lists_none_without_asking(
    sim: Sim, client: VolvoClient
) -> None:
    await sim.control("DELETE", "/stats")
    assert await client.async_get_commands(XC60_VIN, {"openid", "conve:odometer_status"}) == set()
    assert await sim.calls(XC60_VIN) == {}


# Reads.


def _expected(car: Any) -> tuple[dict[Feature, Reading], set[Feature]]:
    """What each feature should read, from the simulator's state of the car; and what it lacks."""
    vin, state = car["vin"], car["state"]
    volvo, battery, charge, fuel = state["volvo"], state["battery"], state["charge"], state["fuel"]
    garage = next(c for c in default_volvo_vehicles(SIMULATOR_START) if c.vin == vin)
    profile = garage.volvo
    assert profile is not None

    def opening(openings: dict[str, str], name: str) -> bool | None:
        return {"OPEN": True, "CLOSED": False}.get(openings.get(name, ""))

    def warning(name: str) -> bool | None:
        return None if name not in volvo["warnings"] else volvo["warnings"][name] != "NO_WARNING"

    def tyre(wheel: str) -> bool:
        nominal = profile.nominal_tyre_kpa
        return not nominal * 0.9 <= state["tires"][wheel] <= nominal * 1.2

    readings: dict[Feature, Reading] = {
        Feature.SECURITY: Security(
            locked=state["locked"],
            doors_open="OPEN" in state["doors"].values(),
            windows_open="OPEN" in state["windows"].values(),
            trunk_open=opening(state["storage"], "tailgate"),
            charging_port_open=None,
            hood_open=opening(state["storage"], "hood"),
            sunroof_open=opening(state["sunroof"], "sunroof"),
        ),
        Feature.ODOMETER: Odometer(distance=round(state["odometer"])),
        Feature.LOCATION: Location(
            latitude=state["location"]["latitude"],
            longitude=state["location"]["longitude"],
            heading=volvo["heading"],
        ),
        Feature.ENGINE: Engine(running=volvo["engine_running"]),
        Feature.TIRE_WARNINGS: TireWarnings(
            front_left=tyre("frontLeft"),
            front_right=tyre("frontRight"),
            rear_left=tyre("backLeft"),
            rear_right=tyre("backRight"),
        ),
        Feature.WARNINGS: Warnings(
            service_due=warning("serviceWarning"),
            washer_fluid_low=warning("washerFluidLevelWarning"),
            bulb_failure=any(warning(name) for name in LIGHT_WARNINGS),
            brake_fluid_low=warning("brakeFluidLevelWarning"),
            oil_level_low=warning("oilLevelWarning"),
            coolant_level_low=warning("engineCoolantLevelWarning"),
        ),
    }
    missing: set[Feature] = set()
    if fuel is None:
        missing.add(Feature.FUEL)
    else:
        readings[Feature.FUEL] = Fuel(
            level=None, range=round(fuel["range"]), amount=round(fuel["amount"], 1)
        )
    if battery is None:
        missing |= {Feature.BATTERY, Feature.CHARGE, Feature.CHARGE_LIMIT}
    else:
        model = garage.state.battery
        assert model is not None
        charging = charge["state"] == "CHARGING"
        missing_kwh = (charge["limit"] - battery["percent"]) * model.capacity_kwh
        readings[Feature.BATTERY] = Battery(
            level=round(battery["percent"] * 100, 1), range=round(battery["range"])
        )
        readings[Feature.CHARGE] = Charge(
            plugged_in=charge["plugged_in"],
            state=ChargingState(charge["state"].lower()),
            power=(model.charge_power_kw if charging else 0)
            if "chargingPower" in profile.energy_resources
            else None,
            minutes_to_full=round(missing_kwh / model.charge_power_kw * 60) if charging else 0,
            type=(ChargingType.AC if charging else ChargingType.NONE)
            if "chargingType" in profile.energy_resources
            else None,
        )
        readings[Feature.CHARGE_LIMIT] = ChargeLimit(limit=round(charge["limit"] * 100))
    return readings, missing


@pytest.mark.parametrize("vin", VINS)
async def test_every_feature_reads_what_the_simulator_says(
    sim: Sim, client: VolvoClient, vin: str
) -> None:
    """Every reading equals the car's simulated state, stamped with its time; what the car lacks
    (energy on the V60, fuel on the EX30) is UNSUPPORTED in the snapshot."""
    car = await sim.car(vin)
    readings, missing = _expected(car)
    snapshot = await client.async_read(vin, FEATURES)
    assert snapshot.readings == readings
    assert set(snapshot.errors) == missing
    assert all(snapshot.errors[f].kind is ErrorKind.UNSUPPORTED for f in missing)
    recorded = datetime.fromisoformat(car["state"]["updated_at"])
    assert snapshot.recorded_at == dict.fromkeys(readings, recorded)


async def test_a_missing_endpoint_is_its_404_or_no_data(client: VolvoClient) -> None:
    """The V60 has no Energy API (404, kept); the EX30's /fuel has no fuel (nothing to read)."""
    v60 = await client.async_read(V60_VIN, [Feature.BATTERY])
    error = _error(v60, Feature.BATTERY)
    assert (error.type, error.details.status) == ("Not Found", 404)
    assert error.details.description == "The requested resource is not supported by this vehicle."
    ex30 = await client.async_read(EX30_VIN, [Feature.FUEL])
    error = _error(ex30, Feature.FUEL)
    assert (error.kind, error.type, error.details.status) == (
        ErrorKind.UNSUPPORTED,
        "NO_DATA",
        None,
    )


async def test_the_state_the_simulator_changes_reads_back(sim: Sim, client: VolvoClient) -> None:
    """Opened doors, windows, hood and sunroof, a raised warning, a moved car and a sleeping one."""
    await sim.control(
        "PATCH",
        f"/vehicles/{XC60_VIN}",
        {
            "doors": {"backLeft": "OPEN"},
            "windows": {"frontRight": "OPEN"},
            "storage": {"hood": "OPEN", "tailgate": "OPEN"},
            "sunroof": {"sunroof": "OPEN"},
            "location": {"latitude": 59.33, "longitude": 18.07},
            "volvo": {"heading": 12, "warnings": {"brakeFluidLevelWarning": "TOO_LOW"}},
            "charge": {"state": "CHARGING"},
        },
    )
    car = await sim.car(XC60_VIN)
    readings, _ = _expected(car)
    snapshot = await client.async_read(XC60_VIN, FEATURES)
    assert snapshot.readings == readings
    assert snapshot.readings[Feature.SECURITY] == Security(
        locked=False,
        doors_open=True,
        windows_open=True,
        trunk_open=True,
        charging_port_open=None,
        hood_open=True,
        sunroof_open=True,
    )
    assert snapshot.readings[Feature.LOCATION] == Location(59.33, 18.07, heading=12)
    warnings = snapshot.readings[Feature.WARNINGS]
    assert isinstance(warnings, Warnings)
    assert warnings.brake_fluid_low is True
    charge = snapshot.readings[Feature.CHARGE]
    assert isinstance(charge, Charge)
    assert (charge.state, charge.power) == (ChargingState.CHARGING, None)


async def test_nothing_to_read_sends_nothing(sim: Sim, client: VolvoClient) -> None:
    await sim.control("DELETE", "/stats")
    assert await client.async_read(XC60_VIN, []) == Snapshot()
    assert await sim.calls(XC60_VIN) == {}


async def test_a_feature_volvo_does_not_have_is_unsupported_without_a_request(
    sim: Sim, client: VolvoClient
) -> None:
    await sim.control("DELETE", "/stats")
    snapshot = await client.async_read(XC60_VIN, [Feature.TIRES, Feature.ENGINE_OIL])
    assert {f: e.kind for f, e in snapshot.errors.items()} == {
        Feature.TIRES: ErrorKind.UNSUPPORTED,
        Feature.ENGINE_OIL: ErrorKind.UNSUPPORTED,
    }
    assert await sim.calls(XC60_VIN) == {}


async def test_a_read_calls_each_endpoint_once(sim: Sim, client: VolvoClient) -> None:
    """Features sharing an endpoint (the three of Energy) cost one request together."""
    await sim.control("DELETE", "/stats")
    await client.async_read(XC60_VIN, [*FEATURES, Feature.BATTERY])
    assert await sim.calls(XC60_VIN) == dict.fromkeys(STATS_PATHS.values(), 1)
    await sim.control("DELETE", "/stats")
    await client.async_read(XC60_VIN, [Feature.BATTERY, Feature.CHARGE, Feature.CHARGE_LIMIT])
    assert await sim.calls(XC60_VIN) == {"/energy/state": 1}


@pytest.mark.parametrize("feature", FEATURES)
async def test_requests_per_read_is_what_one_feature_costs(
    sim: Sim, client: VolvoClient, feature: Feature
) -> None:
    await sim.control("DELETE", "/stats")
    await client.async_read(XC60_VIN, [feature])
    calls = await sim.calls(XC60_VIN)
    assert sum(calls.values()) == REQUESTS_PER_READ[feature]
    assert set(calls) == {STATS_PATHS[endpoint] for endpoint in FEATURE_ENDPOINTS[feature]}


# Commands.


@pytest.mark.parametrize(
    ("command", "before", "after"),
    [
        (Command.LOCK, {"locked": False}, {"locked": True}),
        (Command.UNLOCK, {"locked": True}, {"locked": False}),
        (Command.START_ENGINE, {"volvo": {"engine_running": False}}, {"engine_running": True}),
        (Command.STOP_ENGINE, {"volvo": {"engine_running": True}}, {"engine_running": False}),
        (Command.START_CLIMATE, {"volvo": {"climatizing": False}}, {"climatizing": True}),
        (Command.STOP_CLIMATE, {"volvo": {"climatizing": True}}, {"climatizing": False}),
        (Command.FLASH, {}, {}),
        (Command.HONK, {}, {}),
    ],
)
async def test_each_command_reaches_the_car(
    sim: Sim,
    client: VolvoClient,
    command: Command,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """The XC60 lists every command: each one changes the simulated car as it should."""
    await sim.control("PATCH", f"/vehicles/{XC60_VIN}", before)
    await client.async_command(XC60_VIN, command)
    state = (await sim.car(XC60_VIN))["state"]
    for key, value in after.items():
        assert (state if key == "locked" else state["volvo"])[key] == value


async def test_a_remote_start_runs_fifteen_minutes(sim: Sim, client: VolvoClient) -> None:
    await client.async_command(V60_VIN, Command.START_ENGINE)
    snapshot = await client.async_read(V60_VIN, [Feature.ENGINE])
    assert snapshot.readings[Feature.ENGINE] == Engine(running=True)
    stops_at = (await sim.car(V60_VIN))["state"]["volvo"]["engine_stops_at"]
    started = datetime.fromtimestamp(SIMULATOR_START, UTC)
    assert datetime.fromisoformat(stops_at) == started + timedelta(minutes=15)


async def test_a_command_the_car_lacks_is_unsupported(client: VolvoClient) -> None:
    """The EX30 has no remote start: Volvo's 404 (which the library hides) is UNSUPPORTED."""
    with pytest.raises(ProviderError) as raised:
        await client.async_command(EX30_VIN, Command.START_ENGINE)
    assert raised.value.kind is ErrorKind.UNSUPPORTED
    assert (raised.value.type, raised.value.details.status) == ("Not Found", 404)
    assert raised.value.details.description == (
        "The requested command is not supported by this vehicle."
    )


async def test_a_command_volvo_does_not_have_is_unsupported_without_a_request(
    sim: Sim, client: VolvoClient
) -> None:
    await sim.control("DELETE", "/stats")
    for command in set(Command) - set(COMMANDS):
        with pytest.raises(ProviderError) as raised:
            await client.async_command(XC60_VIN, command)
        assert (raised.value.kind, raised.value.code) == (ErrorKind.UNSUPPORTED, str(command))
    assert await sim.calls(XC60_VIN) == {}


SUCCESSES = {"COMPLETED", "SUCCESS", "DELIVERED", "SENT", "RUNNING", "WAITING"}
ASLEEP = {"VEHICLE_IN_SLEEP", "VEHICLE_IN_SLEEP_MODE", "CAR_IN_SLEEP_MODE"}
UNREACHABLE = {
    "TIMEOUT",
    "CONNECTION_FAILURE",
    "DELIVERY_TIMEOUT",
    "CAR_TIMEOUT",
    "CAR_ERROR",
    "VEHICLE_REQUEST_TIMEOUT",
    "VEHICLE_RESPONSE_TIMEOUT",
    "VEHICLE_RESPONSE_ERROR",
}
REFUSALS: dict[str, tuple[ErrorKind, str | None]] = {
    "UNABLE_TO_LOCK_DOOR_OPEN": (ErrorKind.REFUSED, "door_open"),
    "NOT_ALLOWED_PRIVACY_ENABLED": (ErrorKind.REFUSED, "remote_access_disabled"),
    "PRIVACY_POLICY_ENABLED": (ErrorKind.REFUSED, "remote_access_disabled"),
    "NOT_SUPPORTED": (ErrorKind.UNSUPPORTED, None),
    **dict.fromkeys(
        (
            "UNLOCK_TIME_FRAME_PASSED",
            "REJECTED",
            "NOT_ALLOWED_WRONG_USAGE_MODE",
            "INVOCATION_SPECIFIC_ERROR",
            "EXPIRED",
            "UNKNOWN",
        ),
        (ErrorKind.REFUSED, None),
    ),
    **dict.fromkeys(ASLEEP, (ErrorKind.UNREACHABLE, "asleep")),
    **dict.fromkeys(UNREACHABLE, (ErrorKind.UNREACHABLE, "unreachable")),
}


def test_every_invoke_status_volvo_documents_is_in_the_table() -> None:
    assert set(INVOKE_STATUSES) == set(SIMULATED_INVOKE_STATUSES) == SUCCESSES | set(REFUSALS)


@pytest.mark.parametrize("status", sorted(SIMULATED_INVOKE_STATUSES))
async def test_every_invoke_status(sim: Sim, client: VolvoClient, status: str) -> None:
    """A forced invoke status: success, or a ProviderError of the table's kind and reason."""
    forced = {"status": status, "vehicle_id": XC60_VIN, "command": "flash"}
    await sim.control("POST", "/volvo/invoke-status", forced)
    if status in SUCCESSES:
        await client.async_command(XC60_VIN, Command.FLASH)
        return
    with pytest.raises(ProviderError) as raised:
        await client.async_command(XC60_VIN, Command.FLASH)
    details = raised.value.details
    assert (details.kind, details.reason) == REFUSALS[status]
    assert (details.type, details.code, details.status) == ("INVOKE_STATUS", status, 200)
    assert details.description == SIMULATED_INVOKE_STATUSES[status]


@pytest.mark.parametrize(
    ("patch", "command", "kind", "reason"),
    [
        ({"doors": {"frontLeft": "OPEN"}}, Command.LOCK, ErrorKind.REFUSED, "door_open"),
        ({"asleep": True}, Command.UNLOCK, ErrorKind.UNREACHABLE, "asleep"),
        ({"moving": True}, Command.UNLOCK, ErrorKind.REFUSED, None),
    ],
)
async def test_the_car_refuses(
    sim: Sim,
    client: VolvoClient,
    patch: dict[str, Any],
    command: Command,
    kind: ErrorKind,
    reason: str | None,
) -> None:
    await sim.control(
        "PATCH", f"/vehicles/{V60_VIN}", patch | {"locked": command is Command.UNLOCK}
    )
    with pytest.raises(ProviderError) as raised:
        await client.async_command(V60_VIN, command)
    assert (raised.value.kind, raised.value.details.reason) == (kind, reason)


# Errors Volvo answers with.

READ_KINDS: dict[tuple[str, str | None], ErrorKind] = {
    ("BAD_REQUEST", None): ErrorKind.TRANSIENT,
    ("UNAUTHORIZED", None): ErrorKind.AUTHENTICATION,
    ("UNAUTHORIZED", "API_KEY"): ErrorKind.AUTHENTICATION,
    ("FORBIDDEN", "SCOPE"): ErrorKind.PERMISSION,
    ("FORBIDDEN", "QUOTA"): ErrorKind.QUOTA_EXHAUSTED,
    ("NOT_FOUND", None): ErrorKind.UNSUPPORTED,
    ("NOT_FOUND", "VEHICLE"): ErrorKind.UNSUPPORTED,
    ("NOT_FOUND", "RESOURCE"): ErrorKind.UNSUPPORTED,
    ("NOT_FOUND", "COMMAND"): ErrorKind.UNSUPPORTED,
    ("METHOD_NOT_ALLOWED", None): ErrorKind.TRANSIENT,
    ("NOT_ACCEPTABLE", None): ErrorKind.TRANSIENT,
    ("CONFLICT", None): ErrorKind.TRANSIENT,
    ("UNSUPPORTED_MEDIA_TYPE", None): ErrorKind.TRANSIENT,
    ("UNPROCESSABLE_ENTITY", None): ErrorKind.TRANSIENT,
    ("TOO_MANY_REQUESTS", None): ErrorKind.RATE_LIMITED,
    ("INTERNAL_SERVER_ERROR", None): ErrorKind.TRANSIENT,
    ("BAD_GATEWAY", None): ErrorKind.TRANSIENT,
    ("SERVICE_UNAVAILABLE", None): ErrorKind.TRANSIENT,
    ("GATEWAY_TIMEOUT", None): ErrorKind.TRANSIENT,
}


def test_every_error_of_the_catalogue_has_a_kind() -> None:
    assert set(READ_KINDS) == set(CATALOGUE)


@pytest.mark.parametrize(("error_type", "code"), list(READ_KINDS))
async def test_every_error_status_of_a_read(
    sim: Sim, client: VolvoClient, error_type: str, code: str | None
) -> None:
    """An injected error fails only the feature of its endpoint, with Volvo's words kept."""
    await sim.fault(error_type, code, path="/odometer", vehicle_id=EX30_VIN, times=1)
    snapshot = await client.async_read(EX30_VIN, [Feature.ODOMETER, Feature.ENGINE])
    assert Feature.ENGINE in snapshot.readings
    details = _error(snapshot, Feature.ODOMETER).details
    spec = CATALOGUE[error_type, code]
    replenished = str(timedelta(seconds=SECONDS_TO_MIDNIGHT)).zfill(8)
    description = spec.description.format(scope="conve:odometer_status", replenished_in=replenished)
    assert (details.provider, details.kind, details.status) == (
        "volvo",
        READ_KINDS[error_type, code],
        spec.status,
    )
    assert (details.type, details.description) == (spec.message, description)
    quota = code == "QUOTA"
    assert details.code == ("QUOTA" if quota else None)
    retry_after = {429: DEFAULT_RETRY_AFTER}.get(
        spec.status, SECONDS_TO_MIDNIGHT if quota else None
    )
    assert details.retry_after == retry_after
    assert details.request_id  # Volvo's vcc-api-operationId


@pytest.mark.parametrize(
    ("error_type", "code", "kind", "status"),
    [
        ("CONFLICT", None, ErrorKind.REFUSED, 409),
        ("NOT_FOUND", "COMMAND", ErrorKind.UNSUPPORTED, 404),
        ("FORBIDDEN", "SCOPE", ErrorKind.PERMISSION, 403),
        ("FORBIDDEN", "QUOTA", ErrorKind.QUOTA_EXHAUSTED, 403),
        ("UNAUTHORIZED", None, ErrorKind.AUTHENTICATION, 401),
        ("BAD_REQUEST", None, ErrorKind.TRANSIENT, 400),
        ("TOO_MANY_REQUESTS", None, ErrorKind.RATE_LIMITED, 429),
        ("SERVICE_UNAVAILABLE", None, ErrorKind.TRANSIENT, 503),
    ],
)
async def test_error_statuses_of_a_command(
    sim: Sim, client: VolvoClient, error_type: str, code: str | None, kind: ErrorKind, status: int
) -> None:
    await sim.fault(error_type, code, path="/commands/flash", times=1)
    with pytest.raises(ProviderError) as raised:
        await client.async_command(XC60_VIN, Command.FLASH)
    assert (raised.value.kind, raised.value.details.status) == (kind, status)
    assert raised.value.type == CATALOGUE[error_type, code].message


async def test_a_422_on_a_command_is_refused_as_invoke_status_unknown(
    sim: Sim, client: VolvoClient
) -> None:
    """The library turns a command's 422 into invoke status UNKNOWN: refused, no reason."""
    await sim.fault("UNPROCESSABLE_ENTITY", path="/commands/unlock", times=1)
    with pytest.raises(ProviderError) as raised:
        await client.async_command(V60_VIN, Command.UNLOCK)
    details = raised.value.details
    assert (details.kind, details.type, details.code) == (
        ErrorKind.REFUSED,
        "INVOKE_STATUS",
        "UNKNOWN",
    )
    assert (details.status, details.reason, details.description) == (422, None, None)
    assert (await sim.car(V60_VIN))["state"]["locked"] is True


@pytest.mark.parametrize(
    ("error_type", "code", "kind"),
    [
        ("INTERNAL_SERVER_ERROR", None, ErrorKind.TRANSIENT),
        ("UNAUTHORIZED", None, ErrorKind.AUTHENTICATION),
        ("TOO_MANY_REQUESTS", None, ErrorKind.RATE_LIMITED),
    ],
)
async def test_errors_of_the_account_and_car_calls_are_raised(
    sim: Sim, client: VolvoClient, error_type: str, code: str | None, kind: ErrorKind
) -> None:
    await sim.fault(error_type, code, path="/vehicles", times=1)
    with pytest.raises(ProviderError) as raised:
        await client.async_get_vehicle_ids()
    assert raised.value.kind is kind
    await sim.fault(error_type, code, path="/", times=1)
    with pytest.raises(ProviderError) as raised:
        await client.async_get_vehicle(XC60_VIN)
    assert raised.value.kind is kind
    await sim.fault(error_type, code, path="/commands", times=1)
    with pytest.raises(ProviderError) as raised:
        await client.async_get_commands(XC60_VIN, set(SCOPES))
    assert raised.value.kind is kind


async def test_a_spent_quota_is_not_a_missing_scope(sim: Sim, client: VolvoClient) -> None:
    """Volvo's quota 403 waits until the quota renews; a scope 403 is a permission to grant."""
    await sim.control("POST", "/volvo/quota", {"used": 10_000})
    snapshot = await client.async_read(XC60_VIN, FEATURES)
    assert not snapshot.readings
    for error in snapshot.errors.values():
        assert (error.kind, error.code, error.details.status) == (
            ErrorKind.QUOTA_EXHAUSTED,
            "QUOTA",
            403,
        )
        assert error.details.retry_after == SECONDS_TO_MIDNIGHT
    with pytest.raises(ProviderError) as raised:
        await client.async_get_vehicle_ids()
    assert raised.value.kind is ErrorKind.QUOTA_EXHAUSTED
    await sim.control("POST", "/volvo/quota", {"used": 0})

    narrow = tuple(scope for scope in SCOPES if scope != "conve:odometer_status")
    snapshot = await sim.client(await sim.sign_in(narrow)).async_read(
        XC60_VIN, [Feature.ODOMETER, Feature.LOCATION]
    )
    error = _error(snapshot, Feature.ODOMETER)
    assert (error.kind, error.code, error.details.retry_after) == (ErrorKind.PERMISSION, None, None)
    assert error.details.description == (
        "The access token is missing a required scope: conve:odometer_status."
    )
    assert Feature.LOCATION in snapshot.readings


async def test_an_expired_token_or_a_wrong_api_key_is_authentication(sim: Sim, tokens: Any) -> None:
    with pytest.raises(ProviderError) as raised:
        await sim.client(tokens, api_key="not-the-key").async_get_vehicle_ids()
    assert raised.value.kind is ErrorKind.AUTHENTICATION
    assert (raised.value.details.description or "").startswith(
        "Access denied due to a missing or invalid vcc-api-key."
    )
    await sim.control("POST", "/clock", {"advance": 1801})
    snapshot = await sim.client(tokens).async_read(XC60_VIN, FEATURES)
    assert {e.kind for e in snapshot.errors.values()} == {ErrorKind.AUTHENTICATION}
    assert set(snapshot.errors) == set(FEATURES)


@pytest.mark.parametrize("vin", [UNKNOWN_VIN, V60_VIN])
async def test_a_car_not_on_the_account_is_404(sim: Sim, vin: str) -> None:
    """An unknown VIN, or a car the user did not share: every call answers 404 (unsupported)."""
    client = sim.client(await sim.sign_in(approve=EX30_VIN))
    snapshot = await client.async_read(vin, FEATURES)
    assert set(snapshot.errors) == set(FEATURES)
    for error in snapshot.errors.values():
        assert (error.kind, error.details.status) == (ErrorKind.UNSUPPORTED, 404)
    with pytest.raises(ProviderError) as raised:
        await client.async_get_vehicle(vin)
    assert (raised.value.kind, raised.value.details.status) == (ErrorKind.UNSUPPORTED, 404)
    assert await client.async_get_commands(vin, set(SCOPES)) == set()
    with pytest.raises(ProviderError) as raised:
        await client.async_command(vin, Command.LOCK)
    assert (raised.value.kind, raised.value.details.status) == (ErrorKind.UNSUPPORTED, 404)


async def test_too_many_requests_says_when_to_retry(sim: Sim, client: VolvoClient) -> None:
    await sim.fault("TOO_MANY_REQUESTS", retry_after=17, times=1)
    with pytest.raises(ProviderError) as raised:
        await client.async_get_vehicle_ids()
    assert (raised.value.kind, raised.value.details.retry_after) == (ErrorKind.RATE_LIMITED, 17)


async def test_timeouts_are_communication_errors(sim: Sim, tokens: Any) -> None:
    """A hanging endpoint fails its feature; when every endpoint hangs, the read fails."""
    client = sim.client(tokens, timeout=0.3)
    await sim.fault("TIMEOUT", path="/odometer", delay=10)
    snapshot = await client.async_read(XC60_VIN, [Feature.ODOMETER, Feature.ENGINE])
    assert Feature.ENGINE in snapshot.readings
    error = _error(snapshot, Feature.ODOMETER)
    assert (error.kind, error.type) == (ErrorKind.TRANSIENT, "COMMUNICATION")
    with pytest.raises(CommunicationError):
        await client.async_read(XC60_VIN, [Feature.ODOMETER])
    await sim.fault("TIMEOUT", delay=10)
    with pytest.raises(CommunicationError):
        await client.async_get_vehicle_ids()
    with pytest.raises(CommunicationError):
        await client.async_command(XC60_VIN, Command.FLASH)


@pytest.mark.parametrize(
    ("path", "call"),
    [
        ("/vehicles", lambda c: c.async_get_vehicle_ids()),
        ("/", lambda c: c.async_get_vehicle(XC60_VIN)),
        ("/commands", lambda c: c.async_get_commands(XC60_VIN, set(SCOPES))),
        ("/commands/flash", lambda c: c.async_command(XC60_VIN, Command.FLASH)),
        ("/odometer", lambda c: c.async_read(XC60_VIN, [Feature.ODOMETER])),
    ],
)
async def test_broken_json_is_a_communication_error(
    sim: Sim, client: VolvoClient, path: str, call: Callable[[VolvoClient], Awaitable[Any]]
) -> None:
    await sim.fault("MALFORMED", path=path, times=1)
    with pytest.raises(CommunicationError):
        await call(client)


async def test_broken_json_fails_only_its_feature(sim: Sim, client: VolvoClient) -> None:
    await sim.fault("MALFORMED", path="/windows", times=1)
    snapshot = await client.async_read(XC60_VIN, [Feature.SECURITY, Feature.ODOMETER])
    assert _error(snapshot, Feature.SECURITY).type == "COMMUNICATION"
    assert Feature.ODOMETER in snapshot.readings


# The origin, and the token callable.


def test_origins() -> None:
    volvo = VolvoOrigins()
    assert (volvo.api, volvo.auth) == (VOLVO_API_ORIGIN, "https://volvoid.eu.volvocars.com")
    assert volvo.authorize_url == "https://volvoid.eu.volvocars.com/as/authorization.oauth2"
    assert volvo.token_url == "https://volvoid.eu.volvocars.com/as/token.oauth2"
    simulated = VolvoOrigins.simulator("http://127.0.0.1:8000/")
    assert (simulated.api, simulated.auth) == (
        "http://127.0.0.1:8000/volvo/api",
        "http://127.0.0.1:8000/volvo/id",
    )


async def test_the_library_reaches_the_origin_it_is_given(
    sim: Sim, client: VolvoClient, tokens: Any
) -> None:
    """The session handed to the library retargets Volvo's origin, and leaves others alone."""
    headers = {"Authorization": f"Bearer {tokens['access_token']}", "vcc-api-key": API_KEY}
    library_session = client._session
    for url in (
        f"{VOLVO_API_ORIGIN}/connected-vehicle/v2/vehicles",
        f"{sim.url}/volvo/api/connected-vehicle/v2/vehicles",
    ):
        async with library_session.get(url, headers=headers) as response:
            assert response.status == 200
            assert await response.json() == {"data": [{"vin": vin} for vin in VINS]}


class TokenRefusedError(ClientResponseError):
    """Like Home Assistant's OAuth2TokenRequestReauthError: an aiohttp error the library would wrap."""


async def test_the_token_callables_errors_reach_the_caller_unchanged(sim: Sim) -> None:
    refused = TokenRefusedError(None, (), status=400, message="invalid_grant")  # type: ignore[arg-type]

    async def access_token() -> str:
        raise refused

    client = VolvoClient(sim.session, access_token, API_KEY, origins=sim.origins)
    calls: list[Callable[[], Awaitable[Any]]] = [
        client.async_get_vehicle_ids,
        lambda: client.async_read(XC60_VIN, FEATURES),
        lambda: client.async_command(XC60_VIN, Command.LOCK),
    ]
    for call in calls:
        with pytest.raises(TokenRefusedError) as raised:
            await call()
        assert raised.value is refused


# Answers the simulator never gives, from a fake server.

CV = f"/volvo/api/connected-vehicle/v2/vehicles/{XC60_VIN}"
ENERGY = f"/volvo/api/energy/v2/vehicles/{XC60_VIN}/state"
LOCATION = f"/volvo/api/location/v1/vehicles/{XC60_VIN}/location"
AT = "2026-11-18T10:00:00.000Z"


@dataclass
class Reply:
    """How the fake server answers a path: status, JSON (or text) body and headers."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] | None = None
    text: str | None = None
    raw: bytes | None = None  # as JSON, whatever the bytes


@pytest.fixture
async def fake(socket_enabled: None) -> AsyncIterator[tuple[dict[str, Reply], VolvoClient]]:
    """A server answering each path as the dict says (404 `{}` otherwise), and a client of it."""
    replies: dict[str, Reply] = {}

    async def handler(request: web.Request) -> web.Response:
        reply = replies.get(request.path, Reply({}, 404))
        if reply.raw is not None:
            return web.Response(
                body=reply.raw, status=reply.status, content_type="application/json"
            )
        if reply.text is not None:
            return web.Response(text=reply.text, status=reply.status, headers=reply.headers)
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    async with ClientSession() as session:
        origins = VolvoOrigins.simulator(f"http://127.0.0.1:{server.port}")
        yield replies, VolvoClient(session, _token("token"), API_KEY, origins=origins)
    await server.close()


@pytest.mark.parametrize(
    "body",
    [[], {"data": "x"}, {"data": [{}]}, {"data": [{"vin": 5}]}, {"data": [["vin"]]}],
)
async def test_an_odd_vehicle_list_is_a_communication_error(
    fake: tuple[dict[str, Reply], VolvoClient], body: Any
) -> None:
    replies, client = fake
    replies["/volvo/api/connected-vehicle/v2/vehicles"] = Reply(body)
    with pytest.raises(CommunicationError):
        await client.async_get_vehicle_ids()


DETAILS = {
    "vin": XC60_VIN,
    "modelYear": 2024,
    "gearbox": "AUTOMATIC",
    "fuelType": "PETROL/ELECTRIC",
    "images": {"exteriorImageUrl": "https://x/e.png", "internalImageUrl": "https://x/i.jpg"},
    "descriptions": {"model": "XC60", "steering": "LEFT"},
}


async def test_odd_vehicle_details(fake: tuple[dict[str, Reply], VolvoClient]) -> None:
    """Empty details are no data; details lacking what the library needs are unreadable."""
    replies, client = fake
    replies[CV] = Reply({"data": DETAILS | {"modelYear": "2024"}})
    assert (await client.async_get_vehicle(XC60_VIN)).year == 2024
    replies[CV] = Reply({"data": {}})
    with pytest.raises(ProviderError) as raised:
        await client.async_get_vehicle(XC60_VIN)
    assert (raised.value.kind, raised.value.type) == (ErrorKind.UNSUPPORTED, "NO_DATA")
    for details in (
        {"vin": XC60_VIN},
        DETAILS | {"modelYear": "soon"},
        DETAILS | {"descriptions": "x"},
    ):
        replies[CV] = Reply({"data": details})
        with pytest.raises(CommunicationError):
            await client.async_get_vehicle(XC60_VIN)


async def test_odd_command_lists(fake: tuple[dict[str, Reply], VolvoClient]) -> None:
    replies, client = fake
    replies[f"{CV}/commands"] = Reply(
        {
            "data": [
                {"command": "LOCK", "href": "/lock"},
                {},
                {"command": "TELEPORT", "href": "/teleport"},
                {"command": 5, "href": "/unlock"},
                {"command": "HONK_AND_FLASH", "href": "/honk-flash"},
            ]
        }
    )
    assert await client.async_get_commands(XC60_VIN, set(SCOPES)) == {Command.LOCK}


def _field(value: Any, unit: str | None = None, at: str | None = AT) -> dict[str, Any]:
    return (
        {"value": value}
        | ({} if unit is None else {"unit": unit})
        | ({} if at is None else {"timestamp": at})
    )


async def test_odd_values_read_as_unknown(fake: tuple[dict[str, Reply], VolvoClient]) -> None:
    """Values of other types or words are None, units convert, naive times are no times."""
    replies, client = fake
    replies[f"{CV}/doors"] = Reply(
        {
            "data": {
                "centralLock": _field(3),
                "frontLeftDoor": _field("AJAR"),
                "frontRightDoor": _field("UNSPECIFIED"),
                "hood": _field({"open": True}),
                "tailgate": _field("CLOSED", at="2026-11-18T10:00:00"),
                "tankLid": {},
            }
        }
    )
    replies[f"{CV}/windows"] = Reply({"data": {"frontLeftWindow": _field("UNSPECIFIED")}})
    replies[f"{CV}/odometer"] = Reply(
        {"data": {"odometer": _field(1000, "mi", at="2026-11-18T12:00:00")}}
    )
    replies[f"{CV}/tyres"] = Reply(
        {
            "data": {
                "frontLeft": _field("LOW_PRESSURE"),
                "frontRight": _field(None),
                "rearLeft": _field("UNSPECIFIED"),
            }
        }
    )
    replies[f"{CV}/engine-status"] = Reply({"data": {"engineStatus": _field("UNSPECIFIED")}})
    replies[f"{CV}/warnings"] = Reply({"data": {"brakeLightLeftWarning": _field("UNSPECIFIED")}})
    replies[f"{CV}/diagnostics"] = Reply({"data": {"serviceWarning": _field("UNKNOWN_WARNING")}})
    replies[f"{CV}/brakes"] = Reply({"data": {"brakeFluidLevelWarning": _field(True)}})
    # A number in a string is no number (only the location's heading comes as one).
    replies[f"{CV}/fuel"] = Reply({"data": {"fuelAmount": _field("40", "l")}})
    replies[f"{CV}/statistics"] = Reply({"data": {"distanceToEmptyTank": _field(100, "miles")}})
    snapshot = await client.async_read(XC60_VIN, FEATURES)
    assert snapshot.readings[Feature.SECURITY] == Security(
        locked=None,
        doors_open=True,
        windows_open=None,
        trunk_open=False,
        charging_port_open=None,
        hood_open=None,
        sunroof_open=None,
    )
    # The tailgate's time has no zone: the newest of the others counts.
    assert snapshot.recorded_at[Feature.SECURITY] == datetime(2026, 11, 18, 10, tzinfo=UTC)
    assert snapshot.readings[Feature.ODOMETER] == Odometer(distance=1609.3)
    assert Feature.ODOMETER not in snapshot.recorded_at
    assert snapshot.readings[Feature.TIRE_WARNINGS] == TireWarnings(True, None, None, None)
    assert snapshot.recorded_at[Feature.TIRE_WARNINGS] == datetime(2026, 11, 18, 10, tzinfo=UTC)
    assert snapshot.readings[Feature.FUEL] == Fuel(level=None, range=160.9, amount=None)
    for feature in (Feature.ENGINE, Feature.WARNINGS, Feature.LOCATION, Feature.BATTERY):
        assert _error(snapshot, feature).kind is ErrorKind.UNSUPPORTED


def _energy(value: Any, unit: str | None = None, at: str = AT) -> dict[str, Any]:
    return (
        {"status": "OK", "value": value}
        | ({} if unit is None else {"unit": unit})
        | {"updatedAt": at}
    )


async def test_odd_energy_states(fake: tuple[dict[str, Reply], VolvoClient]) -> None:
    replies, client = fake
    replies[ENERGY] = Reply(
        {
            "batteryChargeLevel": {"status": "ERROR", "code": "NOT_SUPPORTED", "message": "no"},
            "electricRange": _energy("far", "km"),
            "chargerConnectionStatus": _energy("FAULT"),
            "chargingStatus": _energy("SCHEDULED", at="yesterday"),
            "chargingPower": _energy(7.4, "kW"),
            "estimatedChargingTimeToTargetBatteryChargeLevel": _energy(True, "minutes"),
            "targetBatteryChargeLevel": _energy(80.0, "percentage", at="2026-11-18T11:00:00+00:00"),
        }
    )
    snapshot = await client.async_read(
        XC60_VIN, [Feature.BATTERY, Feature.CHARGE, Feature.CHARGE_LIMIT]
    )
    assert _error(snapshot, Feature.BATTERY).type == "NO_DATA"
    assert snapshot.readings[Feature.CHARGE] == Charge(
        plugged_in=None, state=ChargingState.NOT_CHARGING, power=7.4, minutes_to_full=None
    )
    assert snapshot.recorded_at[Feature.CHARGE] == datetime(2026, 11, 18, 10, tzinfo=UTC)
    assert snapshot.readings[Feature.CHARGE_LIMIT] == ChargeLimit(80.0)
    assert snapshot.recorded_at[Feature.CHARGE_LIMIT] == datetime(2026, 11, 18, 11, tzinfo=UTC)
    replies[ENERGY] = Reply(
        {"chargingStatus": _energy("UNSPECIFIED"), "chargingPower": _energy(None)}
    )
    snapshot = await client.async_read(XC60_VIN, [Feature.CHARGE])
    assert _error(snapshot, Feature.CHARGE).type == "NO_DATA"
    replies[ENERGY] = Reply(
        {"chargingStatus": _energy("DONE"), "chargingPower": _energy(0, "watts")}
    )
    snapshot = await client.async_read(XC60_VIN, [Feature.CHARGE])
    assert snapshot.readings[Feature.CHARGE] == Charge(None, ChargingState.FULLY_CHARGED, power=0.0)


def _location(coordinates: Any, heading: Any = "90") -> dict[str, Any]:
    return {
        "data": {
            "type": "Feature",
            "properties": {"timestamp": AT, "heading": heading},
            "geometry": {"type": "Point", "coordinates": coordinates},
        }
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (_location([11.9, 57.7]), Location(57.7, 11.9, heading=90.0)),
        (_location([11.9, 57.7, 10.0], heading="north"), Location(57.7, 11.9)),
        (_location([11.9, 57.7], heading="400"), Location(57.7, 11.9)),
        (_location([11.9, 57.7], heading=90), Location(57.7, 11.9, heading=90.0)),
        (_location([11.9, 200]), None),
        (_location([-180.5, 57.7]), None),
        (_location("here"), None),
        (_location([11.9]), None),
        (_location(["east", 57.7]), None),
    ],
)
async def test_odd_locations(
    fake: tuple[dict[str, Reply], VolvoClient], body: Any, expected: Location | None
) -> None:
    replies, client = fake
    replies[LOCATION] = Reply(body)
    snapshot = await client.async_read(XC60_VIN, [Feature.LOCATION])
    if expected is None:
        assert _error(snapshot, Feature.LOCATION).type == "NO_DATA"
    else:
        assert snapshot.readings[Feature.LOCATION] == expected


@pytest.mark.parametrize(
    ("path", "feature", "body"),
    [
        # No heading: the library's model needs one.
        (
            LOCATION,
            Feature.LOCATION,
            {"data": {"type": "Feature", "properties": {"timestamp": AT}, "geometry": {}}},
        ),
        (f"{CV}/odometer", Feature.ODOMETER, {"data": {"odometer": 5}}),
        (f"{CV}/odometer", Feature.ODOMETER, {"data": {"odometer": _field(1, at="not a time")}}),
        (f"{CV}/odometer", Feature.ODOMETER, {"data": {"odometer": _field(["a", "list"])}}),
        (f"{CV}/odometer", Feature.ODOMETER, [1]),
    ],
)
async def test_a_body_the_library_cannot_parse_fails_the_read(
    fake: tuple[dict[str, Reply], VolvoClient], path: str, feature: Feature, body: Any
) -> None:
    """A field that is a number, a bad time, a list of words (the library's log redaction fails
    on it) or a list: the only endpoint read is unreadable, so the read fails."""
    replies, client = fake
    replies[path] = Reply(body)
    with pytest.raises(CommunicationError):
        await client.async_read(XC60_VIN, [feature])


@pytest.mark.parametrize(
    ("data", "outcome"),
    [
        ({"vin": XC60_VIN, "invokeStatus": "completed", "message": ""}, None),
        ({"vin": XC60_VIN, "invokeStatus": "TELEPORTED", "message": "?"}, ErrorKind.REFUSED),
        ({"vin": XC60_VIN, "invokeStatus": None, "message": ""}, CommunicationError),
        ({"vin": XC60_VIN, "invokeStatus": 3, "message": ""}, CommunicationError),
        # Volvo's own documented answer lacks vin and message, which the library needs.
        ({"command": "FLASH", "invokeStatus": "COMPLETED"}, CommunicationError),
    ],
)
async def test_odd_command_answers(
    fake: tuple[dict[str, Reply], VolvoClient], data: Any, outcome: Any
) -> None:
    replies, client = fake
    replies[f"{CV}/commands/flash"] = Reply({"data": data})
    if outcome is None:
        await client.async_command(XC60_VIN, Command.FLASH)
    elif outcome is CommunicationError:
        with pytest.raises(CommunicationError):
            await client.async_command(XC60_VIN, Command.FLASH)
    else:
        with pytest.raises(ProviderError) as raised:
            await client.async_command(XC60_VIN, Command.FLASH)
        assert (raised.value.kind, raised.value.code) == (outcome, "TELEPORTED")
        assert raised.value.details.description == "?"


@pytest.mark.parametrize(
    ("reply", "kind", "error_type", "retry_after"),
    [
        (
            Reply(text="<html>Bad gateway</html>", status=502),
            ErrorKind.TRANSIENT,
            "BAD_GATEWAY",
            None,
        ),
        (Reply(text="no", status=401), ErrorKind.AUTHENTICATION, "UNAUTHORIZED", None),
        (Reply({"error": "text"}, status=403), ErrorKind.PERMISSION, "FORBIDDEN", None),
        (Reply({"error": {"message": 5}}, status=409), ErrorKind.TRANSIENT, "CONFLICT", None),
        (Reply(["x"], status=499), ErrorKind.TRANSIENT, "HTTP_499", None),
        (
            Reply({}, status=429, headers={"Retry-After": "soon"}),
            ErrorKind.RATE_LIMITED,
            "TOO_MANY_REQUESTS",
            None,
        ),
        (
            Reply({}, status=503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 -0000"}),
            ErrorKind.TRANSIENT,
            "SERVICE_UNAVAILABLE",
            None,
        ),
        (
            Reply(
                {"error": {"message": "Forbidden", "description": "Out of call volume QUOTA."}},
                status=403,
                headers={"Retry-After": "3600"},
            ),
            ErrorKind.QUOTA_EXHAUSTED,
            "Forbidden",
            3600,
        ),
    ],
)
async def test_odd_error_answers(
    fake: tuple[dict[str, Reply], VolvoClient],
    reply: Reply,
    kind: ErrorKind,
    error_type: str,
    retry_after: int | None,
) -> None:
    """Bodies without Volvo's words keep the HTTP status name; Retry-After may be a date."""
    replies, client = fake
    replies["/volvo/api/connected-vehicle/v2/vehicles"] = reply
    with pytest.raises(ProviderError) as raised:
        await client.async_get_vehicle_ids()
    details = raised.value.details
    assert (details.kind, details.type, details.status) == (kind, error_type, reply.status)
    assert details.retry_after == retry_after


@pytest.mark.parametrize(("delta", "low", "high"), [(120, 115, 120), (-3600, 0, 0)])
async def test_retry_after_as_an_http_date(
    fake: tuple[dict[str, Reply], VolvoClient], delta: int, low: int, high: int
) -> None:
    replies, client = fake
    date = format_datetime(datetime.now(UTC) + timedelta(seconds=delta), usegmt=True)
    replies["/volvo/api/connected-vehicle/v2/vehicles"] = Reply(
        {}, status=429, headers={"Retry-After": date}
    )
    with pytest.raises(ProviderError) as raised:
        await client.async_get_vehicle_ids()
    assert raised.value.kind is ErrorKind.RATE_LIMITED
    assert low <= (raised.value.details.retry_after or 0) <= high


async def test_a_success_that_is_not_json_is_a_communication_error(
    fake: tuple[dict[str, Reply], VolvoClient],
) -> None:
    replies, client = fake
    replies["/volvo/api/connected-vehicle/v2/vehicles"] = Reply(text="<html>maintenance</html>")
    with pytest.raises(CommunicationError):
        await client.async_get_vehicle_ids()


@pytest.mark.parametrize(
    ("status", "raw", "error"),
    [
        (200, "<html>réessayez</html>".encode("latin-1"), CommunicationError),
        (200, b"[" * 100_000 + b"]" * 100_000, CommunicationError),
        (200, b'{"a":' * 100_000 + b"1" + b"}" * 100_000, CommunicationError),
        (503, b"[" * 100_000 + b"]" * 100_000, ProviderError),
        (503, "<html>réessayez</html>".encode("latin-1"), ProviderError),
    ],
)
async def test_what_the_library_cannot_parse_is_a_typed_error(
    fake: tuple[dict[str, Reply], VolvoClient], status: int, raw: bytes, error: type[Exception]
) -> None:
    """Latin-1 or nesting deeper than json parses, said to be JSON: UnicodeDecodeError and
    RecursionError inside the library come out as our errors (issue 15, item 4)."""
    replies, client = fake
    replies["/volvo/api/connected-vehicle/v2/vehicles"] = Reply(status=status, raw=raw)
    with pytest.raises(error) as raised:
        await client.async_get_vehicle_ids()
    if isinstance(raised.value, ProviderError):
        assert (raised.value.details.status, raised.value.type) == (status, "SERVICE_UNAVAILABLE")


async def test_a_model_year_out_of_range_is_unreadable(
    fake: tuple[dict[str, Reply], VolvoClient],
) -> None:
    replies, client = fake
    replies[CV] = Reply({"data": DETAILS | {"modelYear": 1e300}})
    with pytest.raises(CommunicationError):
        await client.async_get_vehicle(XC60_VIN)
    replies[CV] = Reply({"data": DETAILS | {"images": "none"}})
    assert (await client.async_get_vehicle(XC60_VIN)).image_url is None
