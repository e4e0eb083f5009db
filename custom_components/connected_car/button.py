"""The refresh button: poll the car now (it costs the same billable calls as a scheduled poll)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .coordinator import ConnectedCarConfigEntry
from .entity import ConnectedCarEntity, ConnectedCarEntityDescription, coordinators_with

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class ConnectedCarButtonDescription(ConnectedCarEntityDescription, ButtonEntityDescription):
    """The refresh button."""


REFRESH = ConnectedCarButtonDescription(
    key="refresh",
    translation_key="refresh",
    feature=None,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedCarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a refresh button for each car."""
    async_add_entities(
        ConnectedCarRefreshButton(c, REFRESH) for c in coordinators_with(entry, REFRESH)
    )


class ConnectedCarRefreshButton(ConnectedCarEntity, ButtonEntity):
    """Polls the car at once."""

    entity_description: ConnectedCarButtonDescription

    async def async_press(self) -> None:
        """Poll the car now, unless the provider asked us to wait."""
        self.coordinator.raise_if_quiet()
        await self.coordinator.async_refresh()
        if not self.coordinator.last_update_success:
            raise HomeAssistantError(translation_domain=DOMAIN, translation_key="refresh_failed")
