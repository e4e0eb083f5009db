"""What a value from a provider may be before it becomes part of a reading, for every client.

One rule: a value of the wrong type or outside its range is unknown (None), as if the provider had
not sent it. A reading with no value known, or without one it cannot do without (a location's
latitude and longitude), is no reading at all: the client fails only that feature.

Clients decode the wire (units, fractions, words) with the helpers below, then pass every reading
through `checked`, which holds the type and range of every field of every reading in CHECKS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from enum import StrEnum
import math
from typing import Any

from .model import (
    Battery,
    BatteryCapacity,
    Charge,
    ChargeLimit,
    ChargingState,
    ChargingType,
    Diagnostics,
    Engine,
    EngineOil,
    Fuel,
    Location,
    NominalBatteryCapacity,
    Odometer,
    Reading,
    Security,
    ServiceHistory,
    ServiceRecord,
    SystemAlert,
    Tires,
    TireWarnings,
    TroubleCode,
    TroubleCodes,
    Warnings,
)

# The oldest and newest model year a car can have.
MODEL_YEARS = (1886, 2200)


def real(value: object) -> float | None:
    """A finite real number as a float: not a bool, a string, NaN, an infinity or too big a one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond a float's range
        return None
    return number if math.isfinite(number) else None


def text(value: object) -> str | None:
    """A non-empty string that is valid Unicode (JSON's "\\ud800" is not, and breaks storage)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        value.encode()
    except UnicodeEncodeError:
        return None
    return value


def choice[V](value: object, table: Mapping[str, V]) -> V | None:
    """The table's entry for a word; None for another word or anything that is not one."""
    return table.get(value) if isinstance(value, str) else None


def model_year(value: object) -> int | None:
    """A model year: an integer, or a string of digits, within MODEL_YEARS."""
    if isinstance(value, str) and value.isascii() and value.isdecimal():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if MODEL_YEARS[0] <= value <= MODEL_YEARS[1] else None


type Check = Callable[[object], object]


@dataclass(frozen=True)
class Number:
    """A real number from low to high."""

    low: float
    high: float

    def __call__(self, value: object) -> float | None:
        """The value if it is a finite real number within the range (an int stays one: 238 kPa
        shows as 238, not 238.0)."""
        number = real(value)
        if number is None or not self.low <= number <= self.high:
            return None
        return value if isinstance(value, int) else number


def flag(value: object) -> bool | None:
    """True or false, nothing else (not 1, not "true")."""
    return value if isinstance(value, bool) else None


def member(enum: type[StrEnum]) -> Check:
    """A member of the enum, nothing else."""
    return lambda value: value if isinstance(value, enum) else None


def moment(value: object) -> datetime | None:
    """A datetime that knows its time zone, nothing else."""
    return value if isinstance(value, datetime) and value.tzinfo is not None else None


def texts(value: object) -> tuple[str, ...] | None:
    """A tuple of the strings among its items that are text; None for anything but a tuple."""
    if not isinstance(value, tuple):
        return None
    return tuple(item for item in value if text(item) is not None)


def parts(kind: type[Any]) -> Check:
    """A tuple of parts of the kind (a reading's list), each part's fields checked by PARTS.

    An item of another type, or without the field it is nothing without, is left out; anything
    but a tuple is unknown.
    """

    def check(value: object) -> tuple[Any, ...] | None:
        if not isinstance(value, tuple):
            return None
        kept: list[Any] = []
        for part in value:
            if not isinstance(part, kind):
                continue
            values = {
                name: field_check(getattr(part, name)) for name, field_check in PARTS[kind].items()
            }
            if values[PART_REQUIRED[kind]] is not None:
                kept.append(replace(part, **values))
        return tuple(kept)

    return check


PERCENT = Number(0, 100)
RANGE_KM = Number(0, 10_000)  # a full battery or tank
ODOMETER_KM = Number(0, 10_000_000)
PRESSURE_KPA = Number(0, 1_000)
CAPACITY_KWH = Number(0, 1_000)
POWER_KW = Number(0, 1_000)
MINUTES = Number(0, 20_160)  # two weeks
LITRES = Number(0, 2_000)
LATITUDE = Number(-90, 90)
LONGITUDE = Number(-180, 180)
HEADING = Number(0, 360)
VOLTS = Number(0, 1_500)
AMPS = Number(0, 1_000)
RANGE_PER_HOUR_KM = Number(0, 5_000)  # range a fast charger adds in an hour

# Part of a reading's list -> field -> its check, and the field each part is nothing without.
PARTS: dict[type, dict[str, Check]] = {
    SystemAlert: {"system": text, "description": text},
    TroubleCode: {"code": text, "recorded_at": moment},
    ServiceRecord: {"performed_at": moment, "odometer": ODOMETER_KM, "tasks": texts},
}
PART_REQUIRED: dict[type, str] = {
    SystemAlert: "system",
    TroubleCode: "code",
    ServiceRecord: "performed_at",
}
# Reading -> field -> its check. Every field of every reading is here (tests hold it to model.py).
CHECKS: dict[type, dict[str, Check]] = {
    Battery: {"level": PERCENT, "range": RANGE_KM},
    BatteryCapacity: {"capacity": CAPACITY_KWH},
    Charge: {
        "plugged_in": flag,
        "state": member(ChargingState),
        "power": POWER_KW,
        "minutes_to_full": MINUTES,
        "type": member(ChargingType),
        "voltage": VOLTS,
        "current": AMPS,
        "rate": RANGE_PER_HOUR_KM,
    },
    ChargeLimit: {"limit": PERCENT},
    Fuel: {"level": PERCENT, "range": RANGE_KM, "amount": LITRES},
    Tires: dict.fromkeys(("front_left", "front_right", "rear_left", "rear_right"), PRESSURE_KPA),
    TireWarnings: dict.fromkeys(("front_left", "front_right", "rear_left", "rear_right"), flag),
    Engine: {"running": flag},
    Warnings: {field.name: flag for field in fields(Warnings)},
    Odometer: {"distance": ODOMETER_KM},
    EngineOil: {"life": PERCENT},
    Location: {"latitude": LATITUDE, "longitude": LONGITUDE, "heading": HEADING},
    Security: {field.name: flag for field in fields(Security)},
    NominalBatteryCapacity: {"capacity": CAPACITY_KWH},
    Diagnostics: {"alerts": parts(SystemAlert)},
    TroubleCodes: {"codes": parts(TroubleCode)},
    ServiceHistory: {"services": parts(ServiceRecord)},
}
# Fields a reading is nothing without.
REQUIRED: dict[type, tuple[str, ...]] = {Location: ("latitude", "longitude")}


def checked[R: Reading](reading: R) -> R | None:
    """The reading with every bad value made unknown; None when it is left with nothing to say."""
    values: dict[str, Any] = {
        name: check(getattr(reading, name)) for name, check in CHECKS[type(reading)].items()
    }
    if all(value is None for value in values.values()):
        return None
    if any(values[name] is None for name in REQUIRED.get(type(reading), ())):
        return None
    return replace(reading, **values)
