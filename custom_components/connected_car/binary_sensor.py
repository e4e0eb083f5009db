"""Binary sensors: plugged in, charging, and doors, windows, trunk and charging port open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.model import Charge, ChargingState, Feature, Security
from .coordinator import ConnectedCarConfigEntry, VehicleCoordinator
from .entity import ConnectedCarEntity, ConnectedCarEntityDescription, coordinators_with

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ConnectedCarBinarySensorDescription(
    ConnectedCarEntityDescription, BinarySensorEntityDescription
):
    """A binary sensor and how to read it from the car's data."""

    value: Callable[[VehicleCoordinator], bool | None]


def _security(
    read: Callable[[Security], bool | None],
) -> Callable[[VehicleCoordinator], bool | None]:
    return lambda c: read(s) if (s := c.reading(Feature.SECURITY, Security)) else None


def _charge(c: VehicleCoordinator) -> Charge | None:
    return c.reading(Feature.CHARGE, Charge)


BINARY_SENSORS: tuple[ConnectedCarBinarySensorDescription, ...] = (
    ConnectedCarBinarySensorDescription(
        key="plugged_in",
        translation_key="plugged_in",
        feature=Feature.CHARGE,
        device_class=BinarySensorDeviceClass.PLUG,
        value=lambda c: ch.plugged_in if (ch := _charge(c)) else None,
    ),
    ConnectedCarBinarySensorDescription(
        key="charging",
        translation_key="charging",
        feature=Feature.CHARGE,
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        value=lambda c: ch.state == ChargingState.CHARGING if (ch := _charge(c)) else None,
    ),
    ConnectedCarBinarySensorDescription(
        key="doors",
        translation_key="doors",
        feature=Feature.SECURITY,
        device_class=BinarySensorDeviceClass.DOOR,
        value=_security(lambda s: s.doors_open),
    ),
    ConnectedCarBinarySensorDescription(
        key="windows",
        translation_key="windows",
        feature=Feature.SECURITY,
        device_class=BinarySensorDeviceClass.WINDOW,
        value=_security(lambda s: s.windows_open),
    ),
    ConnectedCarBinarySensorDescription(
        key="trunk",
        translation_key="trunk",
        feature=Feature.SECURITY,
        device_class=BinarySensorDeviceClass.OPENING,
        value=_security(lambda s: s.trunk_open),
    ),
    ConnectedCarBinarySensorDescription(
        key="charging_port",
        translation_key="charging_port",
        feature=Feature.SECURITY,
        only_with=Feature.CHARGE,
        device_class=BinarySensorDeviceClass.OPENING,
        value=_security(lambda s: s.charging_port_open),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedCarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors each car supports."""
    async_add_entities(
        ConnectedCarBinarySensor(coordinator, description)
        for description in BINARY_SENSORS
        for coordinator in coordinators_with(entry, description)
    )


class ConnectedCarBinarySensor(ConnectedCarEntity, BinarySensorEntity):
    """A state the car reports."""

    entity_description: ConnectedCarBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """The state from the car's latest data."""
        return self.entity_description.value(self.coordinator)
