"""What the car says of its health: system alerts, trouble codes, the last service, and the
battery's nominal capacity (Smartcar's diagnostics, service and battery endpoints)."""

import json
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.entity_registry import RegistryEntryDisabler
import pytest

from custom_components.connected_car.api.model import Feature
from custom_components.connected_car.const import DOMAIN

from .conftest import SetupIntegration
from .helpers import state_of
from .simulator_control import SimulatorControl

HEALTH = {
    Feature.DIAGNOSTICS,
    Feature.TROUBLE_CODES,
    Feature.SERVICE_HISTORY,
    Feature.NOMINAL_BATTERY_CAPACITY,
}
PATHS = (
    "/diagnostics/system_status",
    "/diagnostics/dtcs",
    "/service/history",
    "/battery/nominal_capacity",
)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_the_ford_shows_its_alert_and_two_trouble_codes(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """The F-150's emissions alert and its two codes show; a car with none shows none."""
    await setup_integration()

    assert state_of(hass, "binary_sensor.ford_f_150_diagnostics") == "on"
    diagnostics = hass.states.get("binary_sensor.ford_f_150_diagnostics")
    assert diagnostics is not None
    assert diagnostics.attributes["systems"] == {
        "emissions": "Evaporative emission system leak detected"
    }
    codes = hass.states.get("sensor.ford_f_150_trouble_codes")
    assert codes is not None
    assert codes.state == "2"
    assert codes.attributes["codes"] == ["P0456", "P0457"]
    service = hass.states.get("sensor.ford_f_150_last_service")
    assert service is not None
    assert service.attributes["odometer_km"] == 58200.0
    assert service.attributes["tasks"] == ["oil change", "filter"]
    assert hass.states.get("sensor.ford_f_150_nominal_battery_capacity") is None  # no battery

    assert state_of(hass, "binary_sensor.tesla_model_3_diagnostics") == "off"
    assert state_of(hass, "sensor.tesla_model_3_trouble_codes") == "0"
    assert state_of(hass, "sensor.tesla_model_3_nominal_battery_capacity") == "75.0"


async def test_health_entities_are_off_by_default_and_cost_nothing(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, setup_integration: SetupIntegration
) -> None:
    """Each enabled one would be read, and billed, in every poll: by default none is."""
    entry = await setup_integration()

    for entity_id in (
        "binary_sensor.ford_f_150_diagnostics",
        "sensor.ford_f_150_trouble_codes",
        "sensor.ford_f_150_last_service",
        "sensor.tesla_model_3_nominal_battery_capacity",
    ):
        registered = entity_registry.async_get(entity_id)
        assert registered is not None, entity_id
        assert registered.disabled_by is RegistryEntryDisabler.INTEGRATION
        assert hass.states.get(entity_id) is None
    for coordinator in entry.runtime_data.coordinators.values():
        electric = "Ford" not in coordinator.vehicle.make
        expected = HEALTH if electric else HEALTH - {Feature.NOMINAL_BATTERY_CAPACITY}
        assert expected == HEALTH & coordinator.supported, coordinator.vehicle.model
        assert not HEALTH & set(coordinator.polled_features)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_a_car_without_the_endpoints_gets_no_health_entities(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """A car that answers COMPATIBILITY at discovery has no such entities; the others keep theirs."""
    tesla = await sim.vehicle("Tesla")
    for path in PATHS:
        await sim.inject_error(
            vehicle_id=tesla["id"], path=path, type="COMPATIBILITY", code="VEHICLE_NOT_CAPABLE"
        )
    await setup_integration()

    for entity_id in (
        "binary_sensor.tesla_model_3_diagnostics",
        "sensor.tesla_model_3_trouble_codes",
        "sensor.tesla_model_3_last_service",
        "sensor.tesla_model_3_nominal_battery_capacity",
    ):
        assert hass.states.get(entity_id) is None, entity_id
    assert hass.states.get("sensor.tesla_model_3_battery_level") is not None
    assert state_of(hass, "binary_sensor.ford_f_150_diagnostics") == "on"
    assert hass.states.get("sensor.toyota_rav4_prime_nominal_battery_capacity") is not None


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_a_restart_shows_the_stored_health_while_the_car_sleeps(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Alerts, codes and services come back from storage (times, lists and all) as they were."""
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    shown = {
        entity_id: hass.states.get(entity_id)
        for entity_id in (
            "binary_sensor.ford_f_150_diagnostics",
            "sensor.ford_f_150_trouble_codes",
            "sensor.ford_f_150_last_service",
        )
    }
    assert await hass.config_entries.async_unload(entry.entry_id)
    stored = hass_storage[f"{DOMAIN}.{entry.entry_id}.last_values"]["data"][ford["id"]]
    json.loads(json.dumps(stored))  # what is kept is plain JSON
    await sim.inject_error(
        vehicle_id=ford["id"], path="/batch", type="VEHICLE_STATE", code="ASLEEP"
    )

    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    for entity_id, before in shown.items():
        after = hass.states.get(entity_id)
        assert before is not None
        assert after is not None
        assert (after.state, after.attributes) == (before.state, before.attributes)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_diagnostics_no_longer_shared_are_named_in_the_repair(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """A grant that stops sharing read_diagnostics: the repair says which data, in words."""
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    for path in PATHS[:2]:
        await sim.inject_error(vehicle_id=ford["id"], path=path, type="PERMISSION", code=None)

    await entry.runtime_data.coordinators[ford["id"]].async_refresh()

    issue = issue_registry.async_get_issue(
        DOMAIN, f"smartcar_{ford['id']}_missing_permission_read_diagnostics"
    )
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["data"] == "diagnostics and trouble codes"
    assert state_of(hass, "sensor.ford_f_150_last_service") != STATE_UNAVAILABLE
