"""The High Mobility client against the simulator over loopback.

The simulator is the wire truth; a small fake server covers the answers it never gives (values out
of shape or range, bodies that are not JSON or not UTF-8, odd error bodies).
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import socket
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.connected_car.api.errors import (
    CommunicationError,
    ErrorDetails,
    ErrorKind,
    ProviderError,
)
from custom_components.connected_car.api.high_mobility import (
    CANCELABLE_BRANDS,
    CUSTOMER_NAME_TAG,
    ERROR_KINDS,
    FEATURE_PROPERTIES,
    SANDBOX_ORIGIN,
    VW_GROUP_BRANDS,
    Clearance,
    ClearanceChange,
    ClearanceRequest,
    ClearanceStatus,
    HighMobilityClient,
    error_kind,
    is_valid_vin,
    normalize_vin,
    simulator_origin,
)
from custom_components.connected_car.api.model import (
    Battery,
    Charge,
    ChargeLimit,
    ChargingState,
    Command,
    Feature,
    Fuel,
    Location,
    Odometer,
    Security,
    Snapshot,
    Tires,
    Vehicle,
)
from simulator.high_mobility.data import FAILURE_REASONS
from simulator.high_mobility.errors import CATALOGUE
from simulator.high_mobility.fleet import REASONS
from simulator.high_mobility.garage import BMW_I4_VIN, MERCEDES_C300_VIN, RENAULT_MEGANE_VIN
from tests.conftest import SIMULATOR_START, SimulatorClock

BMW, MERCEDES, RENAULT = BMW_I4_VIN, MERCEDES_C300_VIN, RENAULT_MEGANE_VIN
NO_CAR = "WBY71AW010FP99999"  # a VIN the simulator has no car for
VW = "WVWZZZE1ZPP012345"
CARS = [
    ClearanceRequest(BMW, "bmw"),
    ClearanceRequest(MERCEDES, "mercedes-benz"),
    ClearanceRequest(RENAULT, "renault"),
]
FEATURES = list(FEATURE_PROPERTIES)
SCOPES = {"fleet:clearance", "vehicle:eligibility-check", "vehicle:data"}
DATA = "/v1/vehicle-data/autoapi-13/{vin}"
APPROVAL_DELAY, DAY = 600, 86400


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class ClientClock:
    """The client's monotonic clock, moved with the simulator's."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Sim:
    """The simulator on loopback, its clock and control API, and clients of it."""

    session: ClientSession
    url: str
    clock: SimulatorClock
    client_clock: ClientClock

    def client(
        self,
        client_id: str = "sim-hm-client-id",
        client_secret: str = "sim-hm-client-secret",
        *,
        sandbox: bool = False,
        timeout: float = 30,
    ) -> HighMobilityClient:
        return HighMobilityClient(
            self.session,
            client_id,
            client_secret,
            origin=simulator_origin(self.url, sandbox=sandbox),
            request_timeout=timeout,
            clock=self.client_clock,
        )

    def advance(self, seconds: float) -> None:
        """Let time pass for the simulator and the client alike."""
        self.clock.now += seconds
        self.client_clock.now += seconds

    async def control(self, method: str, path: str, json: Any = None) -> Any:
        async with self.session.request(method, f"{self.url}/_simulator{path}", json=json) as r:
            assert r.status < 300, await r.text()
            return await r.json()

    async def fault(self, error_type: str, code: str | None = None, **fault: Any) -> None:
        body = {"provider": "high_mobility", "type": error_type, "code": code, "path": DATA}
        await self.control("POST", "/errors", body | fault)

    async def outcome(self, vin: str, outcome: str, **extra: Any) -> None:
        await self.control(
            "POST", "/high_mobility/outcomes", {"vin": vin, "outcome": outcome} | extra
        )

    async def failure(self, name: str, reason: str, **extra: Any) -> None:
        body = {"property": name, "reason": reason} | extra
        await self.control("POST", "/high_mobility/failures", body)

    async def tokens_issued(self, environment: str = "production") -> int:
        state = await self.control("GET", "/high_mobility")
        return int(state["environments"][environment]["tokens_issued"])

    async def requests(self) -> int:
        stats = await self.control("GET", "/stats?provider=high_mobility")
        return int(stats["totals"]["requests"])

    async def car(self, vin: str) -> Any:
        cars = await self.control("GET", "/vehicles?provider=high_mobility")
        return next(car for car in cars if car["vin"] == vin)


@pytest.fixture
async def sim(
    socket_enabled: None, simulator_url: str, simulator_clock: SimulatorClock
) -> AsyncIterator[Sim]:
    async with ClientSession() as session:
        simulator = Sim(session, simulator_url, simulator_clock, ClientClock())
        yield simulator
        await simulator.control("DELETE", "/errors")  # release requests a TIMEOUT holds


@pytest.fixture
def client(sim: Sim) -> HighMobilityClient:
    return sim.client()


@pytest.fixture
async def fleet(sim: Sim, client: HighMobilityClient) -> HighMobilityClient:
    """A client whose three simulated cars were approved, with counters from zero."""
    await client.async_add_vehicles(CARS)
    sim.advance(APPROVAL_DELAY)
    await sim.control("DELETE", "/stats")
    return client


def _details(raised: pytest.ExceptionInfo[ProviderError]) -> ErrorDetails:
    return raised.value.details


# The VIN validator and the tables.


@pytest.mark.parametrize(
    ("vin", "valid"),
    [
        (BMW, True),
        ("1HGCM82633A004352", True),
        ("WBY71AW010FP8721Q", False),  # Q
        ("WBY71AW010FP8721O", False),  # O
        ("WBY71AI010FP87213", False),  # I
        ("WBY71AW010FP8721", False),  # 16
        ("WBY71AW010FP872131", False),  # 18
        ("wby71aw010fp87213", False),  # not normalized
        ("WBY71AW010FP8721-", False),
        ("", False),
    ],
)
def test_the_vin_validator(vin: str, valid: bool) -> None:
    assert is_valid_vin(vin) is valid


def test_vins_are_normalized_before_validation() -> None:
    assert normalize_vin(" wby71aw010fp87213\n") == BMW
    assert is_valid_vin(normalize_vin(" wby71aw010fp87213\n"))


def test_brand_rules() -> None:
    assert VW_GROUP_BRANDS <= CANCELABLE_BRANDS
    assert {"mercedes-benz", "peugeot", "opel", "jeep"} <= CANCELABLE_BRANDS
    assert not {"bmw", "mini", "renault", "ford", "tesla", "toyota"} & CANCELABLE_BRANDS
    assert CUSTOMER_NAME_TAG == "vw-group-customer-name"


def test_the_error_table() -> None:
    assert error_kind(400, "invalid_client") is ErrorKind.AUTHENTICATION
    assert error_kind(401, None) is ErrorKind.TRANSIENT
    assert error_kind(401, "consent_removed") is ErrorKind.ACCOUNT_ACTION
    assert error_kind(403, "no_consent") is ErrorKind.ACCOUNT_ACTION
    assert error_kind(403, None) is ErrorKind.PERMISSION
    assert error_kind(418, None) is ErrorKind.TRANSIENT
    assert error_kind(None, "a_reason_from_the_future") is ErrorKind.TRANSIENT
    # A car's consent or privacy never asks the user to log in again.
    for (status, _), kind in ERROR_KINDS.items():
        if status is not None:
            assert kind is not ErrorKind.AUTHENTICATION


