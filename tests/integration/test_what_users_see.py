"""What a user sees: names, where entities sit, icons, and the answers of Refresh and the slider."""

from collections import defaultdict
import re
from typing import Any

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.icon import async_get_icons
import pytest

from custom_components.connected_car.const import DOMAIN

from .conftest import SetupIntegration
from .helpers import state_of
from .simulator_control import SimulatorControl


async def press(hass: HomeAssistant, entity_id: str) -> None:
    """Press a button and wait for it."""
    await hass.services.async_call("button", "press", {"entity_id": entity_id}, blocking=True)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_no_two_entities_of_a_car_share_a_name(
    hass: HomeAssistant, setup_integration: SetupIntegration, provider: str
) -> None:
    """Every entity of a car has its own name, and none is named like the bare car."""
    entry = await setup_integration(provider)
    devices = {
        d.id: d for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    }
    names: dict[str, list[str]] = defaultdict(list)
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        state = hass.states.get(entity.entity_id)
        assert state is not None
        assert entity.device_id is not None
        names[entity.device_id].append(state.name)

    assert set(names) == set(devices)
    for device_id, car_names in names.items():
        assert len(car_names) == len(set(car_names)), car_names
        assert devices[device_id].name not in car_names


async def test_an_existing_lock_keeps_its_entity_id(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """A lock added when locks carried the car's bare name keeps its entity id; only its name is new."""
    ford = await sim.vehicle("Ford")
    er.async_get(hass).async_get_or_create(
        "lock", DOMAIN, f"smartcar:{ford['id']}:lock", suggested_object_id="ford_f_150"
    )

    await setup_integration()

    state = hass.states.get("lock.ford_f_150")
    assert state is not None
    assert state.name == "Ford F-150 Door lock"
    assert hass.states.get("lock.ford_f_150_door_lock") is None


async def test_location_is_on_the_device_page(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """The car's position is one of its states, not a diagnostic."""
    await setup_integration()
    entity = er.async_get(hass).async_get("device_tracker.tesla_model_3_location")
    assert entity is not None
    assert entity.entity_category is None


async def _icon(hass: HomeAssistant, entity_id: str) -> str:
    """The icon the frontend shows for the entity in its current state."""
    entity = er.async_get(hass).async_get(entity_id)
    assert entity is not None
    icons = (await async_get_icons(hass, "entity", integrations=[DOMAIN]))[DOMAIN]
    icon: dict[str, Any] = icons[entity.domain][entity.translation_key]
    return str(icon.get("state", {}).get(state_of(hass, entity_id), icon["default"]))


async def test_a_tire_warning_shows_only_when_there_is_one(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """A tire at its pressure shows a tire; only a warning shows the alert icon."""
    entry = await setup_integration("volvo")
    seen: dict[str, set[str]] = defaultdict(set)
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        if (entity.translation_key or "").startswith("tire_warning_"):
            seen[state_of(hass, entity.entity_id)].add(await _icon(hass, entity.entity_id))

    assert seen == {STATE_OFF: {"mdi:tire"}, STATE_ON: {"mdi:car-tire-alert"}}


async def test_an_open_trunk_looks_open(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """The trunk has one icon closed and another open."""
    entry = await setup_integration()
    trunk = "binary_sensor.tesla_model_3_trunk"
    closed = await _icon(hass, trunk)

    await sim.patch((await sim.vehicle("Tesla"))["id"], storage={"rear": "OPEN"})
    tesla = next(c for c in entry.runtime_data.coordinators.values() if c.vehicle.make == "Tesla")
    await tesla.async_refresh()

    assert state_of(hass, trunk) == STATE_ON
    assert (closed, await _icon(hass, trunk)) == (
        "mdi:package-variant-closed",
        "mdi:package-variant",
    )


async def test_refresh_that_worked_says_nothing(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """Refresh shows the car's new values, and raises nothing."""
    await setup_integration()
    await sim.patch((await sim.vehicle("Ford"))["id"], odometer=71000)

    await press(hass, "button.ford_f_150_refresh")

    assert float(state_of(hass, "sensor.ford_f_150_odometer")) == 71000


@pytest.mark.parametrize(
    ("fault", "translation_key", "message"),
    [
        (
            {"type": "SERVER", "code": "INTERNAL"},
            "provider_error",
            "Smartcar answered with an error (SERVER: INTERNAL)",
        ),
        (
            {"type": "MALFORMED", "code": None},
            "communication_error",
            (
                "Smartcar could not be reached or answered something unreadable."
                " Home Assistant tries again later"
            ),
        ),
    ],
)
async def test_refresh_that_failed_says_why(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    fault: dict[str, Any],
    translation_key: str,
    message: str,
) -> None:
    """A failed refresh raises the poll's own translated reason."""
    await setup_integration()
    ford = await sim.vehicle("Ford")
    await sim.inject_error(vehicle_id=ford["id"], path="/batch", times=1, **fault)

    with pytest.raises(HomeAssistantError) as raised:
        await press(hass, "button.ford_f_150_refresh")

    assert raised.value.translation_key == translation_key
    assert str(raised.value) == message


async def test_refresh_of_a_sleeping_car_says_it_did_not_answer(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """An asleep car answers nothing new: Refresh says so instead of seeming to work."""
    await setup_integration()
    await sim.patch((await sim.vehicle("Ford"))["id"], asleep=True)

    with pytest.raises(HomeAssistantError) as raised:
        await press(hass, "button.ford_f_150_refresh")

    assert raised.value.translation_key == "refresh_unreachable"
    assert str(raised.value).startswith("The car did not answer: it is asleep or has no signal.")


async def test_refresh_the_provider_asks_to_wait_for_says_how_long(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """Rate limited in answer to Refresh: it says for how long, and the next press sends nothing."""
    await setup_integration()
    ford = await sim.vehicle("Ford")
    await sim.inject_error(
        vehicle_id=ford["id"],
        path="/batch",
        type="RATE_LIMIT",
        code="VEHICLE",
        retry_after=120,
        times=1,
    )

    for _ in range(2):
        await sim.reset_stats()
        with pytest.raises(HomeAssistantError) as raised:
            await press(hass, "button.ford_f_150_refresh")
        assert raised.value.translation_key == "rate_limited"
        assert re.fullmatch(
            r"Smartcar asked Home Assistant to slow down\. Nothing is sent to the car for"
            r" 1[12]\d seconds; try again then",
            str(raised.value),
        )
    assert (await sim.stats())["totals"]["requests"] == 0


async def test_a_refused_charge_limit_moves_the_slider_back(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """While sent the new limit shows; refused, the car's own limit shows again.

    A slider stays where it was dragged until the state changes, so the state has to change back.
    """
    await setup_integration()
    entity_id = "number.volkswagen_id_4_charge_limit"
    vw = await sim.vehicle("Volkswagen")
    await sim.inject_error(
        vehicle_id=vw["id"], path="/charge/limit", type="VEHICLE_STATE", code="IGNITION_ON", times=1
    )
    shown: list[str] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] == entity_id and (new_state := event.data["new_state"]):
            shown.append(new_state.state)

    hass.bus.async_listen("state_changed", record)

    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "number", "set_value", {"entity_id": entity_id, "value": 70}, blocking=True
        )
    await hass.async_block_till_done()

    assert raised.value.translation_key == "vehicle_state_ignition_on"
    assert [float(value) for value in shown] == [70, 90]
    assert float(state_of(hass, entity_id)) == 90
    assert (await sim.vehicle("Volkswagen"))["state"]["charge"]["limit"] == 0.9
