"""Benchmark: push for Smartcar over 24 simulated hours.

The simulator delivers signed webhooks to Home Assistant's webhook (HA's server on loopback as
its external URL). Time moves ten minutes a step, for HA and the simulator alike; every hour one
car changes (round robin). Prints the regular reads per car (target: none but the safety read),
the median and worst wall time from a change on the simulated car to the HA state (target under
1 s), the reads spent to confirm lock commands while push answers (target 0) and the time to
their pushed result, and how many of 1,000 forged deliveries HA accepted (target 0). Run with
`make bench`.
"""

from datetime import timedelta
import hashlib
import hmac
import json
import statistics
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.lock import DOMAIN as LOCK_DOMAIN, LockState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.connected_car.api.model import Feature, Odometer
from simulator.config import SimulatorConfig
from tests.conftest import TEST_REDIRECT_URI, SimulatorClock
from tests.integration.conftest import SetupIntegration
from tests.integration.simulator_control import SimulatorControl
from tests.integration.test_push import AMT, external_url, set_amt, until  # noqa: F401

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials")

HOURS = 24
STEP = timedelta(minutes=10)
FORGED = 1_000
COMMANDS = 10


@pytest.fixture
def simulator_config(simulator_clock: SimulatorClock) -> SimulatorConfig:
    """The default Smartcar cars."""
    return SimulatorConfig(redirect_uris=[TEST_REDIRECT_URI], clock=simulator_clock)


def _wall() -> float:
    """Real seconds, whatever the frozen clock says (freezegun leaves clock_gettime alone)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


async def _step(hass: HomeAssistant, freezer: FrozenDateTimeFactory, sim: SimulatorControl) -> None:
    freezer.tick(STEP)
    await sim.call("POST", "/clock", {"advance": STEP.total_seconds()})
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def _forgeries(vehicle_id: str) -> list[tuple[bytes, dict[str, str]]]:
    """Deliveries not signed with the AMT: another key, no header, a changed body, a bad hex."""
    forged = []
    for index in range(FORGED):
        message = {
            "eventId": f"forged-{index}",
            "eventType": "VEHICLE_STATE",
            "data": {
                "vehicle": {"id": vehicle_id},
                "signals": [
                    {
                        "code": "odometer-traveleddistance",
                        "body": {"value": 1.0 + index, "unit": "km"},
                        "meta": {"oemUpdatedAt": 4_000_000_000_000 + index},
                    }
                ],
            },
            "meta": {"version": "4.0", "mode": "LIVE"},
        }
        body = json.dumps(message).encode()
        good = hmac.new(AMT.encode(), body, hashlib.sha256).hexdigest()
        match index % 4:
            case 0:
                key = f"guessed-key-{index}".encode()
                headers = {"SC-Signature": hmac.new(key, body, hashlib.sha256).hexdigest()}
            case 1:
                headers = {}
            case 2:
                headers = {"sc-signature": good}
                body = body.replace(b'"LIVE"', b'"LIVE" ')
            case _:
                headers = {"SC-Signature": good[:-1] + ("0" if good[-1] != "0" else "1")}
        forged.append((body, headers | {"Content-Type": "application/json"}))
    return forged


async def test_push_over_a_day(  # noqa: PLR0917 - the fixtures
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    external_url: str,  # noqa: F811
    hass_client_no_auth: ClientSessionGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    entry = await setup_integration()
    await set_amt(hass, entry)
    coordinators = entry.runtime_data.coordinators
    url = entry.runtime_data.push.url
    await sim.call(
        "POST", "/webhooks", {"provider": "smartcar", "url": url, "subscribe_all": False}
    )

    async def all_healthy() -> bool:
        return all(c.push_healthy for c in coordinators.values())

    await until(hass, all_healthy, freezer)
    await sim.reset_stats()
    cars = list(coordinators)
    latencies: list[float] = []
    steps_per_hour = int(timedelta(hours=1) / STEP)
    for step in range(int(timedelta(hours=HOURS) / STEP)):
        await _step(hass, freezer, sim)
        if step % steps_per_hour:
            continue
        vehicle_id = cars[(step // steps_per_hour) % len(cars)]
        coordinator = coordinators[vehicle_id]
        km = 100_000.0 + step

        async def shown(coordinator: Any = coordinator, km: float = km) -> bool:
            return coordinator.data.readings.get(Feature.ODOMETER) == Odometer(km)

        started = _wall()
        await sim.patch(vehicle_id, odometer=km)
        await until(hass, shown, freezer)
        latencies.append(_wall() - started)

    stats = await sim.stats()
    reads = {v: stats["vehicles"].get(v, {}).get("requests", 0) for v in cars}
    healthy = sum(c.push_healthy for c in coordinators.values())
    print(
        f"\nBENCH push, {len(cars)} Smartcar cars, {HOURS} simulated hours, push healthy for "
        f"{healthy}/{len(cars)} at the end: reads per car {sorted(reads.values())} "
        f"(target 0 plus the safety read); change to HA state: median "
        f"{statistics.median(latencies) * 1000:.0f} ms, worst {max(latencies) * 1000:.0f} ms "
        f"over {len(latencies)} changes (target < 1000 ms)"
    )
    assert max(reads.values()) <= 1

    await _commands_confirmed_by_push(hass, freezer, sim)

    client = await hass_client_no_auth()
    path = URL(url).path
    vehicle_id = cars[0]
    before = coordinators[vehicle_id].data.readings.get(Feature.ODOMETER)
    accepted = 0
    for body, headers in _forgeries(vehicle_id):
        response = await client.post(path, data=body, headers=headers)
        accepted += 200 <= response.status < 300
    await hass.async_block_till_done(wait_background_tasks=True)
    print(
        f"BENCH push, forged deliveries accepted: {accepted} of {FORGED} "
        f"(refused: {entry.runtime_data.push.rejected}; target 0)"
    )
    assert accepted == 0
    assert coordinators[vehicle_id].data.readings.get(Feature.ODOMETER) == before


async def _commands_confirmed_by_push(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, sim: SimulatorControl
) -> None:
    """Lock and unlock the cars in turn: push brings each result, so no read is spent."""
    # The default cars that take remote locking (the Tesla wants its virtual key first).
    locks = ["lock.ford_f_150_door_lock", "lock.toyota_rav4_prime_door_lock"]
    await sim.reset_stats()
    latencies: list[float] = []
    for index in range(COMMANDS):
        lock_id = locks[index % len(locks)]
        locked = hass.states.get(lock_id).state == LockState.LOCKED
        coordinator = hass.data["entity_components"][LOCK_DOMAIN].get_entity(lock_id).coordinator
        started = _wall()
        await hass.services.async_call(
            LOCK_DOMAIN, "unlock" if locked else "lock", {"entity_id": lock_id}, blocking=True
        )

        async def confirmed(coordinator: Any = coordinator) -> bool:
            return not coordinator.awaiting_push

        await until(hass, confirmed, freezer)
        latencies.append(_wall() - started)
    stats = await sim.stats()
    reads = stats["totals"]["billable"] - COMMANDS
    print(
        f"BENCH push, {COMMANDS} lock commands on {len(locks)} cars while push answers: "
        f"reads to confirm them {reads} (target 0); command to pushed result: median "
        f"{statistics.median(latencies) * 1000:.0f} ms, worst {max(latencies) * 1000:.0f} ms"
    )
    assert reads == 0