def test_the_origins() -> None:
    assert SANDBOX_ORIGIN == "https://sandbox.api.high-mobility.com"
    assert simulator_origin("http://h:1/") == "http://h:1/high_mobility/api"
    assert simulator_origin("http://h:1", sandbox=True) == "http://h:1/high_mobility/sandbox"


# Tokens.


async def test_authenticate_checks_the_credentials(sim: Sim, client: HighMobilityClient) -> None:
    assert await client.async_authenticate() == frozenset(SCOPES)
    assert await client.async_get_permissions(BMW) == SCOPES
    assert await sim.tokens_issued() == 1
    assert await client.async_get_account_id() == "sim-hm-client-id"


@pytest.mark.parametrize(
    ("credentials", "source", "description"),
    [
        ({"client_secret": "wrong"}, "client_secret", "client_secret is invalid"),
        ({"client_id": "someone-else"}, "client_id", "client_id is invalid"),
        ({"client_id": ""}, "client_id", "client_id can't be blank"),
    ],
)
async def test_refused_credentials_are_an_authentication_error(
    sim: Sim, credentials: dict[str, str], source: str, description: str
) -> None:
    client = sim.client(**credentials)
    for call in (client.async_authenticate, client.async_get_fleet):
        with pytest.raises(ProviderError) as raised:
            await call()
        assert _details(raised) == ErrorDetails(
            provider="high_mobility",
            kind=ErrorKind.AUTHENTICATION,
            type="invalid_request",
            code="invalid_client",
            status=400,
            description=description,
            source=source,
        )


async def test_an_unreachable_api_is_a_communication_error(socket_enabled: None) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with ClientSession() as session:
        client = HighMobilityClient(session, "id", "secret", origin=f"http://127.0.0.1:{port}")
        with pytest.raises(CommunicationError):
            await client.async_authenticate()
        with pytest.raises(CommunicationError):
            await client.async_read(BMW, [Feature.BATTERY])


async def test_a_hanging_api_times_out(sim: Sim, fleet: HighMobilityClient) -> None:
    await sim.fault("TIMEOUT", delay=10, times=1)
    client = sim.client(timeout=0.3)
    with pytest.raises(CommunicationError):
        await client.async_read(BMW, [Feature.BATTERY])


async def test_the_token_is_renewed_shortly_before_it_expires(
    sim: Sim, client: HighMobilityClient
) -> None:
    await client.async_get_fleet()
    sim.advance(269)
    await client.async_get_fleet()
    assert await sim.tokens_issued() == 1
    sim.advance(1)
    await client.async_get_fleet()
    assert await sim.tokens_issued() == 2


async def test_twelve_reads_on_an_expired_token_make_one_token_request(
    sim: Sim, fleet: HighMobilityClient
) -> None:
    await fleet.async_read(BMW, [Feature.ODOMETER])
    sim.advance(300)
    issued = await sim.tokens_issued()
    await sim.control("DELETE", "/stats")

    snapshots = await asyncio.gather(
        *(fleet.async_read(vin, [Feature.ODOMETER]) for vin in [BMW, MERCEDES, RENAULT] * 4)
    )

    assert all(set(snapshot.readings) == {Feature.ODOMETER} for snapshot in snapshots)
    assert await sim.tokens_issued() == issued + 1
    assert await sim.requests() == 12 + 1


async def test_a_token_refused_early_is_renewed_once_for_all(
    sim: Sim, fleet: HighMobilityClient
) -> None:
    await fleet.async_authenticate()
    issued = await sim.tokens_issued()
    await sim.fault("NOT_AUTHORIZED", times=3)

    snapshots = await asyncio.gather(
        *(fleet.async_read(vin, [Feature.ODOMETER]) for vin in [BMW, MERCEDES, RENAULT])
    )

    assert all(Feature.ODOMETER in snapshot.readings for snapshot in snapshots)
    assert await sim.tokens_issued() == issued + 1


async def test_a_token_refused_twice_is_transient_never_reauth(
    sim: Sim, fleet: HighMobilityClient
) -> None:
    await sim.fault("NOT_AUTHORIZED", "INVALID_JWT", times=2)
    with pytest.raises(ProviderError) as raised:
        await fleet.async_read(BMW, [Feature.ODOMETER])
    details = _details(raised)
    assert (details.kind, details.status, details.type, details.description) == (
        ErrorKind.TRANSIENT,
        401,
        "Not Authorized",
        "Invalid JWT Payload",
    )
    assert details.request_id is not None


@pytest.mark.parametrize(
    ("error_type", "kind", "retry_after"),
    [
        ("INTERNAL_SERVER_ERROR", ErrorKind.TRANSIENT, None),
        ("SERVICE_UNAVAILABLE", ErrorKind.TRANSIENT, None),
        ("TOO_MANY_REQUESTS", ErrorKind.RATE_LIMITED, 60),
    ],
)
async def test_token_endpoint_trouble_is_not_a_refusal(
    sim: Sim, client: HighMobilityClient, error_type: str, kind: ErrorKind, retry_after: int | None
) -> None:
    await sim.fault(error_type, path="/v1/access_tokens", times=1)
    with pytest.raises(ProviderError) as raised:
        await client.async_authenticate()
    assert (_details(raised).kind, _details(raised).code) == (kind, None)
    assert _details(raised).retry_after == retry_after
    # A Retry-After holds this client's token requests back; a client not sharing it asks again.
    assert await sim.client().async_authenticate() == frozenset(SCOPES)


async def test_a_broken_token_answer_is_a_communication_error(
    sim: Sim, client: HighMobilityClient
) -> None:
    await sim.fault("MALFORMED", path="/v1/access_tokens", times=1)
    with pytest.raises(CommunicationError):
        await client.async_get_fleet()
    assert await client.async_get_fleet() == []


# Fleet clearance.


async def test_cars_are_added_pending_then_approved(sim: Sim, client: HighMobilityClient) -> None:
    added = await client.async_add_vehicles(
        [
            ClearanceRequest(BMW, "bmw", {"fleet": "north"}),
            ClearanceRequest("WBY71AW010", "bmw"),
            ClearanceRequest(MERCEDES, "trabant"),
        ]
    )
    assert added == [
        Clearance(BMW, ClearanceStatus.PENDING, brand="bmw", tags={"fleet": "north"}),
        Clearance(
            "WBY71AW010",
            ClearanceStatus.ERROR,
            brand="bmw",
            description="vin should be 17 character(s)",
        ),
        Clearance(
            MERCEDES, ClearanceStatus.ERROR, brand="trabant", description="The brand is invalid"
        ),
    ]
    pending = Clearance(
        BMW,
        ClearanceStatus.PENDING,
        brand="bmw",
        tags={"fleet": "north"},
        changelog=(ClearanceChange(ClearanceStatus.PENDING, _at(SIMULATOR_START)),),
    )
    assert await client.async_get_fleet() == [pending]
    assert await client.async_get_vehicle_ids() == []

    sim.advance(APPROVAL_DELAY)

    approved = await client.async_get_clearance(BMW)
    assert approved == replace(
        pending,
        status=ClearanceStatus.APPROVED,
        changelog=(
            *pending.changelog,
            ClearanceChange(ClearanceStatus.APPROVED, _at(SIMULATOR_START + APPROVAL_DELAY)),
        ),
    )
    assert approved.reason is None
    assert await client.async_get_vehicle_ids() == [BMW]
    assert await client.async_get_vehicle(BMW) == Vehicle(
        id=BMW, make="BMW", model="", year=0, vin=BMW
    )


