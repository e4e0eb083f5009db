"""The provider-neutral vehicle model. Units are metric: km, kPa, litres, kWh, percent."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from .errors import ProviderError


class Feature(StrEnum):
    """A group of data one provider call returns; entities declare the one they need."""

    BATTERY = "battery"
    BATTERY_CAPACITY = "battery_capacity"
    CHARGE = "charge"
    CHARGE_LIMIT = "charge_limit"
    FUEL = "fuel"
    TIRES = "tires"
    ODOMETER = "odometer"
    ENGINE_OIL = "engine_oil"
    LOCATION = "location"
    SECURITY = "security"
    ENGINE = "engine"
    TIRE_WARNINGS = "tire_warnings"
    WARNINGS = "warnings"
    NOMINAL_BATTERY_CAPACITY = "nominal_battery_capacity"
    DIAGNOSTICS = "diagnostics"
    TROUBLE_CODES = "trouble_codes"
    SERVICE_HISTORY = "service_history"


class Command(StrEnum):
    """Something the integration can ask a car to do."""

    LOCK = "lock"
    UNLOCK = "unlock"
    START_CHARGING = "start_charging"
    STOP_CHARGING = "stop_charging"
    SET_CHARGE_LIMIT = "set_charge_limit"
    SEND_DESTINATION = "send_destination"
    OPEN_CHARGE_PORT = "open_charge_port"
    CLOSE_CHARGE_PORT = "close_charge_port"
    START_CLIMATE = "start_climate"
    STOP_CLIMATE = "stop_climate"
    START_ENGINE = "start_engine"
    STOP_ENGINE = "stop_engine"
    FLASH = "flash"
    HONK = "honk"


class ChargingType(StrEnum):
    """How a car charges: alternating or direct current."""

    AC = "ac"
    DC = "dc"
    NONE = "none"


class ChargingState(StrEnum):
    """Whether a car is charging."""

    CHARGING = "charging"
    FULLY_CHARGED = "fully_charged"
    NOT_CHARGING = "not_charging"


@dataclass(frozen=True)
class Vehicle:
    """A car on the user's account."""

    id: str
    make: str
    model: str
    year: int
    vin: str | None = None
    image_url: str | None = None  # a picture of the car, where the provider has one

    @property
    def name(self) -> str:
        """The car as people call it: make and model."""
        return car_name(self.make, self.model, self.vin)


def car_name(make: str, model: str, vin: str | None) -> str:
    """Make and model; without a model, the make and the VIN's last four characters.

    So two cars of one make differ, and no car is called by its make alone: Assist takes a
    question about "the battery level of the Tesla Model 3" for one about a sensor named
    "BMW Battery level".
    """
    if model:
        return f"{make} {model}"
    return f"{make} {vin[-4:]}" if vin else make


@dataclass(frozen=True)
class Battery:
    """Traction battery charge."""

    level: float | None
    range: float | None


@dataclass(frozen=True)
class BatteryCapacity:
    """Usable traction battery capacity in kWh."""

    capacity: float | None


@dataclass(frozen=True)
class NominalBatteryCapacity:
    """The traction battery's capacity in kWh as the maker states it (when new)."""

    capacity: float | None


@dataclass(frozen=True)
class Charge:
    """Charging cable and charging state; power in kW, time to full in minutes.

    Voltage in V and current in A at the charging inlet; rate is the range the charging adds,
    in km per hour.
    """

    plugged_in: bool | None
    state: ChargingState | None
    power: float | None = None
    minutes_to_full: float | None = None
    type: ChargingType | None = None
    voltage: float | None = None
    current: float | None = None
    rate: float | None = None


@dataclass(frozen=True)
class ChargeLimit:
    """Charge limit in percent."""

    limit: float | None


@dataclass(frozen=True)
class Fuel:
    """Fuel tank."""

    level: float | None
    range: float | None
    amount: float | None


