"""Connected Car: cars in Home Assistant through their makers' clouds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    ImplementationUnavailableError,
    async_get_config_entry_implementation,
)
from homeassistant.helpers.typing import ConfigType

from .clearance import ClearanceWatch
from .const import CONF_PROVIDER, CONF_VEHICLES, DOMAIN, LOGGER
from .coordinator import ConnectedCarConfigEntry
from .errors import translated
from .fleet import Fleet
from .issues import async_delete_entry_issues, async_raise_v2_end
from .providers import DEFAULT_PROVIDER, provider_of
from .providers.base import Login, Provider
from .providers.high_mobility import create_client as create_application_client
from .providers.smartcar_v3 import speaks_smartcar_v2
from .push import EntryPush, async_remove_entry_push
from .services import async_setup_services
from .snapshots import SnapshotStore
from .tokens import TOKEN_WAITS

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.COVER,
    Platform.DEVICE_TRACKER,
    Platform.IMAGE,
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
    provider = provider_of(entry.data)
    if provider.login is Login.APPLICATION:
        fleet = _application_fleet(hass, entry, provider)
    else:
        fleet = await _async_oauth2_fleet(hass, entry, provider)
    added = await fleet.async_setup()
    cars = {*fleet.records, *(fleet.clearances.cars if fleet.clearances else ())}
    _remove_gone_devices(hass, entry, {f"{provider.key}:{vehicle_id}" for vehicle_id in cars})
    async_delete_entry_issues(hass, entry.entry_id, keep_vehicles=cars)
    if speaks_smartcar_v2(entry.data):
        async_raise_v2_end(hass, entry)
    entry.runtime_data = fleet
    if provider.push is not None:
        fleet.push = EntryPush(hass, entry, fleet, provider.push)
        await fleet.push.async_setup()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)

    # Entities are in place now, so each first poll asks only for what they need.
    await asyncio.gather(*(c.async_refresh() for c in fleet.async_start(added)))
    return True


async def _async_oauth2_fleet(
    hass: HomeAssistant, entry: ConnectedCarConfigEntry, provider: Provider
) -> Fleet:
    """A user's account, logged in through OAuth2: its tokens are kept and renewed here."""
    try:
        implementation = await async_get_config_entry_implementation(hass, entry)
    except ImplementationUnavailableError as err:
        raise translated(ConfigEntryNotReady, "credentials_unavailable", provider) from err
    token = provider.token_source(hass, entry, implementation)
    client = provider.create_client(
        async_get_clientsession(hass), token.async_access_token, entry.data
    )
    return Fleet(hass, entry, provider=provider, client=client, renew_token=token.async_renew)


def _application_fleet(
    hass: HomeAssistant, entry: ConnectedCarConfigEntry, provider: Provider
) -> Fleet:
    """An application's fleet: the client logs in with the entry's client id and secret."""

    client = create_application_client(
        async_get_clientsession(hass), entry.data, hass.data.setdefault(TOKEN_WAITS, {})
    )

    async def renew_token() -> None:
        await client.async_authenticate()

    return Fleet(
        hass,
        entry,
        provider=provider,
        client=client,
        renew_token=renew_token,
        clearances=ClearanceWatch(hass, entry, provider, client),
    )


async def async_unload_entry(hass: HomeAssistant, entry: ConnectedCarConfigEntry) -> bool:
    """Unload the platforms and keep the cars' values; the coordinators stop with the entry."""
    await entry.runtime_data.async_save()
    if (push := entry.runtime_data.push) is not None:
        await push.async_flush()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: ConnectedCarConfigEntry) -> None:
    """The entry is deleted: so are the repairs and the stored values of its cars."""
    async_delete_entry_issues(hass, entry.entry_id)
    await SnapshotStore(hass, entry.entry_id).async_remove()
    provider = provider_of(entry.data)
    if provider.push is not None:
        client = provider.create_client(
            async_get_clientsession(hass),
            await _async_removal_token(hass, entry, provider),
            entry.data,
        )
        await async_remove_entry_push(hass, entry, provider.push, client)


