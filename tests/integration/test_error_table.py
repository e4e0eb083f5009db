"""Every Smartcar error the simulator knows, through Home Assistant: flows, repairs, requests."""

from dataclasses import dataclass

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.connected_car.api.errors import ErrorDetails, ProviderError
from custom_components.connected_car.const import DOMAIN
from custom_components.connected_car.errors import BEHAVIOURS, Behaviour, behaviour_of
from simulator.smartcar.errors import CATALOGUE

from .conftest import SetupIntegration
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
    if error_type == "AUTHENTICATION":
        return Expected(reauth=True)
    if error_type == "PERMISSION":
        return Expected(
            issues=tuple(f"missing_permission_{p}" for p in FORD_PERMISSIONS),
            next_requests=0,
            issues_clear=False,
        )
    if error_type == "CONNECTED_SERVICES_ACCOUNT":
        if code == "VIRTUAL_KEY_REQUIRED":  # cleared by the next command that goes through
            return Expected(issues=("virtual_key_required",), issues_clear=False)
        return Expected(issues=(ACCOUNT_ISSUES[code or ""],))
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
        return Expected(issues=(f"billing_{(code or '').lower()}",))
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

    reauth_flows = [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_REAUTH
    ]
    assert bool(reauth_flows) is want.reauth
    ours = {
        issue_id.removeprefix(f"{ford['id']}_")
        for (domain, issue_id) in issue_registry.issues
        if domain == DOMAIN
    }
    assert ours == set(want.issues)
    odometer = hass.states.get("sensor.ford_f_150_odometer")
    assert odometer is not None
    assert (odometer.state != STATE_UNAVAILABLE) is want.available

    await sim.reset_stats()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert (await sim.stats())["vehicles"][ford["id"]]["requests"] == want.next_requests
    left = {i for (d, i) in issue_registry.issues if d == DOMAIN}
    assert (not left) is (want.issues_clear or not want.issues)


@pytest.mark.parametrize(("error_type", "code"), sorted(CATALOGUE, key=str))
def test_the_table_covers_every_error(error_type: str, code: str | None) -> None:
    """Every error Smartcar documents has a row, exact or for its type."""
    assert (error_type, code) in BEHAVIOURS or (error_type, None) in BEHAVIOURS
    error = ProviderError(ErrorDetails(provider="smartcar", type=error_type, code=code))
    assert isinstance(behaviour_of(error), Behaviour)


def test_unknown_errors_are_retried() -> None:
    """An error type Smartcar adds later is retried, not crashed on."""
    error = ProviderError(ErrorDetails(provider="smartcar", type="NEW_TYPE", code="X"))
    assert behaviour_of(error) is Behaviour.RETRY
