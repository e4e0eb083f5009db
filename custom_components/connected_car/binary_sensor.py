"""Binary sensors: plugged in, charging, and doors, windows, trunk and charging port open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.model import (
    Charge,
    ChargingState,
    Command,
    Diagnostics,
    Engine,
    Feature,
    Security,
    TireWarnings,
    Warnings,
)
from .coordinator import ConnectedCarConfigEntry, VehicleCoordinator
from .entity import (
    ConnectedCarEntity,
    ConnectedCarEntityDescription,
    async_add_car_entities,
    supports,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ConnectedCarBinarySensorDescription(
    ConnectedCarEntityDescription, BinarySensorEntityDescription
):
    """A binary sensor and how to read it from the car's data."""

    value: Callable[[VehicleCoordinator], bool | None]
    attributes: Callable[[VehicleCoordinator], dict[str, Any] | None] | None = None


def _security(
    read: Callable[[Security], bool | None],
) -> Callable[[VehicleCoordinator], bool | None]:
    return lambda c: read(s) if (s := c.reading(Feature.SECURITY, Security)) else None


def _tire_warning(wheel: str) -> Callable[[VehicleCoordinator], bool | None]:
    def value(c: VehicleCoordinator) -> bool | None:
        warnings = c.reading(Feature.TIRE_WARNINGS, TireWarnings)
        return getattr(warnings, wheel) if warnings else None

    return value


def _warning(name: str) -> Callable[[VehicleCoordinator], bool | None]:
    def value(c: VehicleCoordinator) -> bool | None:
        warnings = c.reading(Feature.WARNINGS, Warnings)
        return getattr(warnings, name) if warnings else None

    return value


def _diagnostics(c: VehicleCoordinator) -> Diagnostics | None:
    return c.reading(Feature.DIAGNOSTICS, Diagnostics)


def _alerts(c: VehicleCoordinator) -> dict[str, Any] | None:
    """The systems with an alert (SYSTEM_EMISSIONS as emissions) and what the car says of each."""
    diagnostics = _diagnostics(c)
    if diagnostics is None:
        return None
    return {
        "systems": {
            alert.system.lower().removeprefix("system_"): alert.description
            for alert in diagnostics.alerts or ()
        }
    }


def _charge(c: VehicleCoordinator) -> Charge | None:
    return c.reading(Feature.CHARGE, Charge)


BINARY_SENSORS: tuple[ConnectedCarBinarySensorDescription, ...] = (
    # A car that takes no lock command shows its lock state here (on means unlocked).
    ConnectedCarBinarySensorDescription(
        key="lock",
        translation_key="lock",
        feature=Feature.SECURITY,
        unless_command=Command.LOCK,
        device_class=BinarySensorDeviceClass.LOCK,
        value=_security(lambda s: None if s.locked is None else not s.locked),
    ),
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
        field="security.charging_port_open",
        unless_command=Command.OPEN_CHARGE_PORT,  # the charge port door cover shows it
        device_class=BinarySensorDeviceClass.OPENING,
        value=_security(lambda s: s.charging_port_open),
    ),
    ConnectedCarBinarySensorDescription(
        key="front_trunk",
        translation_key="front_trunk",
        feature=Feature.SECURITY,
        field="security.front_trunk_open",
        device_class=BinarySensorDeviceClass.OPENING,
        value=_security(lambda s: s.front_trunk_open),
    ),
    ConnectedCarBinarySensorDescription(
        key="hood",
        translation_key="hood",
        feature=Feature.SECURITY,
        field="security.hood_open",
        device_class=BinarySensorDeviceClass.OPENING,
        value=_security(lambda s: s.hood_open),
    ),
    ConnectedCarBinarySensorDescription(
        key="sunroof",
        translation_key="sunroof",
        feature=Feature.SECURITY,
        field="security.sunroof_open",
        device_class=BinarySensorDeviceClass.WINDOW,
        value=_security(lambda s: s.sunroof_open),
    ),
    ConnectedCarBinarySensorDescription(
        key="engine",
        translation_key="engine",
        feature=Feature.ENGINE,
        device_class=BinarySensorDeviceClass.RUNNING,
        value=lambda c: e.running if (e := c.reading(Feature.ENGINE, Engine)) else None,
    ),
    *(
        ConnectedCarBinarySensorDescription(
            key=f"tire_warning_{wheel}",
            translation_key=f"tire_warning_{wheel}",
            feature=Feature.TIRE_WARNINGS,
            device_class=BinarySensorDeviceClass.PROBLEM,
            entity_category=EntityCategory.DIAGNOSTIC,
            value=_tire_warning(wheel),
        )
        for wheel in ("front_left", "front_right", "rear_left", "rear_right")
    ),
    *(
        ConnectedCarBinarySensorDescription(
            key=warning,
            translation_key=warning,
            feature=Feature.WARNINGS,
            field=f"warnings.{warning}",
            device_class=BinarySensorDeviceClass.PROBLEM,
            entity_category=EntityCategory.DIAGNOSTIC,
            value=_warning(warning),
        )
        for warning in (
            "service_due",
            "washer_fluid_low",
            "bulb_failure",
            "brake_fluid_low",
            "oil_level_low",
            "coolant_level_low",
        )
    ),
    # Read in every poll while enabled, each read billed: off by default, so polling costs no more.
    ConnectedCarBinarySensorDescription(
        key="diagnostics",
        translation_key="diagnostics",
        feature=Feature.DIAGNOSTICS,
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value=lambda c: bool(d.alerts) if (d := _diagnostics(c)) else None,
        attributes=_alerts,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedCarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors each car supports."""
    async_add_car_entities(
        hass,
        entry,
        async_add_entities,
        lambda c: (ConnectedCarBinarySensor(c, d) for d in BINARY_SENSORS if supports(c, d)),
        BINARY_SENSORS,
    )


class ConnectedCarBinarySensor(ConnectedCarEntity, BinarySensorEntity):
    """A state the car reports."""

    entity_description: ConnectedCarBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """The state from the car's latest data."""
        return self.entity_description.value(self.coordinator)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """What the state alone does not say (which systems have an alert)."""
        attributes = self.entity_description.attributes
        return attributes(self.coordinator) if attributes else None