async def _reach(sim: Sim, client: HighMobilityClient, status: ClearanceStatus) -> Clearance:
    """Bring a car to a clearance state through the simulator's scripts and the client."""
    vin, brand = (MERCEDES, "mercedes-benz")
    if status in (ClearanceStatus.CANCELING, ClearanceStatus.CANCELED):
        await sim.outcome(vin, "pending")
    elif status is ClearanceStatus.REJECTED:
        await sim.outcome(vin, "reject", reason="ineligible VIN")
    elif status is ClearanceStatus.ERROR:
        await sim.outcome(vin, "error")
    await client.async_add_vehicles([ClearanceRequest(vin, brand)])
    if status is not ClearanceStatus.PENDING:
        sim.advance(DAY)
    if status in (
        ClearanceStatus.REVOKING,
        ClearanceStatus.REVOKED,
        ClearanceStatus.CANCELING,
        ClearanceStatus.CANCELED,
    ):
        await client.async_remove_vehicle(vin)
    if status in (ClearanceStatus.REVOKED, ClearanceStatus.CANCELED):
        sim.advance(60)
    return await client.async_get_clearance(vin)


@pytest.mark.parametrize("status", list(ClearanceStatus))
async def test_every_clearance_state(
    sim: Sim, client: HighMobilityClient, status: ClearanceStatus
) -> None:
    clearance = await _reach(sim, client, status)
    assert clearance.status is status
    assert clearance.changelog[-1].status is status
    assert [c.vin for c in await client.async_get_fleet()] == [MERCEDES]
    assert await client.async_get_vehicle_ids() == (
        [MERCEDES] if status is ClearanceStatus.APPROVED else []
    )
    assert clearance.reason == ("ineligible VIN" if status is ClearanceStatus.REJECTED else None)


@pytest.mark.parametrize("reason", REASONS)
async def test_every_rejection_reason_comes_through(
    sim: Sim, client: HighMobilityClient, reason: str
) -> None:
    await sim.outcome(RENAULT, "reject", reason=reason)
    await client.async_add_vehicles([ClearanceRequest(RENAULT, "renault")])
    sim.advance(APPROVAL_DELAY)
    clearance = await client.async_get_clearance(RENAULT)
    assert (clearance.status, clearance.reason) == (ClearanceStatus.REJECTED, reason)


async def test_privacy_mode_keeps_a_car_pending_with_its_reason(
    sim: Sim, client: HighMobilityClient
) -> None:
    await sim.outcome(VW, "privacy_mode")
    tags = {CUSTOMER_NAME_TAG: "Fleet GmbH"}
    await client.async_add_vehicles([ClearanceRequest(VW, "volkswagen", tags)])
    sim.advance(DAY)
    pending = await client.async_get_clearance(VW)
    assert (pending.status, pending.reason) == (ClearanceStatus.PENDING, "privacy mode is enabled")
    assert pending.tags == tags
    sim.advance(2 * DAY)
    rejected = await client.async_get_clearance(VW)
    assert (rejected.status, rejected.reason) == (
        ClearanceStatus.REJECTED,
        "privacy mode is enabled",
    )


async def test_vw_group_cars_without_the_customer_name_are_rejected(
    sim: Sim, client: HighMobilityClient
) -> None:
    await client.async_add_vehicles([ClearanceRequest(VW, "volkswagen")])
    sim.advance(APPROVAL_DELAY)
    clearance = await client.async_get_clearance(VW)
    assert (clearance.status, clearance.reason) == (
        ClearanceStatus.REJECTED,
        "customer name tag missing",
    )


async def test_the_owner_revokes_a_car(sim: Sim, fleet: HighMobilityClient) -> None:
    await sim.outcome(BMW, "revoke", after=3600)
    assert Feature.ODOMETER in (await fleet.async_read(BMW, [Feature.ODOMETER])).readings
    sim.advance(3600)
    assert (await fleet.async_get_clearance(BMW)).status is ClearanceStatus.REVOKED
    assert await fleet.async_get_vehicle_ids() == [MERCEDES, RENAULT]
    issued = await sim.tokens_issued()
    with pytest.raises(ProviderError) as raised:
        await fleet.async_read(BMW, [Feature.ODOMETER])
    details = _details(raised)
    assert (details.kind, details.code, details.status, details.type, details.description) == (
        ErrorKind.ACCOUNT_ACTION,
        "consent_removed",
        401,
        "Not Authorized",
        "Consent is removed by OEM",
    )
    assert details.request_id is not None
    assert await sim.tokens_issued() == issued  # consent, not the token: no renewal


async def test_removing_an_approved_car_revokes_it(sim: Sim, fleet: HighMobilityClient) -> None:
    assert await fleet.async_remove_vehicle(BMW) is ClearanceStatus.REVOKING
    assert await fleet.async_remove_vehicle(BMW) is None  # 409: in transition
    sim.advance(60)
    assert (await fleet.async_get_clearance(BMW)).status is ClearanceStatus.REVOKED
    assert await fleet.async_remove_vehicle(BMW) is None  # 409: already removed


async def test_brand_rules_for_canceling(sim: Sim, client: HighMobilityClient) -> None:
    await sim.outcome(MERCEDES, "pending", reason="VIN activation timeout")
    await sim.outcome(RENAULT, "pending")
    await client.async_add_vehicles(CARS[1:])
    assert (await client.async_get_clearance(MERCEDES)).reason == "VIN activation timeout"

    with pytest.raises(ProviderError) as raised:
        await client.async_remove_vehicle(MERCEDES)
    assert _details(raised) == ErrorDetails(
        provider="high_mobility",
        kind=ErrorKind.REFUSED,
        type="too early",
        code="cancel_too_early",
        status=422,
        description="the pending status could only be canceled after 1 day it's created",
        source="status",
    )
    with pytest.raises(ProviderError) as raised:
        await client.async_remove_vehicle(RENAULT)
    assert _details(raised) == ErrorDetails(
        provider="high_mobility",
        kind=ErrorKind.UNSUPPORTED,
        type="not supported",
        code="cancel_not_supported",
        status=422,
        description="cancellation is not supported for this vin",
        source="vin",
    )

    sim.advance(DAY)
    assert await client.async_remove_vehicle(MERCEDES) is ClearanceStatus.CANCELING
    with pytest.raises(ProviderError) as raised:
        await client.async_remove_vehicle(RENAULT)
    assert _details(raised).kind is ErrorKind.UNSUPPORTED


async def test_a_vin_not_in_the_fleet(client: HighMobilityClient) -> None:
    for call in (client.async_get_clearance, client.async_remove_vehicle, client.async_get_vehicle):
        with pytest.raises(ProviderError) as raised:
            await call(BMW)
        details = _details(raised)
        assert (details.kind, details.code, details.status, details.source) == (
            ErrorKind.UNSUPPORTED,
            "not_found",
            404,
            "vin",
        )


async def test_the_sandbox_has_its_own_fleet(sim: Sim, client: HighMobilityClient) -> None:
    sandbox = sim.client(sandbox=True)
    await sandbox.async_add_vehicles([ClearanceRequest(BMW, "sandbox")])
    assert [c.brand for c in await sandbox.async_get_fleet()] == ["sandbox"]
    assert await client.async_get_fleet() == []
    assert await sim.tokens_issued("sandbox") == 1


