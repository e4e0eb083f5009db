"""Every Smartcar error the simulator knows, through Home Assistant: flows, repairs, requests."""

from dataclasses import dataclass

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.connected_car.api.errors import ErrorKind
from custom_components.connected_car.api.smartcar import ERROR_KINDS, error_kind
from simulator.smartcar.errors import CATALOGUE

from .conftest import SetupIntegration
from .helpers import problem_issues, reauth_started, state_of
from .simulator_control import SimulatorControl

FORD_PERMISSIONS = (
    "read_engine_oil",
    "read_fuel",
    "read_location",
    "read_odometer",
    "read_security",
    "read_tires",
)


@dataclass(frozen=True)
class Expected:
    """What one failed poll of the whole car must lead to."""

    reauth: bool = False
    issues: tuple[str, ...] = ()  # issue ids without the car's id
    available: bool = False  # the entities after the failed poll
    next_requests: int = 1  # requests the following refresh sends
    issues_clear: bool = True  # whether the next good poll removes the issues


RETRY = Expected()
KEPT = Expected(available=True)
ACCOUNT_ISSUES = {
    "ACCOUNT_ISSUE": "account_issue",
    "AUTHENTICATION_FAILED": "authentication_failed",
    "NO_VEHICLES": "no_vehicles",
    "PERMISSION": "permission_revoked",
    "SUBSCRIPTION": "subscription",
    "VEHICLE_MISSING": "vehicle_missing",
}


def expected(error_type: str, code: str | None) -> Expected:
    """The behaviour the issue asks for, written out independently of the code's table."""
    if error_type == "AUTHENTICATION":  # once: a new token and one retry; no login asked for
        return KEPT
    if error_type == "PERMISSION":
        return Expected(
            issues=tuple(f"missing_permission_{p}" for p in FORD_PERMISSIONS),
            next_requests=0,
            issues_clear=False,
        )
    if error_type == "CONNECTED_SERVICES_ACCOUNT":  # the last values stay while the owner acts
        if code == "VIRTUAL_KEY_REQUIRED":  # cleared by the next command that goes through
            return Expected(issues=("virtual_key_required",), available=True, issues_clear=False)
        return Expected(issues=(ACCOUNT_ISSUES[code or ""],), available=True)
    if error_type == "VEHICLE_STATE" and code in (
        "ASLEEP",
        "UNREACHABLE",
        "VEHICLE_OFFLINE_FOR_SERVICE",
    ):
        return KEPT
    if error_type == "RATE_LIMIT":  # last values stay; nothing is sent until Retry-After
        return Expected(available=True, next_requests=0)
    if error_type == "BILLING":
        if code == "VEHICLE_REQUEST_LIMIT":
            return Expected(
                issues=("budget_used_up",), available=True, next_requests=0, issues_clear=False
            )
        return Expected(issues=(f"billing_{(code or '').lower()}",), available=True)
    return RETRY


@pytest.mark.parametrize(("error_type", "code"), sorted(CATALOGUE, key=str))
async def test_every_error_of_a_poll(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    error_type: str,
    code: str | None,
) -> None:
    """One failed poll of the Ford: the right flow, repairs and requests; then recovery."""
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    coordinator = entry.runtime_data.coordinators[ford["id"]]
    want = expected(error_type, code)
    await sim.inject_error(
        vehicle_id=ford["id"], path="/batch", type=error_type, code=code, times=1
    )

    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert reauth_started(hass) is want.reauth
    ours = {issue_id.removeprefix(f"smartcar_{ford['id']}_") for issue_id in problem_issues(hass)}
    assert ours == set(want.issues)
    odometer = hass.states.get("sensor.ford_f_150_odometer")
    assert odometer is not None
    assert (odometer.state != STATE_UNAVAILABLE) is want.available

    await sim.reset_stats()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert (await sim.stats())["vehicles"][ford["id"]]["requests"] == want.next_requests
    left = set(problem_issues(hass))
    assert (not left) is (want.issues_clear or not want.issues)


