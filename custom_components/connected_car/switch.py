"""The charging switch: start and stop charging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.model import Charge, ChargingState, Command, Feature
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
class ConnectedCarSwitchDescription(ConnectedCarEntityDescription, SwitchEntityDescription):
    """The charging switch."""


CHARGING = ConnectedCarSwitchDescription(
    key="charging_switch",
    translation_key="charging",
    feature=Feature.CHARGE,
    command=Command.START_CHARGING,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedCarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a charging switch for each car that charges."""
    async_add_car_entities(
        hass,
        entry,
        async_add_entities,
        lambda c: [ConnectedCarChargingSwitch(c, CHARGING)] if supports(c, CHARGING) else [],
        (CHARGING,),
    )


class ConnectedCarChargingSwitch(ConnectedCarEntity, SwitchEntity):
    """On while the car charges."""

    entity_description: ConnectedCarSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """Whether the car is charging."""
        charge = self.coordinator.reading(Feature.CHARGE, Charge)
        return (
            None
            if charge is None or charge.state is None
            else (charge.state == ChargingState.CHARGING)
        )

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Start charging."""
        await self.async_command(
            Command.START_CHARGING, command_effect(Charge, state=ChargingState.CHARGING)
        )

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop charging."""
        await self.async_command(
            Command.STOP_CHARGING, command_effect(Charge, state=ChargingState.NOT_CHARGING)
        )