@pytest.mark.parametrize(
    ("error_type", "code", "kind", "our_code"),
    [
        ("FORBIDDEN", "NO_FLEET", ErrorKind.ACCOUNT_ACTION, "no_fleet"),
        ("TOO_MANY_REQUESTS", None, ErrorKind.RATE_LIMITED, None),
        ("INTERNAL_SERVER_ERROR", None, ErrorKind.TRANSIENT, None),
    ],
)
async def test_fleet_errors(
    sim: Sim,
    client: HighMobilityClient,
    error_type: str,
    code: str | None,
    kind: ErrorKind,
    our_code: str | None,
) -> None:
    await sim.fault(error_type, code, path="/v1/fleets/vehicles", times=1, retry_after=12)
    with pytest.raises(ProviderError) as raised:
        await client.async_get_fleet()
    assert (_details(raised).kind, _details(raised).code) == (kind, our_code)
    if kind is ErrorKind.RATE_LIMITED:
        assert _details(raised).retry_after == 12
        assert _details(raised).description == "retry after 12s"


# Vehicle data.


def _updated(car: Any) -> datetime:
    return datetime.fromisoformat(car["state"]["updated_at"])


async def test_the_bmw_maps_every_property(sim: Sim, fleet: HighMobilityClient) -> None:
    car = await sim.car(BMW)
    state = car["state"]
    snapshot = await fleet.async_read(BMW, FEATURES)

    assert {f: (e.kind, e.code) for f, e in snapshot.errors.items()} == {
        Feature.FUEL: (ErrorKind.UNSUPPORTED, "no_data")  # an electric car
    }
    assert snapshot.readings == {
        Feature.BATTERY: Battery(
            level=round(state["battery"]["percent"] * 100, 2), range=state["battery"]["range"]
        ),
        Feature.CHARGE: Charge(plugged_in=True, state=ChargingState.CHARGING),
        Feature.CHARGE_LIMIT: ChargeLimit(limit=80.0),
        Feature.SECURITY: Security(
            locked=True,
            doors_open=False,
            windows_open=False,
            trunk_open=False,
            charging_port_open=True,
        ),
        Feature.ODOMETER: Odometer(distance=state["odometer"]),
        Feature.TIRES: Tires(250.0, 250.0, 260.0, 260.0),
        Feature.LOCATION: Location(48.1374, 11.5755, heading=270.0),
    }
    updated = _updated(car)
    assert snapshot.recorded_at == {
        Feature.BATTERY: updated,
        Feature.CHARGE: updated,
        Feature.CHARGE_LIMIT: updated,
        Feature.SECURITY: updated,
        Feature.ODOMETER: updated - timedelta(seconds=600),
        Feature.TIRES: updated - timedelta(seconds=1800),
        Feature.LOCATION: updated,
    }
    stats = await sim.control("GET", "/stats?provider=high_mobility")
    assert stats["vehicles"][BMW]["requests"] == 1  # one request reads every feature


async def test_the_mercedes_maps_fuel_and_pressures_in_bars(
    sim: Sim, fleet: HighMobilityClient
) -> None:
    car = await sim.car(MERCEDES)
    snapshot = await fleet.async_read(MERCEDES, FEATURES)
    assert snapshot.readings == {
        Feature.SECURITY: Security(
            locked=False,
            doors_open=False,
            windows_open=False,
            trunk_open=False,
            charging_port_open=None,
        ),
        Feature.ODOMETER: Odometer(distance=32120.5),
        Feature.FUEL: Fuel(level=41.0, range=None, amount=None),
        Feature.TIRES: Tires(240.0, 240.0, 260.0, 260.0),
        Feature.LOCATION: Location(48.7758, 9.1829, heading=45.0),
    }
    assert snapshot.recorded_at[Feature.LOCATION] == _updated(car) - timedelta(seconds=300)
    for feature in (Feature.BATTERY, Feature.CHARGE, Feature.CHARGE_LIMIT):
        details = snapshot.errors[feature].details
        assert (details.kind, details.code) == (ErrorKind.UNSUPPORTED, "no_data")


async def test_the_renault_maps_what_it_reports(sim: Sim, fleet: HighMobilityClient) -> None:
    snapshot = await fleet.async_read(RENAULT, FEATURES)
    assert snapshot.readings == {
        Feature.BATTERY: Battery(level=77.0, range=346.5),
        Feature.CHARGE: Charge(plugged_in=False, state=ChargingState.NOT_CHARGING),
        Feature.SECURITY: Security(
            locked=True,
            doors_open=None,
            windows_open=None,
            trunk_open=None,
            charging_port_open=None,
        ),
        Feature.ODOMETER: Odometer(distance=12045.0),
        Feature.LOCATION: Location(48.8566, 2.3522, heading=None),
    }
    assert set(snapshot.errors) == {Feature.CHARGE_LIMIT, Feature.FUEL, Feature.TIRES}
    assert all(e.kind is ErrorKind.UNSUPPORTED for e in snapshot.errors.values())


async def test_a_changed_car_reads_changed(sim: Sim, fleet: HighMobilityClient) -> None:
    patch = {
        "locked": False,
        "doors": {"backLeft": "OPEN"},
        "windows": {"frontRight": "OPEN"},
        "storage": {"rear": "OPEN"},
        "charge": {"plugged_in": False},
        "charging_port": {"chargingPort": "CLOSED"},
    }
    await sim.control("PATCH", f"/vehicles/{BMW}", patch)
    snapshot = await fleet.async_read(BMW, [Feature.SECURITY, Feature.CHARGE])
    assert snapshot.readings == {
        Feature.SECURITY: Security(
            locked=False,
            doors_open=True,
            windows_open=True,
            trunk_open=True,
            charging_port_open=False,
        ),
        Feature.CHARGE: Charge(plugged_in=False, state=ChargingState.NOT_CHARGING),
    }


async def test_features_it_cannot_read_cost_no_request(sim: Sim, fleet: HighMobilityClient) -> None:
    assert await fleet.async_read(BMW, []) == Snapshot()
    snapshot = await fleet.async_read(BMW, [Feature.ENGINE, Feature.WARNINGS])
    assert snapshot.readings == {}
    assert {f: e.kind for f, e in snapshot.errors.items()} == {
        Feature.ENGINE: ErrorKind.UNSUPPORTED,
        Feature.WARNINGS: ErrorKind.UNSUPPORTED,
    }
    assert await sim.requests() == 0
    mixed = await fleet.async_read(BMW, [Feature.ODOMETER, Feature.ENGINE, Feature.ODOMETER])
    assert set(mixed.readings) == {Feature.ODOMETER}
    assert set(mixed.errors) == {Feature.ENGINE}


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("rate_limit", ErrorKind.RATE_LIMITED),
        ("execution_timeout", ErrorKind.UNREACHABLE),
        ("format_error", ErrorKind.TRANSIENT),
        ("unauthorised", ErrorKind.PERMISSION),
        ("unknown", ErrorKind.TRANSIENT),
        ("pending", ErrorKind.TRANSIENT),
        ("oem_error", ErrorKind.TRANSIENT),
        ("privacy_mode_active", ErrorKind.ACCOUNT_ACTION),
    ],
)
async def test_a_failed_property_fails_only_its_feature(
    sim: Sim, fleet: HighMobilityClient, reason: str, kind: ErrorKind
) -> None:
    assert set(FAILURE_REASONS) >= {reason}
    await sim.failure("vehicle_location.heading", reason)
    await sim.failure("diagnostics.tire_pressures", reason, description="no pressures")
    snapshot = await fleet.async_read(BMW, FEATURES)
    failed = {Feature.LOCATION, Feature.TIRES, Feature.FUEL}  # and the BMW has no fuel
    assert set(snapshot.readings) == set(FEATURES) - failed
    assert snapshot.errors[Feature.LOCATION].details == ErrorDetails(
        provider="high_mobility",
        kind=kind,
        type="property_failure",
        code=reason,
        description=FAILURE_REASONS[reason],
        source="vehicle_location.heading",
    )
    tires = snapshot.errors[Feature.TIRES].details
    assert (tires.kind, tires.description, tires.source) == (
        kind,
        "no pressures",
        "diagnostics.tire_pressures",
    )
    assert Feature.LOCATION not in snapshot.recorded_at


