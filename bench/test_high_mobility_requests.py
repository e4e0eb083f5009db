"""Benchmark: High Mobility requests per car-hour with the default options.

The simulator's three High Mobility cars, cleared before, run for twelve simulated hours with the
default options (a poll every 15 minutes). Prints every request to High Mobility per car-hour
(vehicle data, fleet reads and access tokens, which live 5 minutes), the vehicle data requests per
car-hour alone, and the busiest minute against the 60 requests a minute High Mobility allows.
Asserts no timing. Run with `make bench`.
"""

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from tests.integration.conftest import SetupIntegration
from tests.integration.high_mobility import (
    APPROVAL_DELAY,
    BMW,
    MERCEDES,
    RENAULT,
    add_to_fleet,
    advance,
    connect_hm,
)
from tests.integration.simulator_control import SimulatorControl

HOURS = 12
STEP = timedelta(minutes=1)
RATE_LIMIT = 60  # requests a minute per application


@pytest.fixture
def cars() -> int:
    """The default garage."""
    return 4


@pytest.mark.usefixtures("current_request_with_host", "credentials", "setup_integration")
async def test_high_mobility_requests_per_car_hour(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim: SimulatorControl,
    setup_integration: SetupIntegration,
) -> None:
    """Requests per car-hour of three cleared cars, and the busiest minute."""
    vins = [BMW, MERCEDES, RENAULT]
    await add_to_fleet(sim, (BMW, "bmw"), (MERCEDES, "mercedes-benz"), (RENAULT, "renault"))
    await advance(sim, APPROVAL_DELAY)
    result = await connect_hm(hass, fleet_cars=vins)
    await hass.async_block_till_done()
    entry = result["result"]
    assert set(entry.runtime_data.coordinators) == set(vins)
    # The client times its access token by the monotonic clock, which the frozen test clock does
    # not move: let it follow Home Assistant's (and the simulator's) time, as it would for real.
    entry.runtime_data.client._clock = lambda: dt_util.utcnow().timestamp()  # noqa: SLF001

    await sim.reset_stats()
    busiest, before = 0, 0
    for _ in range(int(timedelta(hours=HOURS) / STEP)):
        freezer.tick(STEP)
        await advance(sim, STEP.total_seconds())  # the simulator's minute window moves along
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        total = (await sim.stats("high_mobility"))["totals"]["requests"]
        busiest, before = max(busiest, total - before), total
    stats = await sim.stats("high_mobility")
    requests = stats["totals"]["requests"]
    data = sum(stats["vehicles"][vin]["requests"] for vin in vins)
    print(
        f"\nBENCH high_mobility default options ({len(vins)} cars, {HOURS} h): "
        f"{requests / len(vins) / HOURS:5.1f} requests per car-hour "
        f"({data / len(vins) / HOURS:.1f} of them vehicle data); busiest minute "
        f"{busiest} of {RATE_LIMIT} allowed"
    )
