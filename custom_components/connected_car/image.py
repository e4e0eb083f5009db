"""The car's picture, where the provider has one (Volvo sends the car as configured)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import ConnectedCarConfigEntry, VehicleCoordinator
from .entity import ConnectedCarEntity, ConnectedCarEntityDescription, async_add_car_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ConnectedCarImageDescription(ConnectedCarEntityDescription, ImageEntityDescription):
    """The car's picture."""


PICTURE = ConnectedCarImageDescription(key="picture", translation_key="picture", feature=None)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedCarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a picture for each car the provider has one of."""
    async_add_car_entities(
        hass,
        entry,
        async_add_entities,
        lambda c: [ConnectedCarPicture(hass, c, PICTURE)] if c.vehicle.image_url else [],
    )


class ConnectedCarPicture(ConnectedCarEntity, ImageEntity):
    """The picture of the car, fetched from the provider's address when shown."""

    entity_description: ConnectedCarImageDescription

    def __init__(
        self,
        hass: HomeAssistant,
        coordinator: VehicleCoordinator,
        description: ConnectedCarImageDescription,
    ) -> None:
        """Show the car's picture from its address."""
        ConnectedCarEntity.__init__(self, coordinator, description)
        ImageEntity.__init__(self, hass)
        self._attr_image_url = coordinator.vehicle.image_url
        self._attr_image_last_updated = dt_util.utcnow()