async def test_a_car_without_consent_is_an_account_problem(
    sim: Sim, client: HighMobilityClient
) -> None:
    await client.async_add_vehicles([CARS[0]])
    with pytest.raises(ProviderError) as raised:
        await client.async_read(BMW, FEATURES)
    details = _details(raised)
    assert (details.kind, details.code, details.status, details.description) == (
        ErrorKind.ACCOUNT_ACTION,
        "no_consent",
        403,
        "No active consent for this vehicle",
    )


async def test_an_asleep_car_is_unreachable(sim: Sim, fleet: HighMobilityClient) -> None:
    await sim.control("PATCH", f"/vehicles/{RENAULT}", {"asleep": True})
    with pytest.raises(ProviderError) as raised:
        await fleet.async_read(RENAULT, FEATURES)
    assert (_details(raised).kind, _details(raised).status) == (ErrorKind.UNREACHABLE, 408)


async def test_a_car_without_data_yet(sim: Sim, client: HighMobilityClient) -> None:
    await client.async_add_vehicles([ClearanceRequest(NO_CAR, "bmw")])
    sim.advance(APPROVAL_DELAY)
    with pytest.raises(ProviderError) as raised:
        await client.async_read(NO_CAR, FEATURES)
    details = _details(raised)
    assert (details.kind, details.code, details.status, details.type, details.description) == (
        ErrorKind.TRANSIENT,
        "no_data_yet",
        422,
        "Pending",
        "Vehicle data is not available yet",
    )


@pytest.mark.parametrize(
    ("error_type", "code", "kind", "our_code"),
    [
        ("NOT_AUTHORIZED", "CONSENT_REMOVED", ErrorKind.ACCOUNT_ACTION, "consent_removed"),
        ("FORBIDDEN", "NO_CONSENT", ErrorKind.ACCOUNT_ACTION, "no_consent"),
        ("FORBIDDEN", "PRIVACY_MODE", ErrorKind.ACCOUNT_ACTION, "privacy_mode"),
        ("REQUEST_TIMEOUT", None, ErrorKind.UNREACHABLE, None),
        ("PENDING", None, ErrorKind.TRANSIENT, "no_data_yet"),
        ("TOO_MANY_REQUESTS", None, ErrorKind.RATE_LIMITED, None),
        ("INTERNAL_SERVER_ERROR", None, ErrorKind.TRANSIENT, None),
        ("BAD_GATEWAY", None, ErrorKind.TRANSIENT, None),
        ("SERVICE_UNAVAILABLE", None, ErrorKind.TRANSIENT, None),
        ("GATEWAY_TIMEOUT", None, ErrorKind.TRANSIENT, None),
    ],
)
async def test_every_data_status(
    sim: Sim,
    fleet: HighMobilityClient,
    error_type: str,
    code: str | None,
    kind: ErrorKind,
    our_code: str | None,
) -> None:
    retry_after = {"retry_after": 30} if error_type == "TOO_MANY_REQUESTS" else {}
    await sim.fault(error_type, code, vehicle_id=BMW, times=1, **retry_after)
    with pytest.raises(ProviderError) as raised:
        await fleet.async_read(BMW, FEATURES)
    details = _details(raised)
    assert (details.kind, details.code) == (kind, our_code)
    spec = CATALOGUE[error_type, code]
    assert (details.status, details.type, details.description) == (
        spec.status,
        spec.title,
        spec.detail,
    )
    assert details.request_id is not None
    assert details.retry_after == (30 if kind is ErrorKind.RATE_LIMITED else None)
    assert Feature.ODOMETER in (await fleet.async_read(BMW, [Feature.ODOMETER])).readings


async def test_the_applications_rate_limit(sim: Sim, fleet: HighMobilityClient) -> None:
    """60 clearance reads a minute; the 61st waits until the first leaves the minute. Vehicle
    data does not count."""
    for _ in range(60):
        await fleet.async_get_clearance(RENAULT)
    with pytest.raises(ProviderError) as raised:
        await fleet.async_get_clearance(RENAULT)
    assert (_details(raised).kind, _details(raised).retry_after) == (ErrorKind.RATE_LIMITED, 60)
    assert Feature.ODOMETER in (await fleet.async_read(RENAULT, [Feature.ODOMETER])).readings
    sim.advance(60)
    assert (await fleet.async_get_clearance(RENAULT)).vin == RENAULT


async def test_a_broken_answer_is_a_communication_error(
    sim: Sim, fleet: HighMobilityClient
) -> None:
    await sim.fault("MALFORMED", times=1)
    with pytest.raises(CommunicationError):
        await fleet.async_read(BMW, FEATURES)


async def test_no_commands(fleet: HighMobilityClient) -> None:
    assert fleet.command_permissions == {}
    assert await fleet.async_get_commands(BMW, SCOPES) == set()
    with pytest.raises(ProviderError) as raised:
        await fleet.async_command(BMW, Command.LOCK)
    assert (_details(raised).kind, _details(raised).code) == (ErrorKind.UNSUPPORTED, "lock")


# Answers the simulator never gives, from a fake server.


@dataclass
class Reply:
    """How the fake server answers a path: status and JSON body, or raw bytes, and headers."""

    body: Any = None
    status: int = 200
    raw: bytes | None = None
    headers: dict[str, str] | None = None


TOKEN = Reply({"access_token": "t", "expires_in": 300, "scope": "vehicle:data"})
VIN_DATA = f"/v1/vehicle-data/autoapi-13/{BMW}"
AT = "2026-11-18T10:00:00Z"


@pytest.fixture
async def fake(socket_enabled: None) -> AsyncIterator[tuple[dict[str, Reply], HighMobilityClient]]:
    """A server answering each path as the dict says (404 otherwise), and a client of it."""
    replies: dict[str, Reply] = {"/v1/access_tokens": TOKEN}

    async def handler(request: web.Request) -> web.Response:
        reply = replies.get(request.rel_url.raw_path, Reply({"errors": []}, 404))
        if reply.raw is not None:
            return web.Response(body=reply.raw, status=reply.status, headers=reply.headers)
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    async with ClientSession() as session:
        origin = f"http://127.0.0.1:{server.port}"
        yield replies, HighMobilityClient(session, "id", "secret", origin=origin)
    await server.close()


def _prop(data: Any, at: str = AT) -> dict[str, Any]:
    return {"data": data, "timestamp": at}


