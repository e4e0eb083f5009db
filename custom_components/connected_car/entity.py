"""The base of every Connected Car entity: one device per car, data from its coordinator."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import (
    AddConfigEntryEntitiesCallback,
    async_get_current_platform,
)
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api.model import Command, Feature, Reading, Vehicle
from .const import DOMAIN
from .coordinator import CommandEffect, ConnectedCarConfigEntry, VehicleCoordinator
from .fleet import new_car_signal


@dataclass(frozen=True, kw_only=True)
class ConnectedCarEntityDescription(EntityDescription):
    """An entity of a car, tied to the feature whose data it shows."""

    feature: Feature | None
    # Another feature the car must support for the entity to make sense (a charging port: CHARGE).
    only_with: Feature | None = None
    # An optional reading field the car must report, as "feature.field" (security.hood_open).
    field: str | None = None
    # A command the car must take (a lock: LOCK), or must not take (a read-only twin of a control).
    command: Command | None = None
    unless_command: Command | None = None


class ConnectedCarEntity(CoordinatorEntity[VehicleCoordinator]):
    """An entity of one car."""

    _attr_has_entity_name = True
    entity_description: ConnectedCarEntityDescription

    def __init__(
        self, coordinator: VehicleCoordinator, description: ConnectedCarEntityDescription
    ) -> None:
        """Attach the entity to its car's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.vehicle_key}:{description.key}"
        self._attr_device_info = car_device_info(coordinator.vehicle_key, coordinator.vehicle)

    async def async_added_to_hass(self) -> None:
        """Have the car polled for this entity's feature while the entity exists."""
        await super().async_added_to_hass()
        if self.entity_description.feature is not None:
            self.async_on_remove(self.coordinator.async_want(self.entity_description.feature))

    @property
    def available(self) -> bool:
        """Available while the last poll worked and there is a reading to show."""
        feature = self.entity_description.feature
        return super().available and (
            feature is None
            or (self.coordinator.data is not None and feature in self.coordinator.data.readings)
        )

    async def async_command(
        self,
        command: Command,
        expected: CommandEffect | None = None,
        **params: Any,
    ) -> None:
        """Send command to the car; the entity's feature shows and confirms the result."""
        await self.coordinator.async_command(
            command, feature=self.entity_description.feature, expected=expected, **params
        )


def command_effect(kind: type[Reading], **changes: Any) -> CommandEffect:
    """What a command does to a reading of kind: changes its fields (nothing to show without one)."""

    def effect(reading: Reading | None) -> Reading | None:
        return replace(reading, **changes) if isinstance(reading, kind) else None

    return effect


def car_device_info(vehicle_key: str, vehicle: Vehicle) -> DeviceInfo:
    """The device of a car (a provider that names no model or year: its make)."""
    return DeviceInfo(
        identifiers={(DOMAIN, vehicle_key)},
        manufacturer=vehicle.make,
        model=f"{vehicle.model} ({vehicle.year})" if vehicle.year else vehicle.model or None,
        name=vehicle.name,
        serial_number=vehicle.vin,
    )


def supports(coordinator: VehicleCoordinator, description: ConnectedCarEntityDescription) -> bool:
    """Whether the car supports what the described entity needs."""
    needed = {f for f in (description.feature, description.only_with) if f is not None}
    return (
        needed <= coordinator.supported
        and (description.field is None or description.field in coordinator.fields)
        and (description.command is None or description.command in coordinator.commands)
        and (
            description.unless_command is None
            or description.unless_command not in coordinator.commands
        )
    )


def async_add_car_entities(
    hass: HomeAssistant,
    entry: ConnectedCarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entities_of: Callable[[VehicleCoordinator], Iterable[ConnectedCarEntity]],
    candidates: Iterable[ConnectedCarEntityDescription] = (),
) -> None:
    """Add the entities of every car now, and those of each car the account gains later.

    An entity of candidates the car no longer supports (a control whose command it refused, the
    read-only twin of a control it takes again) leaves the entity registry.
    """
    domain = async_get_current_platform().domain
    keys = {description.key for description in candidates}

    def entities_and_cleanup(coordinator: VehicleCoordinator) -> list[ConnectedCarEntity]:
        entities = list(entities_of(coordinator))
        registry = er.async_get(hass)
        for key in keys - {entity.entity_description.key for entity in entities}:
            unique_id = f"{coordinator.vehicle_key}:{key}"
            if entity_id := registry.async_get_entity_id(domain, DOMAIN, unique_id):
                registry.async_remove(entity_id)
        return entities

    async_add_entities(
        e for c in entry.runtime_data.coordinators.values() for e in entities_and_cleanup(c)
    )

    @callback
    def add_car(coordinator: VehicleCoordinator) -> None:
        async_add_entities(entities_and_cleanup(coordinator))

    entry.async_on_unload(async_dispatcher_connect(hass, new_car_signal(entry.entry_id), add_car))
