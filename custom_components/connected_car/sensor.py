"""Sensors: battery, range, charging state, fuel, tire pressures, odometer, oil life, data age."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    DEGREE,
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfLength,
    UnitOfPower,
    UnitOfPressure,
    UnitOfSpeed,
    UnitOfTime,
    UnitOfVolume,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.model import (
    Battery,
    BatteryCapacity,
    Charge,
    ChargeLimit,
    ChargingState,
    ChargingType,
    Command,
    EngineOil,
    Feature,
    Fuel,
    Location,
    NominalBatteryCapacity,
    Odometer,
    ServiceHistory,
    ServiceRecord,
    Snapshot,
    Tires,
    TroubleCodes,
)
from .clearance import STATES, ClearanceWatch, car_vehicle, reason_key
from .coordinator import ConnectedCarConfigEntry, VehicleCoordinator
from .entity import (
    ConnectedCarEntity,
    ConnectedCarEntityDescription,
    async_add_car_entities,
    car_device_info,
    supports,
)

PARALLEL_UPDATES = 0

type StateValue = float | str | datetime | None


@dataclass(frozen=True, kw_only=True)
class ConnectedCarSensorDescription(ConnectedCarEntityDescription, SensorEntityDescription):
    """A sensor and how to read its value from the car's data."""

    value: Callable[[VehicleCoordinator], StateValue]
    attributes: Callable[[VehicleCoordinator], dict[str, Any] | None] | None = None


def _battery(c: VehicleCoordinator) -> Battery | None:
    return c.reading(Feature.BATTERY, Battery)


def _fuel(c: VehicleCoordinator) -> Fuel | None:
    return c.reading(Feature.FUEL, Fuel)


def _tires(c: VehicleCoordinator) -> Tires | None:
    return c.reading(Feature.TIRES, Tires)


def _charge(c: VehicleCoordinator) -> Charge | None:
    return c.reading(Feature.CHARGE, Charge)


def _charging_state(c: VehicleCoordinator) -> str | None:
    charge = _charge(c)
    return charge.state.value if charge and charge.state else None


def _data_age(c: VehicleCoordinator) -> datetime | None:
    snapshot: Snapshot | None = c.data
    return max(snapshot.recorded_at.values(), default=None) if snapshot else None


def _trouble_codes(c: VehicleCoordinator) -> TroubleCodes | None:
    return c.reading(Feature.TROUBLE_CODES, TroubleCodes)


def _codes(c: VehicleCoordinator) -> dict[str, Any] | None:
    codes = _trouble_codes(c)
    return {"codes": [code.code for code in codes.codes or ()]} if codes else None


def _last_service(c: VehicleCoordinator) -> ServiceRecord | None:
    history = c.reading(Feature.SERVICE_HISTORY, ServiceHistory)
    return history.last if history else None


def _service(c: VehicleCoordinator) -> dict[str, Any] | None:
    """What the latest service did, and at which odometer reading (km, as the car reports)."""
    service = _last_service(c)
    if service is None:
        return None
    return {"odometer_km": service.odometer, "tasks": list(service.tasks or ())}


def _tire(key: str, read: Callable[[Tires], float | None]) -> ConnectedCarSensorDescription:
    return ConnectedCarSensorDescription(
        key=key,
        translation_key=key,
        feature=Feature.TIRES,
        device_class=SensorDeviceClass.PRESSURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPressure.KPA,
        suggested_display_precision=0,
        value=lambda c: read(t) if (t := _tires(c)) else None,
    )


