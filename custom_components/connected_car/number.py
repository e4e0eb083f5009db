"""The charge limit: 50-100 %, as a slider."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.number import NumberEntity, NumberEntityDescription, NumberMode
from homeassistant.const import PERCENTAGE
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.model import ChargeLimit, Command, Feature, Reading
from .coordinator import ConnectedCarConfigEntry
from .entity import (
    ConnectedCarEntity,
    ConnectedCarEntityDescription,
    async_add_car_entities,
    supports,
)

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class ConnectedCarNumberDescription(ConnectedCarEntityDescription, NumberEntityDescription):
    """The charge limit."""


CHARGE_LIMIT = ConnectedCarNumberDescription(
    key="charge_limit",
    translation_key="charge_limit",
    feature=Feature.CHARGE_LIMIT,
    command=Command.SET_CHARGE_LIMIT,
)
MIN_LIMIT = 50
MAX_LIMIT = 100


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedCarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a charge limit for each car that reports one."""
    async_add_car_entities(
        hass,
        entry,
        async_add_entities,
        lambda c: [ConnectedCarChargeLimit(c, CHARGE_LIMIT)] if supports(c, CHARGE_LIMIT) else [],
        (CHARGE_LIMIT,),
    )


class ConnectedCarChargeLimit(ConnectedCarEntity, NumberEntity):
    """The state of charge at which the car stops charging."""

    entity_description: ConnectedCarNumberDescription

    _attr_native_min_value = MIN_LIMIT
    _attr_native_max_value = MAX_LIMIT
    _attr_native_step = 1
    _attr_native_unit_of_measurement = PERCENTAGE
    _attr_mode = NumberMode.SLIDER

    # The value being sent: shown while the car works on it, like a lock's "locking".
    _sending: float | None = None

    @property
    def native_value(self) -> float | None:
        """The car's charge limit, or the one being sent to it."""
        if self._sending is not None:
            return self._sending
        limit = self.coordinator.reading(Feature.CHARGE_LIMIT, ChargeLimit)
        return limit.limit if limit else None

    async def async_set_native_value(self, value: float) -> None:
        """Set the charge limit (Home Assistant refuses values outside 50-100 % before this).

        Afterwards the car's own limit shows again: the new one, or after a refusal the old one,
        which moves the slider back (a slider keeps where it was dragged until the state changes).
        """

        def expected(reading: Reading | None) -> Reading:
            return ChargeLimit(limit=value)

        self._sending = value
        self.async_write_ha_state()
        try:
            await self.async_command(Command.SET_CHARGE_LIMIT, expected, limit=value)
        finally:
            self._sending = None
            self.async_write_ha_state()
