"""Benchmark: a full refresh of a 200-car High Mobility fleet with 300 ms simulator latency.

Every car of the fleet is cleared, connected through the config flow and then read at once, as
their polls would when they fall due together. Prints the wall time, the requests it took (one
vehicle data read per car, plus tokens and clearance reads) and the clearance requests of the
busiest minute against the 60 High Mobility allows; asserts no timing. Run with `make bench`.
"""

import asyncio
from dataclasses import replace
import time

from homeassistant.core import HomeAssistant
import pytest

from simulator.config import SimulatorConfig
from tests.integration.high_mobility import APPROVAL_DELAY, add_to_fleet, advance, connect_hm
from tests.integration.simulator_control import SimulatorControl

CARS = 200
LATENCY_MS = 300
CLEARANCE_LIMIT = 60  # clearance requests a minute per application
BRANDS = {"BMW": "bmw", "MERCEDES-BENZ": "mercedes-benz", "RENAULT": "renault"}


@pytest.fixture
def cars() -> int:
    """The default Smartcar garage beside the fleet."""
    return 4


@pytest.fixture
def simulator_config(simulator_config: SimulatorConfig) -> SimulatorConfig:
    """A High Mobility fleet of CARS cars."""
    return replace(simulator_config, high_mobility_cars=CARS)


@pytest.mark.usefixtures("current_request_with_host", "credentials", "setup_integration")
async def test_high_mobility_full_refresh(hass: HomeAssistant, sim: SimulatorControl) -> None:
    """Read all CARS cars at once."""
    fleet = await sim.vehicles("high_mobility")
    assert len(fleet) == CARS
    await add_to_fleet(sim, *((car["vin"], BRANDS[car["make"].upper()]) for car in fleet))
    await advance(sim, APPROVAL_DELAY)
    result = await connect_hm(hass, fleet_cars=[car["vin"] for car in fleet])
    await hass.async_block_till_done()
    coordinators = list(result["result"].runtime_data.coordinators.values())
    assert len(coordinators) == CARS

    await sim.latency(LATENCY_MS)
    await sim.reset_stats()
    started = time.perf_counter()
    await asyncio.gather(*(c.async_refresh() for c in coordinators))
    elapsed = time.perf_counter() - started

    assert all(c.last_update_success for c in coordinators)
    requests = (await sim.stats("high_mobility"))["totals"]["requests"]
    window = await sim.call("GET", "/high_mobility")
    clearance = window["environments"]["production"]["requests_last_minute"]
    print(
        f"\nBENCH high_mobility full refresh: {CARS} cars, {LATENCY_MS} ms latency: "
        f"{elapsed * 1000:7.1f} ms wall, {requests} requests, "
        f"{clearance} clearance requests in the minute of {CLEARANCE_LIMIT} allowed"
    )
