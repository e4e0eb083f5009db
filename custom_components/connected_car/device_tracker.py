"""The car's GPS position."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.device_tracker.entity import (
    TrackerEntity,
    TrackerEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.model import Feature, Location
from .coordinator import ConnectedCarConfigEntry
from .entity import (
    ConnectedCarEntity,
    ConnectedCarEntityDescription,
    async_add_car_entities,
    supports,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ConnectedCarTrackerDescription(ConnectedCarEntityDescription, TrackerEntityDescription):
    """The car's position."""


LOCATION = ConnectedCarTrackerDescription(
    key="location", translation_key="location", feature=Feature.LOCATION
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedCarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a tracker for each car that reports its position."""
    async_add_car_entities(
        hass,
        entry,
        async_add_entities,
        lambda c: [ConnectedCarTracker(c, LOCATION)] if supports(c, LOCATION) else [],
    )


class ConnectedCarTracker(ConnectedCarEntity, TrackerEntity):
    """Where the car is."""

    entity_description: ConnectedCarTrackerDescription

    @property
    def entity_category(self) -> EntityCategory | None:
        """None: where the car is belongs with its other states, not among the diagnostics.

        Trackers default to diagnostic, as most track a phone or a router's client.
        """
        return None

    @property
    def _location(self) -> Location | None:
        return self.coordinator.reading(Feature.LOCATION, Location)

    @property
    def latitude(self) -> float | None:
        """Latitude of the car."""
        return location.latitude if (location := self._location) else None

    @property
    def longitude(self) -> float | None:
        """Longitude of the car."""
        return location.longitude if (location := self._location) else None
