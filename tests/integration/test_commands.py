"""Commands: lock, charging, charge limit and destination; success, refusals and bad input."""

import asyncio
from typing import Any

from homeassistant.components.lock import LockState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.connected_car.api.model import Command

from .conftest import SetupIntegration
from .helpers import state_of
from .simulator_control import SimulatorControl

DOMAIN = "connected_car"


async def call(hass: HomeAssistant, domain: str, service: str, entity_id: str, **data: Any) -> None:
    """Call an entity action and wait for it."""
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )
    await hass.async_block_till_done()


async def test_lock_and_unlock(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """Locking shows locked at once and the car is locked; unlocking likewise."""
    await setup_integration()
    assert state_of(hass, "lock.ford_f_150_door_lock") == LockState.UNLOCKED

    await call(hass, "lock", "lock", "lock.ford_f_150_door_lock")
    assert state_of(hass, "lock.ford_f_150_door_lock") == LockState.LOCKED
    assert (await sim.vehicle("Ford"))["state"]["locked"] is True

    await call(hass, "lock", "unlock", "lock.ford_f_150_door_lock")
    assert state_of(hass, "lock.ford_f_150_door_lock") == LockState.UNLOCKED
    assert (await sim.vehicle("Ford"))["state"]["locked"] is False


async def test_lock_shows_locking_while_the_car_works(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """While the command runs the lock is `locking`."""
    await setup_integration()
    await sim.latency(300)
    task = hass.async_create_task(call(hass, "lock", "lock", "lock.ford_f_150_door_lock"))
    await asyncio.sleep(0.1)
    assert state_of(hass, "lock.ford_f_150_door_lock") == LockState.LOCKING
    await task
    assert state_of(hass, "lock.ford_f_150_door_lock") == LockState.LOCKED


async def test_a_command_is_confirmed_with_one_read(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """After a command, one billable read of the affected data confirms the state."""
    await setup_integration()
    ford = await sim.vehicle("Ford")
    await sim.reset_stats()

    await call(hass, "lock", "lock", "lock.ford_f_150_door_lock")
    await hass.async_block_till_done(wait_background_tasks=True)

    usage = (await sim.stats())["vehicles"][ford["id"]]
    assert usage["by_path"] == {"/security": 2}  # the command, then the confirming read
    assert usage["billable"] == 2


@pytest.mark.parametrize(
    ("make", "entity_id", "setup", "translation_key"),
    [
        ("Ford", "lock.ford_f_150_door_lock", {"moving": True}, "vehicle_state_in_motion"),
        (
            "Ford",
            "lock.ford_f_150_door_lock",
            {"doors": {"frontLeft": "OPEN"}},
            "vehicle_state_door_open",
        ),
        ("Ford", "lock.ford_f_150_door_lock", {"asleep": True}, "vehicle_state_asleep"),
        ("Tesla", "lock.tesla_model_3_door_lock", {}, "virtual_key_required"),
    ],
)
async def test_lock_refusals_say_why(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    make: str,
    entity_id: str,
    setup: dict[str, Any],
    translation_key: str,
) -> None:
    """A refused lock raises a translated error and the state stays as it was."""
    await setup_integration()
    car = await sim.vehicle(make)
    if setup:
        await sim.patch(car["id"], **setup)
    before = state_of(hass, entity_id)

    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, "lock", "lock", entity_id)

    assert raised.value.translation_key == translation_key
    assert str(raised.value)  # the translated message, not a stack trace
    assert state_of(hass, entity_id) == before


async def test_a_command_the_car_cannot_do_removes_its_control(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """The ID.4 answers that it cannot lock: its lock goes, also after a reload, at the cost of
    that one request; the Refresh button brings it back to be tried again.
    """
    entry = await setup_integration()
    registry = er.async_get(hass)
    vw = await sim.vehicle("Volkswagen")
    await sim.reset_stats()

    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, "lock", "lock", "lock.volkswagen_id_4_door_lock")
    assert raised.value.translation_key == "car_cannot"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert registry.async_get("lock.volkswagen_id_4_door_lock") is None
    assert hass.states.get("lock.volkswagen_id_4_door_lock") is None
    assert entry.data["vehicles"][vw["id"]]["refused"] == ["lock"]
    # The lock state stays in view, read-only; "off" is locked.
    assert state_of(hass, "binary_sensor.volkswagen_id_4_door_lock") == "off"

    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("lock.volkswagen_id_4_door_lock") is None
    assert (await sim.stats())["vehicles"][vw["id"]]["requests"] == 1

    await call(hass, "button", "press", "button.volkswagen_id_4_refresh")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert (
        "refused" not in entry.data["vehicles"][vw["id"]]
        or not entry.data["vehicles"][vw["id"]]["refused"]
    )
    assert state_of(hass, "lock.volkswagen_id_4_door_lock") == LockState.LOCKED
    assert hass.states.get("binary_sensor.volkswagen_id_4_door_lock") is None


async def test_a_refused_command_is_not_sent_again(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """A command the car refused, asked for again by an action, is refused without a request."""
    entry = await setup_integration()
    vw = await sim.vehicle("Volkswagen")
    coordinator = entry.runtime_data.coordinators[vw["id"]]
    with pytest.raises(HomeAssistantError):
        await call(hass, "lock", "unlock", "lock.volkswagen_id_4_door_lock")
    await hass.async_block_till_done(wait_background_tasks=True)
    coordinator = entry.runtime_data.coordinators[vw["id"]]
    await sim.reset_stats()

    with pytest.raises(HomeAssistantError) as raised:
        await coordinator.async_command(Command.UNLOCK, feature=None)
    assert raised.value.translation_key == "car_cannot"
    assert (await sim.stats())["vehicles"][vw["id"]]["requests"] == 0


async def test_virtual_key_error_tells_where_to_add_the_key(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """The Tesla's refusal carries the link that adds Smartcar's virtual key."""
    await setup_integration()
    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, "lock", "unlock", "lock.tesla_model_3_door_lock")
    assert "https://www.tesla.com/_ak/smartcar.com" in str(raised.value)


async def test_start_and_stop_charging(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """The charging switch starts and stops charging a plugged-in car."""
    await setup_integration()

    await call(hass, "switch", "turn_on", "switch.volkswagen_id_4_charging")
    assert state_of(hass, "switch.volkswagen_id_4_charging") == "on"
    assert (await sim.vehicle("Volkswagen"))["state"]["charge"]["state"] == "CHARGING"

    await call(hass, "switch", "turn_off", "switch.volkswagen_id_4_charging")
    assert state_of(hass, "switch.volkswagen_id_4_charging") == "off"
    assert state_of(hass, "sensor.volkswagen_id_4_charging_state") == "not_charging"


async def test_charging_an_unplugged_car_is_refused(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """The RAV4 is unplugged: starting to charge says so."""
    await setup_integration()
    with pytest.raises(HomeAssistantError) as raised:
        await call(hass, "switch", "turn_on", "switch.toyota_rav4_prime_charging")
    assert raised.value.translation_key == "vehicle_state_charging_plug_not_connected"
    assert state_of(hass, "switch.toyota_rav4_prime_charging") == "off"


async def test_set_charge_limit(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """The slider sets the car's charge limit."""
    await setup_integration()
    await call(hass, "number", "set_value", "number.volkswagen_id_4_charge_limit", value=85)
    assert float(state_of(hass, "number.volkswagen_id_4_charge_limit")) == 85
    assert (await sim.vehicle("Volkswagen"))["state"]["charge"]["limit"] == 0.85


@pytest.mark.parametrize("value", [30, 101, float("nan"), float("inf")])
async def test_charge_limit_out_of_range_sends_nothing(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl, value: float
) -> None:
    """A limit outside 50-100 %, or no number at all, is the user's mistake: refused before any
    API call.
    """
    await setup_integration()
    await sim.reset_stats()
    with pytest.raises(ServiceValidationError):
        await call(hass, "number", "set_value", "number.volkswagen_id_4_charge_limit", value=value)
    assert (await sim.stats())["totals"]["requests"] == 0
    assert float(state_of(hass, "number.volkswagen_id_4_charge_limit")) == 90


async def _device_id(hass: HomeAssistant, entity_id: str) -> str:
    from homeassistant.helpers import entity_registry as er

    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None
    assert entry.device_id is not None
    return entry.device_id


async def test_send_destination(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """The action hands a destination to the car's navigation."""
    await setup_integration()
    device_id = await _device_id(hass, "lock.ford_f_150_door_lock")

    await hass.services.async_call(
        DOMAIN,
        "send_destination",
        {"device_id": device_id, "latitude": 52.37, "longitude": 4.89},
        blocking=True,
    )

    destination = (await sim.vehicle("Ford"))["state"]["destination"]
    assert destination == {"latitude": 52.37, "longitude": 4.89}


@pytest.mark.parametrize(
    ("data", "translation_key"),
    [
        ({"latitude": 200, "longitude": 4.89}, "invalid_coordinates"),
        ({"latitude": 52.37, "longitude": -181}, "invalid_coordinates"),
        ({"device_id": "not-a-device", "latitude": 52.37, "longitude": 4.89}, "unknown_device"),
    ],
)
async def test_send_destination_bad_input_sends_nothing(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    data: dict[str, Any],
    translation_key: str,
) -> None:
    """Bad coordinates or an unknown device are refused before any API call."""
    await setup_integration()
    await sim.reset_stats()
    device_id = await _device_id(hass, "lock.ford_f_150_door_lock")

    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN, "send_destination", {"device_id": device_id} | data, blocking=True
        )

    assert raised.value.translation_key == translation_key
    assert (await sim.stats())["totals"]["requests"] == 0


async def test_send_destination_to_a_device_of_another_integration(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """A device that is not one of our cars is refused, also one another integration shares."""
    await setup_integration()
    foreign = MockConfigEntry(domain="other")
    foreign.add_to_hass(hass)
    other = dr.async_get(hass).async_get_or_create(
        config_entry_id=foreign.entry_id, identifiers={("other", "x")}
    )
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "send_destination",
            {"device_id": other.id, "latitude": 1, "longitude": 1},
            blocking=True,
        )
    assert raised.value.translation_key == "unknown_device"


async def test_send_destination_while_the_entry_is_not_loaded(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """The car's entry is unloaded: the action says so and sends nothing."""
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"smartcar:{ford['id']}"), entry.entry_id
    )
    assert device is not None
    assert await hass.config_entries.async_unload(entry.entry_id)
    await sim.reset_stats()

    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "send_destination",
            {"device_id": device.id, "latitude": 1, "longitude": 1},
            blocking=True,
        )
    assert raised.value.translation_key == "entry_not_loaded"
    assert (await sim.stats())["totals"]["requests"] == 0
