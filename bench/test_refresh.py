"""Benchmark: a full refresh of 1, 10 and 50 cars with 300 ms simulator latency.

Prints the wall time and the requests and billable calls the refresh took; asserts no timing.
Run with `make bench`.
"""

import asyncio
import time

from homeassistant.core import HomeAssistant
import pytest

from tests.integration.conftest import SetupIntegration
from tests.integration.simulator_control import SimulatorControl

LATENCY_MS = 300


@pytest.mark.parametrize("cars", [1, 10, 50])
async def test_full_refresh(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl, cars: int
) -> None:
    """Refresh every car at once, as their scheduled polls would."""
    entry = await setup_integration()
    coordinators = list(entry.runtime_data.coordinators.values())
    assert len(coordinators) == cars
    await sim.latency(LATENCY_MS)
    await sim.reset_stats()

    started = time.perf_counter()
    await asyncio.gather(*(c.async_refresh() for c in coordinators))
    elapsed = time.perf_counter() - started

    stats = (await sim.stats())["totals"]
    assert all(c.last_update_success for c in coordinators)
    print(
        f"\nBENCH full refresh: {cars:>2} cars, {LATENCY_MS} ms latency: "
        f"{elapsed * 1000:7.1f} ms wall, {stats['requests']:>3} requests, "
        f"{stats['billable']:>4} billable calls"
    )
