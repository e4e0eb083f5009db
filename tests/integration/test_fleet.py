"""The account's cars over time: learned one by one, added and removed without a reload."""

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_car.const import CONF_VEHICLES, DOMAIN
from custom_components.connected_car.fleet import (
    ACCOUNT_CHECK_INTERVAL,
    GONE_PROOF_LISTS,
    GONE_PROOF_SPAN,
)

from .conftest import SetupIntegration
from .helpers import reauth_started, state_of
from .simulator_control import SimulatorControl, connect, connect_second_user_sharing
from .test_shared import _car

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials")


async def _step(hass: HomeAssistant, freezer: FrozenDateTimeFactory, span: timedelta) -> None:
    """Let span pass in ten-minute steps, as Home Assistant's clock would."""
    for _ in range(int(span / timedelta(minutes=10))):
        freezer.tick(timedelta(minutes=10))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


def _device(hass: HomeAssistant, entry: MockConfigEntry, provider: str, vehicle_id: str) -> bool:
    identifier = (DOMAIN, f"{provider}:{vehicle_id}")
    return dr.async_get(hass).async_get_device_by_identifier(identifier, entry.entry_id) is not None


@pytest.mark.parametrize("provider", ["smartcar", "volvo"])  # one car in the test fleet
async def test_a_car_that_fails_to_answer_costs_the_others_nothing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
) -> None:
    """One car fails while it is learned: the entry loads with the others, which are not read
    again for it; the failing car is tried with backoff and appears, without a reload, once it
    answers.
    """
    car, failing = await _car(sim, provider)
    error_type, code = car.server_error
    await sim.inject_error(provider=provider, vehicle_id=failing, type=error_type, code=code)

    entry = await setup_integration(provider=provider)
    healthy = [c["id"] for c in await sim.vehicles(provider) if c["id"] != failing]
    coordinators = entry.runtime_data.coordinators
    assert set(coordinators) == set(healthy)
    assert not _device(hass, entry, provider, failing)

    await sim.reset_stats()
    await _step(hass, freezer, timedelta(hours=7))
    stats = (await sim.stats(provider))["vehicles"]
    for vehicle_id in healthy:
        coordinator = coordinators[vehicle_id]
        assert coordinator.update_interval is not None
        polls = timedelta(hours=7) // coordinator.update_interval + 1
        per_poll = 1 if coordinator.client.batched else 2 * len(coordinator.polled_features)
        assert stats[vehicle_id]["requests"] <= polls * per_poll
    # Retried after 1, 2, 4, ... minutes: a handful of tries, each a few requests.
    assert stats[failing]["requests"] <= 40

    await sim.clear_errors()
    await _step(hass, freezer, timedelta(hours=17))
    assert failing in coordinators
    assert _device(hass, entry, provider, failing)
    assert state_of(hass, f"sensor.{car.entity}_odometer") != STATE_UNAVAILABLE
    assert "features" in entry.data[CONF_VEHICLES][failing]