@dataclass(frozen=True)
class Tires:
    """Tire pressures in kPa."""

    front_left: float | None
    front_right: float | None
    rear_left: float | None
    rear_right: float | None


@dataclass(frozen=True)
class TireWarnings:
    """Whether each tire's pressure needs attention (cars that report warnings, not pressures)."""

    front_left: bool | None
    front_right: bool | None
    rear_left: bool | None
    rear_right: bool | None


@dataclass(frozen=True)
class Engine:
    """Whether the engine runs."""

    running: bool | None


@dataclass(frozen=True)
class Warnings:
    """What the car says needs attention; None where it does not report it."""

    service_due: bool | None = None
    washer_fluid_low: bool | None = None
    bulb_failure: bool | None = None
    brake_fluid_low: bool | None = None
    oil_level_low: bool | None = None
    coolant_level_low: bool | None = None


@dataclass(frozen=True)
class Odometer:
    """Distance driven in km."""

    distance: float | None


@dataclass(frozen=True)
class EngineOil:
    """Remaining engine oil life in percent."""

    life: float | None


@dataclass(frozen=True)
class Location:
    """GPS position; heading in degrees clockwise from north."""

    latitude: float
    longitude: float
    heading: float | None = None


@dataclass(frozen=True)
class Security:
    """Locks and openings; None where the car does not report it."""

    locked: bool | None
    doors_open: bool | None
    windows_open: bool | None
    trunk_open: bool | None
    charging_port_open: bool | None
    hood_open: bool | None = None
    sunroof_open: bool | None = None
    front_trunk_open: bool | None = None  # a front trunk apart from trunk_open (the rear one)


@dataclass(frozen=True)
class SystemAlert:
    """A monitored system of the car (the maker's id, say SYSTEM_EMISSIONS) that reports an alert."""

    system: str
    description: str | None = None


@dataclass(frozen=True)
class Diagnostics:
    """The car's monitored systems that report an alert; empty when all are fine."""

    alerts: tuple[SystemAlert, ...] | None


@dataclass(frozen=True)
class TroubleCode:
    """An active diagnostic trouble code (P0456) and when the car set it, where known."""

    code: str
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class TroubleCodes:
    """The car's active diagnostic trouble codes; empty when there are none."""

    codes: tuple[TroubleCode, ...] | None


@dataclass(frozen=True)
class ServiceRecord:
    """One service of the car: when, at which odometer reading (km), and what was done."""

    performed_at: datetime
    odometer: float | None = None
    tasks: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ServiceHistory:
    """The car's services the provider knows of (Smartcar: the last year); empty for none."""

    services: tuple[ServiceRecord, ...] | None

    @property
    def last(self) -> ServiceRecord | None:
        """The latest service, if any."""
        return max(self.services or (), key=lambda s: s.performed_at, default=None)


type Reading = (
    Battery
    | BatteryCapacity
    | Charge
    | ChargeLimit
    | Fuel
    | Tires
    | Odometer
    | EngineOil
    | Location
    | Security
    | Engine
    | TireWarnings
    | Warnings
    | NominalBatteryCapacity
    | Diagnostics
    | TroubleCodes
    | ServiceHistory
)


@dataclass(frozen=True)
class Snapshot:
    """What one read of a car returned: readings, when the car recorded them, and per-feature errors."""

    readings: dict[Feature, Reading] = field(default_factory=dict)
    recorded_at: dict[Feature, datetime] = field(default_factory=dict)
    errors: dict[Feature, ProviderError] = field(default_factory=dict)

    def merged_onto(self, previous: Snapshot) -> Snapshot:
        """This snapshot, keeping the previous reading of every feature that failed now."""
        kept = {f: r for f, r in previous.readings.items() if f not in self.readings}
        kept_at = {f: t for f, t in previous.recorded_at.items() if f not in self.readings}
        return replace(
            self,
            readings=kept | self.readings,
            recorded_at=kept_at | self.recorded_at,
        )