@pytest.mark.parametrize(("error_type", "code"), sorted(CATALOGUE, key=str))
def test_the_table_covers_every_error(error_type: str, code: str | None) -> None:
    """Every error Smartcar documents has a row, exact or for its type."""
    assert (error_type, code) in ERROR_KINDS or (error_type, None) in ERROR_KINDS
    assert isinstance(error_kind(error_type, code), ErrorKind)


def test_unknown_errors_are_retried() -> None:
    """An error type Smartcar adds later is transient, not crashed on."""
    assert error_kind("NEW_TYPE", "X") is ErrorKind.TRANSIENT


@dataclass(frozen=True)
class PathExpected:
    """What an error on one path of the batch must lead to."""

    odometer_available: bool = True  # the entity of the failed path
    reauth: bool = False
    issue: str | None = None
    next_requests: int = 1


@pytest.mark.parametrize(
    ("error_type", "code", "want"),
    [
        ("AUTHENTICATION", None, PathExpected()),  # once: a new token and one retry
        ("RATE_LIMIT", "VEHICLE", PathExpected(next_requests=0)),
        ("BILLING", "VEHICLE_REQUEST_LIMIT", PathExpected(issue="budget_used_up", next_requests=0)),
        ("BILLING", "INVALID_PLAN", PathExpected(issue="billing_invalid_plan")),
        ("CONNECTED_SERVICES_ACCOUNT", "SUBSCRIPTION", PathExpected(issue="subscription")),
        ("VEHICLE_STATE", "ASLEEP", PathExpected()),
        ("SERVER", "INTERNAL", PathExpected()),
        ("UPSTREAM", "INVALID_DATA", PathExpected()),
        # one answer is no proof: the last value stays (test_shared proves and drops it)
        ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE", PathExpected()),
    ],
)
async def test_error_on_one_path(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    error_type: str,
    code: str | None,
    want: PathExpected,
) -> None:
    """An error inside the batch affects its own entities; the rest of the car updates."""
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    coordinator = entry.runtime_data.coordinators[ford["id"]]
    await sim.patch(ford["id"], tires={"frontLeft": 201})
    await sim.inject_error(
        vehicle_id=ford["id"], path="/odometer", type=error_type, code=code, times=1
    )

    await coordinator.async_refresh()
    await hass.async_block_till_done()

    odometer = hass.states.get("sensor.ford_f_150_odometer")
    assert odometer is not None
    assert (odometer.state != STATE_UNAVAILABLE) is want.odometer_available
    assert reauth_started(hass) is want.reauth
    issues = {i.removeprefix(f"smartcar_{ford['id']}_") for i in problem_issues(hass)}
    assert issues == ({want.issue} if want.issue else set())
    if not want.reauth:
        tire = hass.states.get("sensor.ford_f_150_tire_pressure_front_left")
        assert tire is not None
        assert float(tire.state) == 201
    await sim.reset_stats()
    await coordinator.async_refresh()
    assert (await sim.stats())["vehicles"][ford["id"]]["requests"] == want.next_requests


@pytest.mark.parametrize(
    ("error", "state"),
    [
        ({"type": "AUTHENTICATION", "code": None}, "setup_error"),
        ({"type": "SERVER", "code": "INTERNAL"}, "loaded"),
        ({"type": "CONNECTED_SERVICES_ACCOUNT", "code": "ACCOUNT_ISSUE"}, "loaded"),
        ({"type": "MALFORMED", "code": None}, "loaded"),
    ],
)
async def test_setup_errors(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    error: dict[str, str | None],
    state: str,
) -> None:
    """At start-up: a refused account starts reauth; a list of cars that fails keeps the known cars."""
    entry = await setup_integration()
    await sim.inject_error(path="/vehicles", **error)

    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state.value == state
    assert reauth_started(hass) is (state == "setup_error")
    if state == "loaded":
        assert len(entry.runtime_data.coordinators) == 4
        assert state_of(hass, "sensor.ford_f_150_odometer") != STATE_UNAVAILABLE