async def test_a_car_that_left_the_account_goes_only_on_proof(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """A car disconnected from the application is missing from the list: one list proves
    nothing; after several lists over hours its device, entities and record go.
    """
    entry = await setup_integration()
    car, vehicle_id = await _car(sim, "smartcar")
    await sim.disconnect(vehicle_id, entry.data["token"]["access_token"])

    await _step(hass, freezer, ACCOUNT_CHECK_INTERVAL)
    assert _device(hass, entry, "smartcar", vehicle_id)
    assert vehicle_id in entry.data[CONF_VEHICLES]

    await _step(hass, freezer, GONE_PROOF_SPAN + ACCOUNT_CHECK_INTERVAL * (GONE_PROOF_LISTS - 2))
    assert not _device(hass, entry, "smartcar", vehicle_id)
    assert vehicle_id not in entry.data[CONF_VEHICLES]
    assert vehicle_id not in entry.runtime_data.coordinators
    assert hass.states.get(f"sensor.{car.entity}_odometer") is None
    assert not [
        e
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if e.unique_id.startswith(f"smartcar:{vehicle_id}:")
    ]
    assert len(entry.runtime_data.coordinators) == len(await sim.vehicles()) - 1


async def test_no_car_answers_at_first_setup_retries_and_keeps_what_was_learned(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim: SimulatorControl,
) -> None:
    """No car can be read yet: setup is retried, and what each car is stays learned."""
    await sim.inject_error(path="/batch", type="UPSTREAM", code="NO_RESPONSE")
    result = await connect(hass, await hass_client_no_auth(), sim)
    await hass.async_block_till_done()

    entry = result["result"]
    assert entry.state is ConfigEntryState.SETUP_RETRY
    records = entry.data[CONF_VEHICLES]
    assert len(records) == len(await sim.vehicles())
    assert not [r for r in records.values() if "features" in r]

    await sim.clear_errors()
    await sim.reset_stats()
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    stats = await sim.stats()
    # Only the discovery batch of each car: what the cars are was not asked again.
    assert {v["requests"] for v in stats["vehicles"].values()} == {1}


async def test_an_account_with_no_known_car_whose_list_fails_retries(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """Nothing is known of the account's cars and their list comes garbled: setup retries."""
    entry = await setup_integration()
    assert await hass.config_entries.async_unload(entry.entry_id)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_VEHICLES: {}})
    await sim.inject_error(path="/vehicles", type="MALFORMED", code=None)

    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None


@pytest.mark.parametrize(
    ("error", "reauth"),
    [(("AUTHENTICATION", None), True), (("SERVER", "INTERNAL"), False)],
)
async def test_a_failed_account_check_keeps_the_cars(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    error: tuple[str, str | None],
    reauth: bool,
) -> None:
    """The list of cars fails at a later check: the cars stay; a refused login asks to log in."""
    entry = await setup_integration()
    await sim.inject_error(path="/vehicles", type=error[0], code=error[1])

    await _step(hass, freezer, ACCOUNT_CHECK_INTERVAL)
    assert reauth_started(hass) is reauth
    assert len(entry.runtime_data.coordinators) == len(await sim.vehicles())
    assert not entry.runtime_data.missing