SENSORS: tuple[ConnectedCarSensorDescription, ...] = (
    ConnectedCarSensorDescription(
        key="battery_level",
        translation_key="battery_level",
        feature=Feature.BATTERY,
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value=lambda c: b.level if (b := _battery(c)) else None,
    ),
    ConnectedCarSensorDescription(
        key="electric_range",
        translation_key="electric_range",
        feature=Feature.BATTERY,
        device_class=SensorDeviceClass.DISTANCE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        suggested_display_precision=0,
        value=lambda c: b.range if (b := _battery(c)) else None,
    ),
    ConnectedCarSensorDescription(
        key="battery_capacity",
        translation_key="battery_capacity",
        feature=Feature.BATTERY_CAPACITY,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value=lambda c: (
            b.capacity if (b := c.reading(Feature.BATTERY_CAPACITY, BatteryCapacity)) else None
        ),
    ),
    ConnectedCarSensorDescription(
        key="nominal_battery_capacity",
        translation_key="nominal_battery_capacity",
        feature=Feature.NOMINAL_BATTERY_CAPACITY,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value=lambda c: (
            n.capacity
            if (n := c.reading(Feature.NOMINAL_BATTERY_CAPACITY, NominalBatteryCapacity))
            else None
        ),
    ),
    ConnectedCarSensorDescription(
        key="charging_state",
        translation_key="charging_state",
        feature=Feature.CHARGE,
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in ChargingState],
        value=_charging_state,
    ),
    ConnectedCarSensorDescription(
        key="charging_power",
        translation_key="charging_power",
        feature=Feature.CHARGE,
        field="charge.power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        suggested_display_precision=1,
        value=lambda c: ch.power if (ch := _charge(c)) else None,
    ),
    ConnectedCarSensorDescription(
        key="charging_type",
        translation_key="charging_type",
        feature=Feature.CHARGE,
        field="charge.type",
        device_class=SensorDeviceClass.ENUM,
        options=[charging_type.value for charging_type in ChargingType],
        value=lambda c: ch.type.value if (ch := _charge(c)) and ch.type else None,
    ),
    ConnectedCarSensorDescription(
        key="time_to_full",
        translation_key="time_to_full",
        feature=Feature.CHARGE,
        field="charge.minutes_to_full",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        value=lambda c: ch.minutes_to_full if (ch := _charge(c)) else None,
    ),
    ConnectedCarSensorDescription(
        key="charging_voltage",
        translation_key="charging_voltage",
        feature=Feature.CHARGE,
        field="charge.voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value=lambda c: ch.voltage if (ch := _charge(c)) else None,
    ),
    ConnectedCarSensorDescription(
        key="charging_current",
        translation_key="charging_current",
        feature=Feature.CHARGE,
        field="charge.current",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value=lambda c: ch.current if (ch := _charge(c)) else None,
    ),
    ConnectedCarSensorDescription(
        key="charging_rate",
        translation_key="charging_rate",
        feature=Feature.CHARGE,
        field="charge.rate",
        device_class=SensorDeviceClass.SPEED,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfSpeed.KILOMETERS_PER_HOUR,
        suggested_display_precision=0,
        value=lambda c: ch.rate if (ch := _charge(c)) else None,
    ),
    ConnectedCarSensorDescription(
        key="charge_limit",
        translation_key="charge_limit",
        feature=Feature.CHARGE_LIMIT,
        unless_command=Command.SET_CHARGE_LIMIT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value=lambda c: cl.limit if (cl := c.reading(Feature.CHARGE_LIMIT, ChargeLimit)) else None,
    ),
    ConnectedCarSensorDescription(
        key="fuel_level",
        translation_key="fuel_level",
        feature=Feature.FUEL,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value=lambda c: f.level if (f := _fuel(c)) else None,
    ),
    ConnectedCarSensorDescription(
        key="fuel_range",
        translation_key="fuel_range",
        feature=Feature.FUEL,
        device_class=SensorDeviceClass.DISTANCE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        suggested_display_precision=0,
        value=lambda c: f.range if (f := _fuel(c)) else None,
    ),
    ConnectedCarSensorDescription(
        key="fuel_amount",
        translation_key="fuel_amount",
        feature=Feature.FUEL,
        device_class=SensorDeviceClass.VOLUME_STORAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfVolume.LITERS,
        suggested_display_precision=1,
        value=lambda c: f.amount if (f := _fuel(c)) else None,
    ),
    _tire("tire_pressure_front_left", lambda t: t.front_left),
    _tire("tire_pressure_front_right", lambda t: t.front_right),
    _tire("tire_pressure_rear_left", lambda t: t.rear_left),
    _tire("tire_pressure_rear_right", lambda t: t.rear_right),
    ConnectedCarSensorDescription(
        key="odometer",
        translation_key="odometer",
        feature=Feature.ODOMETER,
        device_class=SensorDeviceClass.DISTANCE,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        suggested_display_precision=0,
        value=lambda c: o.distance if (o := c.reading(Feature.ODOMETER, Odometer)) else None,
    ),
    ConnectedCarSensorDescription(
        key="engine_oil_life",
        translation_key="engine_oil_life",
        feature=Feature.ENGINE_OIL,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        value=lambda c: o.life if (o := c.reading(Feature.ENGINE_OIL, EngineOil)) else None,
    ),
    ConnectedCarSensorDescription(
        key="heading",
        translation_key="heading",
        feature=Feature.LOCATION,
        field="location.heading",
        native_unit_of_measurement=DEGREE,
        state_class=SensorStateClass.MEASUREMENT_ANGLE,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value=lambda c: loc.heading if (loc := c.reading(Feature.LOCATION, Location)) else None,
    ),
    # Trouble codes and services change rarely, yet each enabled one is read (and billed) every
    # poll: off by default, so the default polling costs no more.
    ConnectedCarSensorDescription(
        key="trouble_codes",
        translation_key="trouble_codes",
        feature=Feature.TROUBLE_CODES,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value=lambda c: len(t.codes or ()) if (t := _trouble_codes(c)) else None,
        attributes=_codes,
    ),
    ConnectedCarSensorDescription(
        key="last_service",
        translation_key="last_service",
        feature=Feature.SERVICE_HISTORY,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value=lambda c: s.performed_at if (s := _last_service(c)) else None,
        attributes=_service,
    ),
    ConnectedCarSensorDescription(
        key="data_age",
        translation_key="data_age",
        feature=None,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=_data_age,
    ),
    # What polling costs and when it happens: the provider's call budget made visible.
    ConnectedCarSensorDescription(
        key="calls_used",
        translation_key="calls_used",
        feature=None,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=lambda c: c.calls_used,
    ),
    ConnectedCarSensorDescription(
        key="calls_left",
        translation_key="calls_left",
        feature=None,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=lambda c: c.calls_left,
    ),
    ConnectedCarSensorDescription(
        key="next_poll",
        translation_key="next_poll",
        feature=None,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=lambda c: c.next_poll,
    ),
    ConnectedCarSensorDescription(
        key="last_poll",
        translation_key="last_poll",
        feature=None,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=lambda c: c.last_poll,
    ),
)


