"""The call budget made visible: calls spent and left, the next poll and the last good one."""

from datetime import datetime

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.connected_car.schedule import next_month

from .conftest import SetupIntegration
from .helpers import state_of
from .simulator_control import SimulatorControl

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials")


async def test_calls_used_match_what_smartcar_bills(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """The sensors count what the provider bills for reads and commands, keep it across a
    restart, and start again when the month does.
    """
    freezer.move_to("2026-12-10T12:00:00+00:00")
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    coordinator = entry.runtime_data.coordinators[ford["id"]]
    await coordinator.async_refresh_everything()
    await hass.services.async_call(
        "lock", "lock", {"entity_id": "lock.ford_f_150_door_lock"}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    usage = (await sim.stats())["vehicles"][ford["id"]]
    # Every call but the three that identified the car when it was added.
    billed = usage["billable"] - sum(usage["by_path"][p] for p in ("/", "/vin", "/permissions"))
    assert billed > 10
    assert int(state_of(hass, "sensor.ford_f_150_api_calls_used")) == billed
    assert int(state_of(hass, "sensor.ford_f_150_api_calls_left")) == 500 - billed
    last_poll = datetime.fromisoformat(state_of(hass, "sensor.ford_f_150_last_successful_poll"))
    assert last_poll == dt_util.utcnow()
    next_poll = datetime.fromisoformat(state_of(hass, "sensor.ford_f_150_next_poll"))
    assert coordinator.update_interval is not None
    assert next_poll == last_poll + coordinator.update_interval

    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert int(state_of(hass, "sensor.ford_f_150_api_calls_used")) == billed

    freezer.move_to(next_month(dt_util.utcnow()))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    coordinator = entry.runtime_data.coordinators[ford["id"]]
    coordinator.async_update_listeners()
    assert int(state_of(hass, "sensor.ford_f_150_api_calls_left")) + coordinator.calls_used == 500
    assert coordinator.calls_used < billed