async def test_a_shared_car_moves_to_the_other_account_when_its_entry_goes(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Both entries know a shared car; the first shows it. Once the first is deleted, the other
    entry shows the car at its next check, from what it knew, without a reload.
    """
    cars = {car["make"]: car["id"] for car in await sim.vehicles()}
    first = await setup_integration(sim_approve=f"{cars['TESLA']},{cars['FORD']}")
    second = await connect_second_user_sharing(
        hass, await hass_client_no_auth(), sim, first, cars["TESLA"], cars["TOYOTA"]
    )
    await hass.config_entries.async_reload(second.entry_id)
    await hass.async_block_till_done()
    assert cars["TESLA"] not in second.runtime_data.coordinators

    assert await hass.config_entries.async_remove(first.entry_id)
    await _step(hass, freezer, ACCOUNT_CHECK_INTERVAL)
    assert cars["TESLA"] in second.runtime_data.coordinators
    assert _device(hass, second, "smartcar", cars["TESLA"])
    assert state_of(hass, "sensor.tesla_model_3_odometer") != STATE_UNAVAILABLE


async def test_a_restart_shows_the_last_values_without_a_call(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
) -> None:
    """After a restart the cars show their last values at once; each is read again only when
    its schedule says so, not at start.
    """
    entry = await setup_integration(provider=provider)
    car, vehicle_id = await _car(sim, provider)
    odometer = state_of(hass, f"sensor.{car.entity}_odometer")
    intervals = [c.update_interval for c in entry.runtime_data.coordinators.values()]
    car_interval = entry.runtime_data.coordinators[vehicle_id].update_interval
    assert car_interval is not None
    freezer.tick(min(i for i in intervals if i is not None) / 2)

    await sim.reset_stats()
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert state_of(hass, f"sensor.{car.entity}_odometer") == odometer
    stats = (await sim.stats(provider))["vehicles"]
    assert {usage["billable"] for usage in stats.values()} == {0}
    assert stats[vehicle_id]["requests"] == 0

    await _step(hass, freezer, car_interval)
    assert (await sim.stats(provider))["vehicles"][vehicle_id]["requests"] >= 1
    assert state_of(hass, f"sensor.{car.entity}_odometer") == odometer


async def test_values_too_old_for_the_schedule_are_shown_and_read_again(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Stored values older than the polling interval are shown, and the car is read at start."""
    entry = await setup_integration()
    car, vehicle_id = await _car(sim, "smartcar")
    interval = entry.runtime_data.coordinators[vehicle_id].update_interval
    assert interval is not None
    assert await hass.config_entries.async_unload(entry.entry_id)
    freezer.tick(interval * 2)

    await sim.reset_stats()
    await sim.inject_error(
        vehicle_id=vehicle_id, path="/batch", type="VEHICLE_STATE", code="ASLEEP"
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert (await sim.stats())["vehicles"][vehicle_id]["requests"] == 1
    # The car sleeps: the stored values stay in view.
    assert state_of(hass, f"sensor.{car.entity}_odometer") != STATE_UNAVAILABLE


async def test_stored_values_that_no_longer_fit_are_read_again(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """A stored value the model no longer knows is dropped; the rest are shown, no error."""
    entry = await setup_integration()
    car, vehicle_id = await _car(sim, "smartcar")
    assert await hass.config_entries.async_unload(entry.entry_id)
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.last_values"]["data"][vehicle_id]
    stored["readings"]["odometer"] = {"type": "Odometer", "values": {"miles": 1}}
    stored["readings"]["security"]["type"] = "Gone"
    stored["last_read"]["fuel"] = "yesterday"
    await sim.reset_stats()

    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert state_of(hass, f"sensor.{car.entity}_fuel_level") != STATE_UNAVAILABLE
    # The odometer is unknown until the car is read.
    assert state_of(hass, f"sensor.{car.entity}_odometer") == STATE_UNAVAILABLE


async def test_setup_honours_retry_after(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Setup meets a 429 asking for an hour: its retries send nothing until the hour is over."""
    entry = await setup_integration()
    assert await hass.config_entries.async_unload(entry.entry_id)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_VEHICLES: {}})
    await sim.inject_error(
        path="/vehicles", type="RATE_LIMIT", code="SMARTCAR_API", retry_after=3600
    )
    await sim.reset_stats()

    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    await _step(hass, freezer, timedelta(minutes=50))
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert (await sim.stats())["totals"]["requests"] == 1

    await sim.clear_errors()
    await _step(hass, freezer, timedelta(minutes=30))
    assert entry.state is ConfigEntryState.LOADED


async def test_an_empty_car_list_removes_nothing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
) -> None:
    """The provider lists no cars at a restart and at the next check: every device and entity
    stays, and no car is read again to get them back.
    """
    entry = await setup_integration(provider=provider)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    entities = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    await sim.inject_error(provider=provider, type="EMPTY_VEHICLE_LIST", times=2)
    await sim.reset_stats()

    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await _step(hass, freezer, ACCOUNT_CHECK_INTERVAL)

    assert len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)) == len(
        devices
    )
    assert len(er.async_entries_for_config_entry(entity_registry, entry.entry_id)) == len(entities)
    assert len(entry.runtime_data.coordinators) == len(devices)
    assert set(entry.runtime_data.missing) == set(entry.data[CONF_VEHICLES])
    car, _ = await _car(sim, provider)
    assert state_of(hass, f"sensor.{car.entity}_odometer") != STATE_UNAVAILABLE

    await _step(hass, freezer, ACCOUNT_CHECK_INTERVAL)
    assert not entry.runtime_data.missing
