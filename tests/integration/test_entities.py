"""Entities of the four simulated cars: what is created, their states, and units."""

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
import pytest
from syrupy.assertion import SnapshotAssertion

from .conftest import SetupIntegration
from .simulator_control import SimulatorControl


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.freeze_time("2026-12-01T08:00:00+00:00")
async def test_entities_of_every_car(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    setup_integration: SetupIntegration,
) -> None:
    """Each car gets the entities its data supports, with states read from the simulator."""
    entry = await setup_integration()

    entities = {}
    for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id):
        state = hass.states.get(entity.entity_id)
        assert state is not None
        entities[entity.entity_id] = {
            "state": state.state,
            "attributes": dict(state.attributes),
            "translation_key": entity.translation_key,
            "entity_category": entity.entity_category,
            "disabled_by_default": entity.disabled_by is not None,
        }
    assert entities == snapshot


async def test_one_device_per_car(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Make, model, year and VIN land on the car's device."""
    entry = await setup_integration()
    devices = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    cars = {v["vin"]: v for v in await sim.vehicles()}
    assert {d.serial_number for d in devices} == set(cars)
    for device in devices:
        car = cars[device.serial_number]
        assert device.manufacturer == car["make"].title()
        assert device.model == f"{car['model']} ({car['year']})"
        assert device.name == f"{car['make'].title()} {car['model']}"


async def test_entities_follow_the_car_support(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """Only what a car supports is created: no fuel on an EV, no charging on a petrol truck."""
    await setup_integration()

    assert hass.states.get("sensor.tesla_model_3_battery_level") is not None
    assert hass.states.get("sensor.tesla_model_3_fuel_level") is None
    assert hass.states.get("sensor.ford_f_150_fuel_level") is not None
    assert hass.states.get("sensor.ford_f_150_battery_level") is None
    assert hass.states.get("switch.ford_f_150_charging") is None
    assert hass.states.get("binary_sensor.ford_f_150_charging_port") is None
    assert hass.states.get("sensor.toyota_rav4_prime_fuel_level") is not None
    assert hass.states.get("sensor.toyota_rav4_prime_battery_level") is not None


async def test_imperial_users_see_miles_and_psi(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """Metric is requested from Smartcar and Home Assistant converts for imperial users."""
    hass.config.units = US_CUSTOMARY_SYSTEM
    await setup_integration()
    ford = await sim.vehicle("Ford")

    odometer = hass.states.get("sensor.ford_f_150_odometer")
    assert odometer is not None
    assert odometer.attributes["unit_of_measurement"] == "mi"
    assert float(odometer.state) == pytest.approx(ford["state"]["odometer"] / 1.609344, abs=1)
    tire = hass.states.get("sensor.ford_f_150_tire_pressure_front_left")
    assert tire is not None
    assert tire.attributes["unit_of_measurement"] == "psi"
    assert float(tire.state) == pytest.approx(
        ford["state"]["tires"]["frontLeft"] * 0.1450377, abs=1
    )
