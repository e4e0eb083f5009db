"""Polling: one batch request per car with only the needed paths, within the monthly budget."""

import asyncio
from datetime import timedelta

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.connected_car.api.model import Feature
from custom_components.connected_car.schedule import MonthlyCallBudget

from .conftest import SetupIntegration
from .simulator_control import SimulatorControl

# Paths of the entities enabled by default (battery capacity is disabled by default).
EV_PATHS = {
    "/battery",
    "/charge",
    "/charge/limit",
    "/location",
    "/odometer",
    "/security",
    "/tires/pressure",
}


async def refresh_all(hass: HomeAssistant) -> None:
    """Refresh every car of every entry at once, as the scheduled polls do."""
    coordinators = [
        c
        for entry in hass.config_entries.async_loaded_entries("connected_car")
        for c in entry.runtime_data.coordinators.values()
    ]
    await asyncio.gather(*(c.async_refresh() for c in coordinators))


async def test_one_refresh_of_n_cars_sends_n_requests(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """Each car costs one HTTP request per poll, billed only for its enabled entities' paths."""
    await setup_integration()
    cars = {car["make"]: car["id"] for car in await sim.vehicles()}
    await sim.reset_stats()

    await refresh_all(hass)

    stats = await sim.stats()
    assert stats["totals"]["requests"] == len(cars)
    usage = stats["vehicles"]
    assert set(usage[cars["VOLKSWAGEN"]]["by_path"]) == EV_PATHS
    assert set(usage[cars["FORD"]]["by_path"]) == {
        "/engine/oil",
        "/fuel",
        "/location",
        "/odometer",
        "/security",
        "/tires/pressure",
    }
    for car_usage in usage.values():
        assert car_usage["requests"] == 1
        assert car_usage["billable"] == len(car_usage["by_path"])


async def test_disabled_entities_are_not_polled(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Disabling every entity of a path drops the path; disabling one of four tires does not."""
    entry = await setup_integration()
    vw = await sim.vehicle("Volkswagen")
    entity_registry.async_update_entity(
        "device_tracker.volkswagen_id_4_location", disabled_by=er.RegistryEntryDisabler.USER
    )
    entity_registry.async_update_entity(
        "sensor.volkswagen_id_4_tire_pressure_front_left",
        disabled_by=er.RegistryEntryDisabler.USER,
    )
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await sim.reset_stats()

    await refresh_all(hass)

    by_path = (await sim.stats())["vehicles"][vw["id"]]["by_path"]
    assert set(by_path) == EV_PATHS - {"/location"}


async def test_polling_interval_fits_the_monthly_budget(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """With the free plan's 500 calls, polls spread so that a month stays within 90 %."""
    entry = await setup_integration()
    for coordinator in entry.runtime_data.coordinators.values():
        features = coordinator.polled_features
        calls_per_poll = len(features)
        assert coordinator.update_interval == MonthlyCallBudget(500).interval(features, False)
        polls_per_month = timedelta(days=31) / coordinator.update_interval
        assert polls_per_month * calls_per_poll <= 450.001


def test_polling_interval_never_below_five_minutes() -> None:
    """A big budget does not turn polling into hammering."""
    assert MonthlyCallBudget(1_000_000).interval([Feature.BATTERY], False) == timedelta(minutes=5)
    assert MonthlyCallBudget(500).interval([], False) > timedelta(hours=1)


async def test_scheduled_poll_updates_states(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """A change in the car shows after the next scheduled poll."""
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    await sim.patch(ford["id"], odometer=70000)
    coordinator = entry.runtime_data.coordinators[ford["id"]]
    interval = coordinator.update_interval

    assert interval is not None
    async_fire_time_changed(hass, dt_util.utcnow() + interval + timedelta(seconds=1))
    await hass.async_block_till_done(wait_background_tasks=True)

    state = hass.states.get("sensor.ford_f_150_odometer")
    assert state is not None
    assert float(state.state) == 70000


async def test_failed_path_affects_only_its_entities(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """A path failing inside the batch keeps its last value; the others update."""
    await setup_integration()
    ford = await sim.vehicle("Ford")
    await sim.inject_error(vehicle_id=ford["id"], path="/odometer", type="SERVER", code="INTERNAL")
    await sim.patch(ford["id"], odometer=70000, tires={"frontLeft": 200})

    await refresh_all(hass)

    odometer = hass.states.get("sensor.ford_f_150_odometer")
    tire = hass.states.get("sensor.ford_f_150_tire_pressure_front_left")
    assert odometer is not None
    assert tire is not None
    assert float(odometer.state) == pytest.approx(ford["state"]["odometer"], abs=0.1)
    assert float(tire.state) == 200


async def test_failed_poll_keeps_the_last_values(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """When the whole request fails the entities go unavailable, and the values come back."""
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    coordinator = entry.runtime_data.coordinators[ford["id"]]
    before = coordinator.data
    await sim.inject_error(vehicle_id=ford["id"], type="SERVER", code="INTERNAL")

    await coordinator.async_refresh()

    assert coordinator.data is before
    state = hass.states.get("sensor.ford_f_150_odometer")
    assert state is not None
    assert state.state == STATE_UNAVAILABLE

    await sim.clear_errors()
    await coordinator.async_refresh()
    state = hass.states.get("sensor.ford_f_150_odometer")
    assert state is not None
    assert state.state != STATE_UNAVAILABLE


async def test_refresh_button_polls_now(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """The refresh button polls the car at once."""
    await setup_integration()
    ford = await sim.vehicle("Ford")
    await sim.patch(ford["id"], odometer=71000)

    await hass.services.async_call(
        "button", "press", {"entity_id": "button.ford_f_150_refresh"}, blocking=True
    )

    state = hass.states.get("sensor.ford_f_150_odometer")
    assert state is not None
    assert float(state.state) == 71000


async def test_refresh_button_says_when_it_failed(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """A failed manual refresh raises a translated error."""
    from homeassistant.exceptions import HomeAssistantError

    await setup_integration()
    ford = await sim.vehicle("Ford")
    await sim.inject_error(vehicle_id=ford["id"], type="SERVER", code="INTERNAL")
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "button", "press", {"entity_id": "button.ford_f_150_refresh"}, blocking=True
        )
    assert raised.value.translation_key == "provider_error"


async def test_rotated_refresh_token_is_stored_at_once(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """When the access token expires, the refresh's new refresh token is in the entry at once."""
    entry = await setup_integration()
    old = dict(entry.data["token"])
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "token": {**old, "expires_at": 0}}
    )

    await refresh_all(hass)

    assert entry.data["token"]["refresh_token"] != old["refresh_token"]
    assert entry.data["token"]["access_token"] != old["access_token"]
    assert entry.data["token"]["expires_at"] > dt_util.utcnow().timestamp()
    for coordinator in entry.runtime_data.coordinators.values():
        assert coordinator.last_update_success


async def test_unload_and_reload_leave_nothing_behind(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """Unloading stops polling and makes entities unavailable; reloading brings them back."""
    entry = await setup_integration()

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("lock.ford_f_150_door_lock").state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    await sim.reset_stats()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(days=2))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert (await sim.stats())["totals"]["requests"] == 0

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("lock.ford_f_150_door_lock").state == "unlocked"  # type: ignore[union-attr]


async def test_restart_costs_no_discovery(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """What a car is, supports and last showed is stored: a reload reads only the list of cars."""
    entry = await setup_integration()
    await sim.reset_stats()

    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    stats = await sim.stats()
    for usage in stats["vehicles"].values():
        assert usage["requests"] == 0
    assert stats["totals"]["requests"] == 1  # the vehicle list
