"""The charge port door: opened and closed for cars that take those commands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.cover import (
    CoverDeviceClass,
    CoverEntity,
    CoverEntityDescription,
    CoverEntityFeature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.model import Command, Feature, Security
from .coordinator import ConnectedCarConfigEntry
from .entity import (
    ConnectedCarEntity,
    ConnectedCarEntityDescription,
    async_add_car_entities,
    command_effect,
    supports,
)

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class ConnectedCarCoverDescription(ConnectedCarEntityDescription, CoverEntityDescription):
    """The charge port door."""


CHARGE_PORT = ConnectedCarCoverDescription(
    key="charge_port_door",
    translation_key="charge_port_door",
    feature=Feature.SECURITY,
    only_with=Feature.CHARGE,
    field="security.charging_port_open",
    command=Command.OPEN_CHARGE_PORT,
    device_class=CoverDeviceClass.DOOR,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedCarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a charge port door for each car that opens it on command."""
    async_add_car_entities(
        hass,
        entry,
        async_add_entities,
        lambda c: [ConnectedCarChargePort(c, CHARGE_PORT)] if supports(c, CHARGE_PORT) else [],
        (CHARGE_PORT,),
    )


class ConnectedCarChargePort(ConnectedCarEntity, CoverEntity):
    """Open while the charge port door stands open."""

    entity_description: ConnectedCarCoverDescription
    _attr_supported_features = CoverEntityFeature.OPEN | CoverEntityFeature.CLOSE

    @property
    def is_closed(self) -> bool | None:
        """Whether the door is closed."""
        security = self.coordinator.reading(Feature.SECURITY, Security)
        port_open = security.charging_port_open if security else None
        return None if port_open is None else not port_open

    async def async_open_cover(self, **kwargs: Any) -> None:
        """Open the charge port door."""
        await self.async_command(
            Command.OPEN_CHARGE_PORT, command_effect(Security, charging_port_open=True)
        )

    async def async_close_cover(self, **kwargs: Any) -> None:
        """Close the charge port door."""
        await self.async_command(
            Command.CLOSE_CHARGE_PORT, command_effect(Security, charging_port_open=False)
        )