# Which path feeds each car, for providers that push (diagnostic).
DATA_SOURCES = ["push", "poll"]
PUSH_SENSORS: tuple[ConnectedCarSensorDescription, ...] = (
    ConnectedCarSensorDescription(
        key="data_source",
        translation_key="data_source",
        feature=None,
        device_class=SensorDeviceClass.ENUM,
        options=DATA_SOURCES,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=lambda c: c.data_source,
    ),
    ConnectedCarSensorDescription(
        key="last_push",
        translation_key="last_push",
        feature=None,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=lambda c: c.last_push_received,
    ),
    ConnectedCarSensorDescription(
        key="pushes_rejected",
        translation_key="pushes_rejected",
        feature=None,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        value=lambda c: c.pushes_rejected,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedCarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors each car supports, and the data access of cars that must be cleared."""
    if (clearances := entry.runtime_data.clearances) is not None:
        async_add_entities(DataAccessSensor(clearances, vin) for vin in clearances.cars)
    async_add_car_entities(
        hass,
        entry,
        async_add_entities,
        lambda c: (
            ConnectedCarSensor(c, d)
            for d in (*SENSORS, *(PUSH_SENSORS if c.has_push else ()))
            if supports(c, d)
        ),
        (*SENSORS, *PUSH_SENSORS),
    )


class ConnectedCarSensor(ConnectedCarEntity, SensorEntity):
    """A value the car reports."""

    entity_description: ConnectedCarSensorDescription

    @property
    def native_value(self) -> StateValue:
        """The value from the car's latest data."""
        return self.entity_description.value(self.coordinator)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """What the state alone does not say (the trouble codes, what a service did)."""
        attributes = self.entity_description.attributes
        return attributes(self.coordinator) if attributes else None


DATA_ACCESS = "data_access"


class DataAccessSensor(SensorEntity):
    """Whether a car shares its data yet: its clearance state, and the latest reason given."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_translation_key = DATA_ACCESS
    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = STATES

    def __init__(self, clearances: ClearanceWatch, vin: str) -> None:
        """The data access of the car vin; its device exists from the moment the car is added."""
        self._clearances = clearances
        self._vin = vin
        vehicle_key = f"{clearances.provider.key}:{vin}"
        self._attr_unique_id = f"{vehicle_key}:data_access"
        self._attr_device_info = car_device_info(
            vehicle_key, car_vehicle(vin, clearances.cars[vin])
        )

    async def async_added_to_hass(self) -> None:
        """Show each new read of the clearance states."""
        self.async_on_remove(self._clearances.async_add_listener(self.async_write_ha_state))

    @property
    def native_value(self) -> str | None:
        """The clearance state, unknown until the fleet was read."""
        state = self._clearances.states.get(self._vin)
        return str(state.status) if state else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Why the car is in its state, and since when."""
        state = self._clearances.states.get(self._vin)
        if state is None:
            return {}
        since = state.changelog[-1].timestamp if state.changelog else None
        return {
            "reason": reason_key(state.reason or state.description),
            "since": since.isoformat() if since else None,
        }