async def _read(
    fake: tuple[dict[str, Reply], HighMobilityClient], body: Any, *features: Feature
) -> Snapshot:
    replies, client = fake
    replies[VIN_DATA] = Reply(body)
    return await client.async_read(BMW, features or FEATURES)


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (0.5, 50.0),
        (0, 0.0),
        (1, 100.0),
        (1.5, None),
        (-0.1, None),
        ("0.5", None),
        (True, None),
        (None, None),
        ([0.5], None),
        (10**400, None),
    ],
)
async def test_percentages_are_checked(fake, value: Any, level: float | None) -> None:
    body = {"charging": {"battery_level": _prop(value), "charge_limit": _prop(value)}}
    snapshot = await _read(fake, body, Feature.BATTERY, Feature.CHARGE_LIMIT)
    if level is None:
        assert snapshot.errors[Feature.BATTERY].code == "invalid_value"
        assert snapshot.errors[Feature.CHARGE_LIMIT].kind is ErrorKind.TRANSIENT
    else:
        assert snapshot.readings[Feature.BATTERY] == Battery(level=level, range=None)
        assert snapshot.readings[Feature.CHARGE_LIMIT] == ChargeLimit(limit=level)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_numbers_must_be_finite(fake, literal: str) -> None:
    replies, client = fake
    text = f'{{"diagnostics": {{"fuel_level": {{"data": {literal}}}}}}}'
    replies[VIN_DATA] = Reply(raw=text.encode(), headers={"Content-Type": "application/json"})
    snapshot = await client.async_read(BMW, [Feature.FUEL])
    assert snapshot.errors[Feature.FUEL].code == "invalid_value"


@pytest.mark.parametrize(
    ("value", "km"),
    [
        ({"value": 10, "unit": "kilometers"}, 10.0),
        ({"value": 10, "unit": "miles"}, 16.093),
        ({"value": 1500, "unit": "meters"}, 1.5),
        ({"value": 2, "unit": "scandinavian_miles"}, 20.0),
        ({"value": 0, "unit": "kilometers"}, 0.0),
        ({"value": -1, "unit": "kilometers"}, None),
        ({"value": 5, "unit": "parsecs"}, None),
        ({"value": 5, "unit": ["kilometers"]}, None),
        ({"value": "5", "unit": "kilometers"}, None),
        ({"unit": "kilometers"}, None),
        (5, None),
    ],
)
async def test_distances_are_checked_and_converted(fake, value: Any, km: float | None) -> None:
    snapshot = await _read(fake, {"diagnostics": {"odometer": _prop(value)}}, Feature.ODOMETER)
    if km is None:
        assert Feature.ODOMETER in snapshot.errors
    else:
        assert snapshot.readings[Feature.ODOMETER] == Odometer(distance=km)


@pytest.mark.parametrize(
    ("value", "heading"),
    [
        ({"value": 90, "unit": "degrees"}, 90.0),
        ({"value": -90, "unit": "degrees"}, 270.0),
        ({"value": 720, "unit": "degrees"}, 0.0),
        ({"value": 3.141592653589793, "unit": "radians"}, 180.0),
        ({"value": 0.25, "unit": "revolutions"}, 90.0),
        ({"value": 90, "unit": "gradians"}, None),
        ({"value": 90, "unit": None}, None),
        ({"value": None, "unit": "degrees"}, None),
        ("north", None),
    ],
)
async def test_headings_are_checked_and_converted(fake, value: Any, heading: float | None) -> None:
    body = {
        "vehicle_location": {
            "coordinates": _prop({"latitude": 52.5, "longitude": 13.4}),
            "heading": _prop(value, "2026-11-18T10:05:00Z"),
        }
    }
    snapshot = await _read(fake, body, Feature.LOCATION)
    assert snapshot.readings[Feature.LOCATION] == Location(52.5, 13.4, heading=heading)
    newest = "2026-11-18T10:05:00Z" if heading is not None else AT
    assert snapshot.recorded_at[Feature.LOCATION] == datetime.fromisoformat(newest)


@pytest.mark.parametrize(
    "coordinates",
    [
        {"latitude": 91, "longitude": 0},
        {"latitude": -90.5, "longitude": 0},
        {"latitude": 0, "longitude": 180.1},
        {"latitude": 0, "longitude": -181},
        {"latitude": "52.5", "longitude": 13.4},
        {"latitude": 52.5},
        [52.5, 13.4],
    ],
)
async def test_coordinates_out_of_range_are_no_location(fake, coordinates: Any) -> None:
    body = {
        "vehicle_location": {
            "coordinates": _prop(coordinates),
            "heading": _prop({"value": 1, "unit": "degrees"}),
        }
    }
    snapshot = await _read(fake, body, Feature.LOCATION)
    assert snapshot.errors[Feature.LOCATION].code == "invalid_value"


async def test_coordinates_at_the_edges_are_fine(fake) -> None:
    body = {"vehicle_location": {"coordinates": _prop({"latitude": -90, "longitude": 180})}}
    snapshot = await _read(fake, body, Feature.LOCATION)
    assert snapshot.readings[Feature.LOCATION] == Location(-90.0, 180.0, heading=None)


def _wheels(*items: Any) -> list[dict[str, Any]]:
    return [_prop(item) for item in items]


async def test_tire_pressures_are_checked_and_converted(fake) -> None:
    pressures = _wheels(
        {"location": "front_left", "pressure": {"value": 2.5, "unit": "bars"}},
        {
            "location": "front_right",
            "pressure": {"value": 36, "unit": "pounds_force_per_square_inch"},
        },
        {"location": "rear_left", "pressure": {"value": -1, "unit": "kilopascals"}},
        {"location": "rear_right", "pressure": {"value": 250000, "unit": "pascals"}},
        {"location": "spare", "pressure": {"value": 420, "unit": "kilopascals"}},
        {"location": "rear_left_outer", "pressure": {"value": 1, "unit": "bars"}},
        {"location": "front_left"},
        "flat",
    )
    snapshot = await _read(fake, {"diagnostics": {"tire_pressures": pressures}}, Feature.TIRES)
    assert snapshot.readings[Feature.TIRES] == Tires(250.0, 248.211, None, 250.0)


@pytest.mark.parametrize(
    ("doors", "locked", "doors_open"),
    [
        ({"locks": _wheels({"location": "front_left", "lock_state": "locked"})}, True, None),
        (
            {
                "locks": _wheels(
                    {"location": "front_left", "lock_state": "locked"},
                    {"location": "rear_left", "lock_state": "unlocked"},
                )
            },
            False,
            None,
        ),
        ({"locks": _wheels({"location": "front_left", "lock_state": "jammed"})}, None, None),
        (
            {"locks_state": _prop("unlocked"), "locks": _wheels({"lock_state": "locked"})},
            False,
            None,
        ),
        (
            {
                "positions": _wheels(
                    {"location": "all", "position": "closed"},
                    {"location": "front_left", "position": "ajar"},
                )
            },
            None,
            False,
        ),
        ({"positions": _wheels({"location": "rear_right", "position": "open"})}, None, True),
        ({"positions": _wheels({"location": "rear_right"}, None)}, None, None),
    ],
)
async def test_locks_and_doors(
    fake, doors: Any, locked: bool | None, doors_open: bool | None
) -> None:
    body = {"doors": doors, "trunk": {"position": _prop("closed")}}
    snapshot = await _read(fake, body, Feature.SECURITY)
    security = snapshot.readings[Feature.SECURITY]
    assert isinstance(security, Security)
    assert (security.locked, security.doors_open, security.trunk_open) == (
        locked,
        doors_open,
        False,
    )