async def _async_removal_token(
    hass: HomeAssistant, entry: ConnectedCarConfigEntry, provider: Provider
) -> Callable[[], Awaitable[str]]:
    """The token that unsubscribes the entry's cars: Smartcar v2 needs the application's
    management token alone; v3 the application's app token, which its credential still gets."""
    if provider.login is Login.OAUTH2:
        try:
            implementation = await async_get_config_entry_implementation(hass, entry)
        except ImplementationUnavailableError:  # pragma: no cover - its credential is gone
            return _no_token
        return provider.token_source(hass, entry, implementation).async_access_token
    return _no_token


async def _no_token() -> str:
    raise HomeAssistantError("The entry is removed: it has no account token any more")


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: ConnectedCarConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Remove a car's device: a car the account still lists is disconnected from the application
    first where the provider can (Smartcar), and a car asked data access for ends it (revoke or
    cancel, High Mobility); when that cannot be done, the error says why and the device stays.
    """
    fleet = entry.runtime_data
    prefix = f"{fleet.provider.key}:"
    for domain, key in device.identifiers:
        vehicle_id = key.removeprefix(prefix)
        if domain == DOMAIN and fleet.clearances and vehicle_id in fleet.clearances.cars:
            await fleet.clearances.async_end(vehicle_id)
            if vehicle_id in fleet.records:
                fleet.async_forget(vehicle_id, remove_device=False)
            return True
        if domain != DOMAIN or vehicle_id not in fleet.records:
            continue
        if fleet.push is not None:
            await fleet.push.async_unsubscribe(vehicle_id)
        if vehicle_id not in fleet.missing:
            await fleet.async_disconnect(vehicle_id)
        fleet.async_forget(vehicle_id, remove_device=False)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: ConnectedCarConfigEntry) -> bool:
    """Bring an entry from an earlier version up to date.

    1.2: ids carry the provider: the entry's unique id, device identifiers and entity unique ids.
    Entity ids, names and history stay, since the registry entries are updated in place.
    """
    if entry.minor_version < 2:
        await _async_migrate_ids_to_carry_the_provider(hass, entry)
    LOGGER.debug("Migrated entry %s to 1.%s", entry.entry_id, entry.minor_version)
    return True


async def _async_migrate_ids_to_carry_the_provider(
    hass: HomeAssistant, entry: ConnectedCarConfigEntry
) -> None:
    provider = entry.data.get(CONF_PROVIDER, DEFAULT_PROVIDER.key)
    vehicle_ids: set[str] = set(entry.data.get(CONF_VEHICLES, {}))

    @callback
    def entity_update(entity: er.RegistryEntry) -> dict[str, Any] | None:
        vehicle_id, _, key = entity.unique_id.partition("_")
        if vehicle_id not in vehicle_ids:
            return None
        return {"new_unique_id": f"{provider}:{vehicle_id}:{key}"}

    await er.async_migrate_entries(hass, entry.entry_id, entity_update)
    devices = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        identifiers = {
            (DOMAIN, f"{provider}:{i[1]}") if i[0] == DOMAIN and i[1] in vehicle_ids else i
            for i in device.identifiers
        }
        if identifiers != device.identifiers:
            devices.async_update_device(device.id, new_identifiers=identifiers)
    # The repairs of the old ids go; the next poll raises what still stands under the new ones.
    async_delete_entry_issues(hass, entry.entry_id)
    hass.config_entries.async_update_entry(
        entry,
        data={**entry.data, CONF_PROVIDER: provider},
        unique_id=f"{provider}:{entry.unique_id}" if entry.unique_id else None,
        minor_version=2,
    )


def _remove_gone_devices(
    hass: HomeAssistant, entry: ConnectedCarConfigEntry, vehicle_keys: set[str]
) -> None:
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if not any(i[0] == DOMAIN and i[1] in vehicle_keys for i in device.identifiers):
            registry.async_remove_device(device.id)
