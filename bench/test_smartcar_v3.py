"""Benchmark: a day of Smartcar v3 polling for 12 cars on one application.

Prints the v3 API requests per car per poll (target 1) and the IAM app-token requests in each hour
(target at most 1); asserts the targets, no timing. Run with `make bench`.
"""

from collections import Counter
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from tests.integration.conftest import SetupIntegration
from tests.integration.simulator_control import SimulatorControl

HOURS = 24


async def _tokens_issued(sim: SimulatorControl) -> int:
    return int((await sim.call("GET", "/smartcar-v3"))["app_tokens_issued"])


@pytest.mark.usefixtures("current_request_with_host", "credentials")
@pytest.mark.parametrize("cars", [12])
async def test_a_day_of_v3_polling(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    cars: int,
) -> None:
    """Let a day pass hour by hour: the cars poll on their own schedule."""
    entry = await setup_integration(provider="smartcar_v3")
    coordinators = entry.runtime_data.coordinators
    assert len(coordinators) == cars
    await sim.reset_stats()
    polls: Counter[str] = Counter()
    tokens_per_hour: list[int] = []
    last_poll = {vid: c.last_poll for vid, c in coordinators.items()}
    for _ in range(HOURS):
        before = await _tokens_issued(sim)
        freezer.tick(timedelta(hours=1))
        await sim.call("POST", "/clock", {"advance": 3600})
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        tokens_per_hour.append(await _tokens_issued(sim) - before)
        for vehicle_id, coordinator in coordinators.items():
            if coordinator.last_poll != last_poll[vehicle_id]:
                polls[vehicle_id] += 1
                last_poll[vehicle_id] = coordinator.last_poll

    usage = (await sim.stats())["vehicles"]
    per_poll = {vid: usage[vid]["requests"] / polls[vid] for vid in coordinators if polls[vid]}
    assert len(per_poll) == cars
    worst = max(per_poll.values())
    print(
        f"\nBENCH smartcar v3, {cars} cars, {HOURS} h: {sum(polls.values()) / cars:.1f} polls per "
        f"car, {worst:.2f} v3 requests per car per poll (worst car), app-token requests per hour: "
        f"max {max(tokens_per_hour)}, {sum(tokens_per_hour)} in {HOURS} h"
    )
    assert worst == 1
    assert max(tokens_per_hour) <= 1
