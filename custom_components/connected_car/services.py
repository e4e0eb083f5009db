"""The integration's actions: connected_car.send_destination."""

from __future__ import annotations

from typing import Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID, ATTR_LATITUDE, ATTR_LONGITUDE
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import probatio as vol

from .api.model import Command
from .const import DOMAIN
from .coordinator import ConnectedCarConfigEntry, VehicleCoordinator

SERVICE_SEND_DESTINATION: Final = "send_destination"

SEND_DESTINATION_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Required(ATTR_LATITUDE): vol.Coerce(float),
        vol.Required(ATTR_LONGITUDE): vol.Coerce(float),
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions once, for every config entry."""

    async def send_destination(call: ServiceCall) -> None:
        latitude, longitude = call.data[ATTR_LATITUDE], call.data[ATTR_LONGITUDE]
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_coordinates",
                translation_placeholders={
                    "latitude": f"{latitude:g}",
                    "longitude": f"{longitude:g}",
                },
            )
        coordinator = _coordinator_for_device(hass, call.data[ATTR_DEVICE_ID])
        await coordinator.async_command(
            Command.SEND_DESTINATION, feature=None, latitude=latitude, longitude=longitude
        )

    hass.services.async_register(
        DOMAIN, SERVICE_SEND_DESTINATION, send_destination, schema=SEND_DESTINATION_SCHEMA
    )


def _coordinator_for_device(hass: HomeAssistant, device_id: str) -> VehicleCoordinator:
    device = dr.async_get(hass).async_get(device_id)
    if device is not None:
        vehicle_keys = {i[1] for i in device.identifiers if i[0] == DOMAIN}
        for entry_id in device.config_entries:
            entry: ConnectedCarConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
            if entry is None or entry.domain != DOMAIN:
                continue
            if entry.state is not ConfigEntryState.LOADED:
                raise ServiceValidationError(
                    translation_domain=DOMAIN, translation_key="entry_not_loaded"
                )
            for coordinator in entry.runtime_data.coordinators.values():
                if coordinator.vehicle_key in vehicle_keys:
                    return coordinator
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="unknown_device",
        translation_placeholders={"device_id": device_id},
    )