@pytest.mark.parametrize(
    ("positions", "windows_open"),
    [
        (["closed", "closed"], False),
        (["closed", "intermediate"], True),
        (["open"], True),
        (["half"], None),
    ],
)
async def test_windows(fake, positions: list[str], windows_open: bool | None) -> None:
    items = _wheels(*({"location": "front_left", "position": p} for p in positions))
    body = {"windows": {"positions": items}, "doors": {"locks_state": _prop("locked")}}
    snapshot = await _read(fake, body, Feature.SECURITY)
    security = snapshot.readings[Feature.SECURITY]
    assert isinstance(security, Security)
    assert security.windows_open is windows_open


@pytest.mark.parametrize(
    ("plugged", "status", "charge"),
    [
        ("plugged_in_both_sides", "fast_charging", Charge(True, ChargingState.CHARGING)),
        ("plugged_in", "slow_charging", Charge(True, ChargingState.CHARGING)),
        ("plugged_in", "charging_complete", Charge(True, ChargingState.FULLY_CHARGED)),
        ("plugged_in", "charging_paused", Charge(True, ChargingState.NOT_CHARGING)),
        ("disconnected", "cable_unplugged", Charge(False, ChargingState.NOT_CHARGING)),
        ("unplugged?", "warp", Charge(None, None)),
    ],
)
async def test_charging(fake, plugged: str, status: str, charge: Charge) -> None:
    body = {"charging": {"plugged_in": _prop(plugged), "status": _prop(status)}}
    snapshot = await _read(fake, body, Feature.CHARGE)
    if charge == Charge(None, None):
        assert snapshot.errors[Feature.CHARGE].code == "invalid_value"
    else:
        assert snapshot.readings[Feature.CHARGE] == charge


async def test_each_value_keeps_its_own_time(fake) -> None:
    body = {
        "charging": {
            "battery_level": _prop(0.5, "2026-11-18T10:00:00Z"),
            "estimated_range": _prop(
                {"value": 100, "unit": "kilometers"}, "2026-11-18T11:00:00+01:00"
            ),
        },
        "doors": {"locks_state": _prop("locked", "2026-11-18T09:00:00")},  # no offset: UTC
        "trunk": {"position": _prop("open", "yesterday")},
        "diagnostics": {"odometer": {"data": {"value": 1, "unit": "kilometers"}}},
    }
    snapshot = await _read(fake, body, Feature.BATTERY, Feature.SECURITY, Feature.ODOMETER)
    assert snapshot.recorded_at == {
        Feature.BATTERY: datetime(2026, 11, 18, 10, 0, tzinfo=UTC),
        Feature.SECURITY: datetime(2026, 11, 18, 9, 0, tzinfo=UTC),
    }
    assert Feature.ODOMETER in snapshot.readings


async def test_odd_shapes_inside_the_data_are_left_out(fake) -> None:
    body = {
        "request_id": "r",
        "charging": "not an object",
        "doors": {"locks_state": [_prop("unlocked"), "junk", _prop("locked")]},
        "diagnostics": {"odometer": "junk", "fuel_level": [_prop(0.2)]},
        "windows": {"positions": {"data": {"location": "front_left", "position": "open"}}},
    }
    snapshot = await _read(fake, body)
    assert snapshot.readings == {
        Feature.SECURITY: Security(
            locked=True,
            doors_open=None,
            windows_open=True,
            trunk_open=None,
            charging_port_open=None,
        ),
        Feature.FUEL: Fuel(level=20.0, range=None, amount=None),
    }
    no_data = {f for f, e in snapshot.errors.items() if e.code == "no_data"}
    assert no_data == {
        Feature.BATTERY,
        Feature.CHARGE,
        Feature.CHARGE_LIMIT,
        Feature.ODOMETER,
        Feature.TIRES,
        Feature.LOCATION,
    }


async def test_an_odd_failure_is_still_a_failure(fake) -> None:
    body = {"diagnostics": {"odometer": {"failure": "oops"}, "fuel_level": {"failure": {}}}}
    snapshot = await _read(fake, body, Feature.ODOMETER, Feature.FUEL)
    for feature in (Feature.ODOMETER, Feature.FUEL):
        details = snapshot.errors[feature].details
        assert (details.code, details.kind, details.description) == (
            "unknown",
            ErrorKind.TRANSIENT,
            None,
        )


@pytest.mark.parametrize(
    "reply",
    [
        Reply(["not", "an", "object"]),
        Reply(raw=b"<html>hello</html>"),
        Reply(raw=b'{"charging": {"battery_level": {"data": 0.5}}, "x": "\xff"}'),
        Reply(raw='{"charging": {}}'.encode("utf-16")),
        Reply(raw=b"", status=204),
    ],
)
async def test_unreadable_data_is_a_communication_error(fake, reply: Reply) -> None:
    replies, client = fake
    replies[VIN_DATA] = reply
    with pytest.raises(CommunicationError):
        await client.async_read(BMW, FEATURES)


@pytest.mark.parametrize(
    ("reply", "kind", "error_type", "description", "retry_after"),
    [
        (
            Reply(raw=b"<h1>Bad Gateway</h1>", status=502),
            ErrorKind.TRANSIENT,
            "Bad Gateway",
            None,
            None,
        ),
        (Reply({"errors": []}, 503), ErrorKind.TRANSIENT, "Service Unavailable", None, None),
        (Reply({"errors": ["x"]}, 500), ErrorKind.TRANSIENT, "Internal Server Error", None, None),
        (
            Reply({"errors": [{"detail": "  slow down "}]}, 429, headers={"Retry-After": "7"}),
            ErrorKind.RATE_LIMITED,
            "Too Many Requests",
            "slow down",
            7,
        ),
        (
            Reply({"errors": [{"title": "", "detail": "retry after 9s"}]}, 429),
            ErrorKind.RATE_LIMITED,
            "Too Many Requests",
            "retry after 9s",
            9,
        ),
        (
            Reply({"errors": [{"title": 5, "detail": 6}]}, 599),
            ErrorKind.TRANSIENT,
            "HTTP 599",
            None,
            None,
        ),
        (Reply({"errors": [{"title": "Odd"}]}, 418), ErrorKind.TRANSIENT, "Odd", None, None),
    ],
)
async def test_odd_error_answers_keep_their_status(
    fake,
    reply: Reply,
    kind: ErrorKind,
    error_type: str,
    description: str | None,
    retry_after: int | None,
) -> None:
    replies, client = fake
    replies[VIN_DATA] = reply
    with pytest.raises(ProviderError) as raised:
        await client.async_read(BMW, FEATURES)
    details = _details(raised)
    assert (details.kind, details.type, details.description, details.retry_after) == (
        kind,
        error_type,
        description,
        retry_after,
    )
    assert details.status == reply.status


async def test_retry_after_as_an_http_date(fake) -> None:
    replies, client = fake
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    replies[VIN_DATA] = Reply(
        {"errors": [{"title": "Too Many Requests"}]}, 429, headers={"Retry-After": later}
    )
    with pytest.raises(ProviderError) as raised:
        await client.async_read(BMW, FEATURES)
    assert 100 <= (_details(raised).retry_after or 0) <= 120


@pytest.mark.parametrize(
    "token",
    [
        Reply({"access_token": "", "expires_in": 300}),
        Reply({"access_token": "t", "expires_in": "300"}),
        Reply({"access_token": "t", "expires_in": 0}),
        Reply({"access_token": "t"}),
        Reply({"access_token": 5, "expires_in": 300}),
        Reply(["t"]),
        Reply(raw=b"token"),
    ],
)
async def test_an_odd_token_answer_is_a_communication_error(fake, token: Reply) -> None:
    replies, client = fake
    replies["/v1/access_tokens"] = token
    with pytest.raises(CommunicationError):
        await client.async_authenticate()


