"""Entries from before ids carried the provider migrate and keep their entity ids and history."""

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from custom_components.connected_car.const import CONF_PROVIDER, CONF_VEHICLES, DOMAIN

from .conftest import SetupIntegration
from .helpers import state_of


async def test_entry_of_version_1_1_migrates_its_ids(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    setup_integration: SetupIntegration,
) -> None:
    """An entry as 1.1 stored it (bare Smartcar ids) loads as 1.2, with the same entity ids."""
    entry = await setup_integration()
    entities = {
        e.entity_id: e.unique_id
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    lock_state = state_of(hass, "lock.ford_f_150_door_lock")
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

    # Write the entry back as version 1.1 stored it.
    old_unique_id = entry.unique_id.removeprefix("smartcar:")  # type: ignore[union-attr]
    data = dict(entry.data)
    del data[CONF_PROVIDER]
    # 1.1 stored no commands or pictures: the grant's permissions tell the commands.
    data[CONF_VEHICLES] = {
        vehicle_id: {k: v for k, v in record.items() if k not in ("commands", "image_url")}
        for vehicle_id, record in data[CONF_VEHICLES].items()
    }
    hass.config_entries.async_update_entry(
        entry, unique_id=old_unique_id, minor_version=1, data=data
    )
    for entity_id, unique_id in entities.items():
        entity_registry.async_update_entity(
            entity_id, new_unique_id=unique_id.removeprefix("smartcar:").replace(":", "_", 1)
        )
    for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id):
        device_registry.async_update_device(
            device.id,
            new_identifiers={(DOMAIN, i[1].removeprefix("smartcar:")) for i in device.identifiers},
        )
    # What a car that has since left the account may have left behind: not ours to rename.
    stray = entity_registry.async_get_or_create(
        "sensor", DOMAIN, "gone-car_odometer", config_entry=entry
    )
    stray_device = device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "gone-car")}
    )
    old_ids = {
        e.unique_id for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    assert not any(i.startswith("smartcar:") for i in old_ids)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert entry.minor_version == 2
    assert entry.unique_id == f"smartcar:{old_unique_id}"
    assert entry.data[CONF_PROVIDER] == "smartcar"
    migrated = {
        e.entity_id: e.unique_id
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    assert migrated.pop(stray.entity_id) == "gone-car_odometer"
    assert migrated == entities
    assert device_registry.async_get(stray_device.id) is None  # gone with its car
    assert state_of(hass, "lock.ford_f_150_door_lock") == lock_state
    assert "lock" in entry.runtime_data.coordinators[next(iter(entry.data[CONF_VEHICLES]))].commands
    devices = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert len(devices) == 4
    for device in devices:
        assert all(i[1].startswith("smartcar:") for i in device.identifiers)


async def test_entry_of_a_newer_version_is_refused(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """An entry a newer Connected Car wrote (version 2) is not loaded by this one."""
    entry = await setup_integration()
    assert await hass.config_entries.async_unload(entry.entry_id)
    hass.config_entries.async_update_entry(entry, version=2)

    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
