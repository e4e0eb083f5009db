"""Benchmark: what faults cost per car, for each provider (issue 15).

Twelve Smartcar cars and twelve Volvos, with the default options. Prints, per car:
- a one-hour outage of every request of one car (5xx): requests and billable calls during the hour;
- one car that fails while it is learned: the billable calls of each healthy car in the first hour
  and over seven hours (the healthy cars' normal polling), and the failing car's requests.
Asserts no timing. Run with `make bench`.
"""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from simulator.config import SimulatorConfig
from tests.conftest import TEST_REDIRECT_URI, SimulatorClock
from tests.integration.conftest import SetupIntegration
from tests.integration.simulator_control import SimulatorControl

CARS = 12
SERVER_ERRORS = {"smartcar": ("SERVER", "INTERNAL"), "volvo": ("INTERNAL_SERVER_ERROR", None)}


@pytest.fixture
def simulator_config(simulator_clock: SimulatorClock) -> SimulatorConfig:
    """Twelve cars of each provider."""
    return SimulatorConfig(
        redirect_uris=[TEST_REDIRECT_URI], clock=simulator_clock, cars=CARS, volvo_cars=CARS
    )


@pytest.fixture(params=["smartcar", "volvo"])
def provider(request: pytest.FixtureRequest) -> str:
    """Each provider in turn."""
    return str(request.param)


async def _step(hass: HomeAssistant, freezer: FrozenDateTimeFactory, span: timedelta) -> None:
    for _ in range(int(span / timedelta(minutes=1))):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


async def test_cost_of_an_outage(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
) -> None:
    """One hour in which every request about one car fails with a server error."""
    entry = await setup_integration(provider=provider)
    vehicle_id = (await sim.vehicles(provider))[0]["id"]
    error_type, code = SERVER_ERRORS[provider]
    await sim.inject_error(provider=provider, vehicle_id=vehicle_id, type=error_type, code=code)
    await sim.reset_stats()

    # The outage begins as the car is read: from then on, every retry meets it.
    await entry.runtime_data.coordinators[vehicle_id].async_refresh_everything()
    await _step(hass, freezer, timedelta(hours=1))
    usage = (await sim.stats(provider))["vehicles"][vehicle_id]
    print(
        f"BENCH {provider} 1 h outage of one car: {usage['requests']} requests, "
        f"{usage['billable']} billable (target: 6 requests, 0 billable)"
    )


async def test_cost_of_a_failed_discovery(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
) -> None:
    """One of twelve cars fails while it is learned; what the eleven others are billed."""
    cars = [car["id"] for car in await sim.vehicles(provider)]
    failing, healthy = cars[0], cars[1:]
    error_type, code = SERVER_ERRORS[provider]
    await sim.inject_error(provider=provider, vehicle_id=failing, type=error_type, code=code)
    await setup_integration(provider=provider)
    await sim.reset_stats()

    await _step(hass, freezer, timedelta(hours=1))
    first_hour = (await sim.stats(provider))["vehicles"]
    await _step(hass, freezer, timedelta(hours=6))
    seven_hours = (await sim.stats(provider))["vehicles"]
    most_first = max(first_hour[v]["billable"] for v in healthy)
    most_seven = max(seven_hours[v]["billable"] for v in healthy)
    print(
        f"BENCH {provider} failed discovery of 1 of {CARS} cars: each healthy car billed at most "
        f"{most_first} in the first hour, {most_seven} in 7 h (its normal polls; main before the "
        f"fix: 123 and 483 for Smartcar); the failing car sent "
        f"{seven_hours[failing]['requests']} requests in 7 h"
    )
