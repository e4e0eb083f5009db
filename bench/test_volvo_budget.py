"""Benchmark: Volvo requests per car-hour and the share of the daily quota five cars use.

Five simulated Volvos run for twelve simulated hours with the default options, twice: as the
simulator starts them (the EX30s charging), then with every electric car charging and a door of each
other car open. Prints requests per car-hour, the five cars' share of the application's 10,000
requests a day, and the oldest lock and charging state shown by a busy car (charging or open) and
by an idle one. Asserts no timing. Run with `make bench`.
"""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.connected_car.api.model import Feature
from custom_components.connected_car.coordinator import VehicleCoordinator
from simulator.config import SimulatorConfig
from tests.conftest import TEST_REDIRECT_URI, SimulatorClock
from tests.integration.conftest import SetupIntegration
from tests.integration.simulator_control import SimulatorControl

CARS = 5
HOURS = 12
STEP = timedelta(minutes=1)
DAILY_QUOTA = 10_000
WATCHED = (Feature.SECURITY, Feature.CHARGE)  # the lock and the charging state


@pytest.fixture
def simulator_config(simulator_clock: SimulatorClock) -> SimulatorConfig:
    """Five Volvos beside the default Smartcar cars."""
    return SimulatorConfig(
        redirect_uris=[TEST_REDIRECT_URI], clock=simulator_clock, volvo_cars=CARS
    )


async def _run(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, coordinators: list[VehicleCoordinator]
) -> dict[bool, timedelta]:
    """Let HOURS pass a minute at a time; the oldest watched data of busy and of idle cars."""
    oldest = {True: timedelta(), False: timedelta()}
    for _ in range(int(timedelta(hours=HOURS) / STEP)):
        freezer.tick(STEP)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        now = dt_util.utcnow()
        for coordinator in coordinators:
            busy = coordinator.is_busy
            for feature in WATCHED:
                if (read := coordinator.last_read.get(feature)) is not None:
                    oldest[busy] = max(oldest[busy], now - read)
    return oldest


async def test_volvo_requests_per_car_hour(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Requests per car-hour and the day's share of the quota, as simulated and all busy."""
    entry = await setup_integration(provider="volvo")
    coordinators = list(entry.runtime_data.coordinators.values())
    assert len(coordinators) == CARS

    for label in ("as simulated", "all busy"):
        if label == "all busy":
            for car in await sim.vehicles("volvo"):
                if car["state"]["battery"]:
                    await sim.patch(car["id"], charge={"plugged_in": True, "state": "CHARGING"})
                else:
                    await sim.patch(car["id"], doors={"frontLeft": "OPEN"})
            for coordinator in coordinators:
                await coordinator.async_refresh_everything()
        await sim.reset_stats()
        oldest = await _run(hass, freezer, coordinators)
        requests = (await sim.stats("volvo"))["totals"]["requests"]
        busy = sum(c.is_busy for c in coordinators)
        print(
            f"\nBENCH volvo {label} ({busy} of {CARS} busy): "
            f"{requests / CARS / HOURS:5.1f} requests per car-hour, {CARS} cars use "
            f"{requests * 24 / HOURS / DAILY_QUOTA:6.1%} of {DAILY_QUOTA} a day; oldest lock or "
            f"charging state: busy cars {oldest[True]}, idle cars {oldest[False]}"
        )
