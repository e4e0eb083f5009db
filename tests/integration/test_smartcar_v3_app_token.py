"""Smartcar v3's app token with 12 cars: one per application, renewed once, its refusal a repair."""

import asyncio
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.connected_car.const import DOMAIN
from custom_components.connected_car.tokens import credentials_issue_id
from simulator.config import SimulatorConfig
from tests.conftest import TEST_REDIRECT_URI, SimulatorClock

from .conftest import SetupIntegration
from .helpers import reauth_started
from .simulator_control import V3_AUTH_DOMAIN, SimulatorControl

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials")

CARS = 12


@pytest.fixture
def simulator_config(simulator_clock: SimulatorClock) -> SimulatorConfig:
    """A garage of 12 Smartcar cars."""
    return SimulatorConfig(redirect_uris=[TEST_REDIRECT_URI], clock=simulator_clock, cars=CARS)


async def tokens_issued(sim: SimulatorControl) -> int:
    """App tokens IAM issued so far."""
    return int((await sim.call("GET", "/smartcar-v3"))["app_tokens_issued"])


async def pass_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, sim: SimulatorControl, seconds: int
) -> None:
    """Move Home Assistant's and the simulator's clocks alike."""
    freezer.tick(timedelta(seconds=seconds))
    await sim.call("POST", "/clock", {"advance": seconds})


async def poll_every_car(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Every car polls at once."""
    await asyncio.gather(
        *(c.async_refresh_everything() for c in entry.runtime_data.coordinators.values())
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_one_app_token_for_12_cars_renewed_once_before_it_expires(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Connecting and setting up 12 cars takes one app token; 12 cars polling near its end
    renew it once, before the API would refuse it."""
    entry = await setup_integration(provider="smartcar_v3")
    assert len(entry.runtime_data.coordinators) == CARS
    assert await tokens_issued(sim) == 1

    await poll_every_car(hass, entry)
    assert await tokens_issued(sim) == 1

    await pass_time(hass, freezer, sim, 3400)  # within 5 minutes of the hour's end
    await poll_every_car(hass, entry)
    assert await tokens_issued(sim) == 2
    assert all(c.last_update_success for c in entry.runtime_data.coordinators.values())


async def test_a_token_refused_early_is_renewed_once_for_every_car(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """The API refuses the token before its hour is over: one renewal, no login asked."""
    entry = await setup_integration(provider="smartcar_v3")
    await sim.inject_error(provider="smartcar_v3", path="/signals", type="AUTHENTICATION", times=1)
    await poll_every_car(hass, entry)
    assert await tokens_issued(sim) == 2
    assert not reauth_started(hass)
    assert all(c.last_update_success for c in entry.runtime_data.coordinators.values())


async def test_invalid_client_raises_the_credentials_repair_not_a_login(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """IAM refuses the application's credential at renewal: the repair says so and nobody is
    asked to log in; once IAM accepts it again the repair closes and the cars are read."""
    entry = await setup_integration(provider="smartcar_v3")
    await sim.inject_error(provider="smartcar_v3", path="/oauth2/token", type="AUTHENTICATION")
    await pass_time(hass, freezer, sim, 3600)
    await poll_every_car(hass, entry)

    issue_id = credentials_issue_id(V3_AUTH_DOMAIN)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert not reauth_started(hass)

    await sim.clear_errors()
    await poll_every_car(hass, entry)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert all(c.last_update_success for c in entry.runtime_data.coordinators.values())