async def test_a_token_without_scopes(fake) -> None:
    replies, client = fake
    replies["/v1/access_tokens"] = Reply({"access_token": "t", "expires_in": 10})
    assert await client.async_authenticate() == frozenset()
    assert await client.async_get_permissions(BMW) == set()


@pytest.mark.parametrize(
    ("token", "source"),
    [
        (Reply({"error": "invalid_client"}, 401), None),
        (
            Reply(
                {"error": "invalid_request", "error_description": "client_secret is invalid"}, 403
            ),
            "client_secret",
        ),
    ],
)
async def test_a_refusal_in_oauth_words_is_an_authentication_error(
    fake, token: Reply, source: str | None
) -> None:
    replies, client = fake
    replies["/v1/access_tokens"] = token
    with pytest.raises(ProviderError) as raised:
        await client.async_authenticate()
    details = _details(raised)
    assert (details.kind, details.code, details.source) == (
        ErrorKind.AUTHENTICATION,
        "invalid_client",
        source,
    )


FLEET = "/v1/fleets/vehicles"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"vehicles": []},
        [{"status": "pending"}],
        [{"vin": 5, "status": "pending"}],
        [{"vin": BMW, "status": "lost"}],
        [{"vin": BMW, "status": "pending", "changelog": ["pending"]}],
        [{"vin": BMW, "status": "pending", "changelog": [{"status": "gone"}]}],
        [{"vin": BMW, "status": "pending", "changelog": {"status": "pending"}}],
        ["vin"],
    ],
)
async def test_an_odd_fleet_is_a_communication_error(fake, body: Any) -> None:
    replies, client = fake
    replies[FLEET] = Reply(body)
    with pytest.raises(CommunicationError):
        await client.async_get_fleet()


async def test_a_lenient_read_of_a_fleet_item(fake) -> None:
    replies, client = fake
    item = {
        "vin": BMW,
        "status": "rejected",
        "brand": 7,
        "tags": {"a": "b", "n": 1},
        "changelog": [
            {"status": "pending", "timestamp": "2022-03-22T09:36:51"},
            {"status": "rejected", "timestamp": None, "reason": ""},
        ],
        "description": 5,
    }
    replies[FLEET] = Reply([item, {"vin": MERCEDES, "status": "pending", "tags": ["x"]}])
    assert await client.async_get_fleet() == [
        Clearance(
            BMW,
            ClearanceStatus.REJECTED,
            tags={"a": "b"},
            changelog=(
                ClearanceChange(
                    ClearanceStatus.PENDING, datetime(2022, 3, 22, 9, 36, 51, tzinfo=UTC)
                ),
                ClearanceChange(ClearanceStatus.REJECTED, None),
            ),
        ),
        Clearance(MERCEDES, ClearanceStatus.PENDING),
    ]
    assert (await client.async_get_fleet())[0].reason is None
    replies[f"{FLEET}/{BMW}"] = Reply(item | {"brand": "unheard-of"})
    assert (await client.async_get_vehicle(BMW)).make == "unheard-of"


@pytest.mark.parametrize("body", [{}, {"vehicles": {}}, {"vehicles": [{"vin": BMW}]}, []])
async def test_an_odd_answer_to_adding_is_a_communication_error(fake, body: Any) -> None:
    replies, client = fake
    replies[FLEET] = Reply(body)
    with pytest.raises(CommunicationError):
        await client.async_add_vehicles([ClearanceRequest(BMW, "bmw")])


@pytest.mark.parametrize("reply", [Reply({"status": "gone"}), Reply({}), Reply(raw=b"ok")])
async def test_an_odd_answer_to_removing_is_a_communication_error(fake, reply: Reply) -> None:
    replies, client = fake
    replies[f"{FLEET}/{BMW}"] = reply
    with pytest.raises(CommunicationError):
        await client.async_remove_vehicle(BMW)


async def test_a_conflict_without_words_is_still_done(fake) -> None:
    replies, client = fake
    replies[f"{FLEET}/{BMW}"] = Reply(raw=b"conflict", status=409)
    assert await client.async_remove_vehicle(BMW) is None


async def test_vins_are_quoted_in_paths(fake) -> None:
    replies, client = fake
    replies[f"{FLEET}/a%2Fb%3F"] = Reply({"vin": "a/b?", "status": "approved"})
    assert (await client.async_get_clearance("a/b?")).status is ClearanceStatus.APPROVED


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        (Reply(raw=b"Unauthorized", status=401), ErrorKind.TRANSIENT),
        (Reply({"message": "forbidden"}, 403), ErrorKind.TRANSIENT),
        (Reply({"error": "not_found"}, 404), ErrorKind.TRANSIENT),
        (Reply({"error": "timeout"}, 408), ErrorKind.TRANSIENT),
        (Reply({"error": "slow_down"}, 429), ErrorKind.RATE_LIMITED),
        (Reply({"error": "server_error"}, 502), ErrorKind.TRANSIENT),
    ],
)
async def test_other_token_trouble_is_passing(fake, token: Reply, kind: ErrorKind) -> None:
    """Only a refusal in OAuth's words blames the credentials (as for the other providers)."""
    replies, client = fake
    replies["/v1/access_tokens"] = token
    with pytest.raises(ProviderError) as raised:
        await client.async_authenticate()
    assert (_details(raised).kind, _details(raised).code) == (kind, None)


async def test_a_token_retry_after_holds_every_token_request_back(
    socket_enabled: None,
) -> None:
    """A Retry-After of the token endpoint: nothing is sent to it until the wait is over, by any
    client sharing the holds (a day at most); then it is asked again."""
    sent: list[str] = []
    wait = {"Retry-After": "600"}

    async def handler(request: web.Request) -> web.Response:
        sent.append(request.path)
        if wait:
            return web.json_response({"error": "slow_down"}, status=429, headers=wait)
        return web.json_response(TOKEN.body)

    app = web.Application()
    app.router.add_post("/v1/access_tokens", handler)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    waits: dict[str, datetime] = {}
    origin = f"http://127.0.0.1:{server.port}"
    async with ClientSession() as session:
        client = HighMobilityClient(session, "id", "secret", origin=origin, token_waits=waits)
        with pytest.raises(ProviderError) as raised:
            await client.async_authenticate()
        assert _details(raised).retry_after == 600
        other = HighMobilityClient(session, "id", "secret", origin=origin, token_waits=waits)
        with pytest.raises(ProviderError) as raised:
            await other.async_authenticate()
        assert _details(raised).kind is ErrorKind.RATE_LIMITED
        assert 0 < (_details(raised).retry_after or 0) <= 600
        assert sent == ["/v1/access_tokens"]

        wait.clear()
        waits[f"{origin}/v1/access_tokens"] = datetime.now(UTC) - timedelta(seconds=1)
        assert await other.async_authenticate() == frozenset({"vehicle:data"})
        assert len(sent) == 2

        wait["Retry-After"] = str(10 * 24 * 3600)
        with pytest.raises(ProviderError):
            await HighMobilityClient(
                session, "id", "secret", origin=origin, token_waits=waits
            ).async_authenticate()
        held = waits[f"{origin}/v1/access_tokens"] - datetime.now(UTC)
        assert timedelta(hours=23) < held <= timedelta(days=1)
    await server.close()
