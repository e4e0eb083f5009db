"""Connected Car: cars in Home Assistant through their makers' clouds."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    OAuth2TokenRequestBaseError,
)
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    ImplementationUnavailableError,
    OAuth2Session,
    async_get_config_entry_implementation,
)
from homeassistant.helpers.typing import ConfigType

from .api.errors import ApiError, ProviderError
from .api.smartcar import SmartcarClient
from .const import CONF_VEHICLES, DOMAIN, smartcar_origins
from .coordinator import ConnectedCarConfigEntry, ConnectedCarData, VehicleCoordinator
from .errors import Behaviour, behaviour_of
from .repairs import async_delete_entry_issues
from .services import async_setup_services
from .vehicles import VehicleRecord, async_discover, async_fetch_records

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.DEVICE_TRACKER,
    Platform.LOCK,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ConnectedCarConfigEntry) -> bool:
    """Connect to the account, learn new cars once, then poll every car on its own."""
    try:
        implementation = await async_get_config_entry_implementation(hass, entry)
    except ImplementationUnavailableError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="credentials_unavailable"
        ) from err
    session = OAuth2Session(hass, entry, implementation)

    async def access_token() -> str:
        await session.async_ensure_token_valid()
        return cast(str, session.token["access_token"])

    client = SmartcarClient(async_get_clientsession(hass), access_token, smartcar_origins())
    known: dict[str, Any] = entry.data[CONF_VEHICLES]
    try:
        records = await async_fetch_records(client, await client.async_get_vehicle_ids(), known)
        discovered = await async_discover(client, records)
    except OAuth2TokenRequestBaseError:
        raise
    except ProviderError as err:
        if behaviour_of(err) is Behaviour.REAUTHENTICATE:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_failed"
            ) from err
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="provider_error",
            translation_placeholders={"type": err.type, "code": err.code or "-"},
        ) from err
    except ApiError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="communication_error"
        ) from err

    if records != known:
        hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_VEHICLES: records})
    _remove_gone_devices(hass, entry, records)
    async_delete_entry_issues(hass, entry.entry_id, keep_vehicles=records)

    coordinators = {
        vehicle_id: VehicleCoordinator(hass, entry, client, vehicle_id, record)
        for vehicle_id, record in records.items()
    }
    entry.runtime_data = ConnectedCarData(client=client, coordinators=coordinators)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)

    # Entities are in place now, so each first poll asks only for what they need.
    for vehicle_id, snapshot in discovered.items():
        coordinators[vehicle_id].async_start_with(snapshot)
    await asyncio.gather(
        *(c.async_refresh() for vid, c in coordinators.items() if vid not in discovered)
    )
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConnectedCarConfigEntry) -> bool:
    """Unload the platforms; the coordinators stop with the entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: ConnectedCarConfigEntry) -> None:
    """The entry is deleted: so are the repairs of its cars."""
    async_delete_entry_issues(hass, entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: ConnectedCarConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Allow removing a car's device only when the account no longer has that car."""
    return not any(
        identifier[0] == DOMAIN and identifier[1] in entry.data[CONF_VEHICLES]
        for identifier in device.identifiers
    )


def _remove_gone_devices(
    hass: HomeAssistant, entry: ConnectedCarConfigEntry, records: dict[str, VehicleRecord]
) -> None:
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if not any(i[0] == DOMAIN and i[1] in records for i in device.identifiers):
            registry.async_update_device(device.id, remove_config_entry_id=entry.entry_id)
