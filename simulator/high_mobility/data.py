"""Vehicle data (Auto API 13): a car's state as capabilities of properties, and injected failures.

Each property is `{data, timestamp}`, or a list of them for properties with one item per door,
window or wheel; a failed property is `{failure: {reason, description}}` instead.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from simulator.clock import isoformat
from simulator.high_mobility.car import HighMobilityProfile
from simulator.vehicle import OPEN, Battery, ChargeState, FuelTank, Vehicle

# Failure reasons and the descriptions the simulator gives them unless told otherwise.
FAILURE_REASONS = {
    "rate_limit": "The OEM's rate limit for this vehicle was reached",
    "execution_timeout": "The OEM did not answer in time",
    "format_error": "The OEM answered in an unexpected format",
    "unauthorised": "The OEM refused access to this data",
    "unknown": "Unknown failure",
    "pending": "The data is being requested from the vehicle",
    "oem_error": "The OEM answered with an error",
    "privacy_mode_active": "Privacy mode is active in the vehicle",
}
# Door, window and wheel names of the shared state -> Auto API locations.
LOCATIONS = {
    "frontLeft": "front_left",
    "frontRight": "front_right",
    "backLeft": "rear_left",
    "backRight": "rear_right",
}
CHARGING_STATUSES = {
    ChargeState.CHARGING: "charging",
    ChargeState.FULLY_CHARGED: "charging_complete",
    ChargeState.NOT_CHARGING: "not_charging",
}
# kPa -> the unit a car reports tire pressures in.
PRESSURE_UNITS = {"kilopascals": 1.0, "bars": 0.01, "pounds_force_per_square_inch": 0.145038}


def _battery(car: Vehicle) -> Battery:
    battery = car.state.battery
    assert battery is not None
    return battery


def _fuel(car: Vehicle) -> FuelTank:
    fuel = car.state.fuel
    assert fuel is not None
    return fuel


def _profile(car: Vehicle) -> HighMobilityProfile:
    profile = car.high_mobility
    assert profile is not None
    return profile


def _position(status: str) -> str:
    return "open" if status == OPEN else "closed"


def _lock(car: Vehicle) -> str:
    return "locked" if car.state.locked else "unlocked"


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit}


def _tire_pressures(car: Vehicle) -> list[dict[str, Any]]:
    unit = _profile(car).tire_pressure_unit
    return [
        {
            "location": LOCATIONS[wheel],
            "pressure": _quantity(round(kpa * PRESSURE_UNITS[unit], 3), unit),
        }
        for wheel, kpa in car.state.tires.items()
    ]


# `capability.property` -> its data (a list of items for the properties marked MULTIPLE).
PROPERTIES: dict[str, Callable[[Vehicle], Any]] = {
    "charging.battery_level": lambda car: round(_battery(car).percent, 4),
    "charging.estimated_range": lambda car: _quantity(
        round(_battery(car).range_km, 1), "kilometers"
    ),
    "charging.status": lambda car: CHARGING_STATUSES[_battery(car).charge_state],
    "charging.charge_limit": lambda car: _battery(car).charge_limit,
    "charging.plugged_in": lambda car: "plugged_in" if _battery(car).plugged_in else "disconnected",
    "charging.charge_port_state": lambda car: _position(
        car.state.charging_port.get("chargingPort", "CLOSED")
    ),
    "doors.locks": lambda car: [
        {"location": LOCATIONS[door], "lock_state": _lock(car)} for door in car.state.doors
    ],
    "doors.locks_state": _lock,
    "doors.positions": lambda car: [
        {"location": LOCATIONS[door], "position": _position(status)}
        for door, status in car.state.doors.items()
    ],
    "windows.positions": lambda car: [
        {"location": LOCATIONS[window], "position": _position(status)}
        for window, status in car.state.windows.items()
    ],
    "trunk.lock": _lock,
    "trunk.position": lambda car: _position(car.state.storage.get("rear", "CLOSED")),
    "diagnostics.odometer": lambda car: _quantity(round(car.state.odometer, 1), "kilometers"),
    "diagnostics.fuel_level": lambda car: round(_fuel(car).percent, 4),
    "diagnostics.tire_pressures": _tire_pressures,
    "vehicle_location.coordinates": lambda car: car.state.location.to_json(),
    "vehicle_location.heading": lambda car: _quantity(_profile(car).heading, "degrees"),
}
MULTIPLE = frozenset(
    {"doors.locks", "doors.positions", "windows.positions", "diagnostics.tire_pressures"}
)


@dataclass
class PropertyFailure:
    """A property that fails instead of answering data (for one car, or all), `times` times."""

    property: str
    reason: str
    description: str
    vin: str | None = None
    times: int | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the failure as the control API shows it."""
        return asdict(self)


class PropertyFailures:
    """The injected property failures, checked in the order they were added."""

    def __init__(self) -> None:
        """Start with none."""
        self._failures: list[PropertyFailure] = []

    def add(self, failure: PropertyFailure) -> None:
        """Activate a failure."""
        self._failures.append(failure)

    def clear(self) -> None:
        """Drop every failure."""
        self._failures.clear()

    def take(self, vin: str, name: str) -> PropertyFailure | None:
        """Return the first failure of the car's property, using up one of its times."""
        for failure in self._failures:
            if failure.property == name and failure.vin in (None, vin):
                if failure.times is not None:
                    failure.times -= 1
                    if failure.times == 0:
                        self._failures.remove(failure)
                return failure
        return None


def vehicle_data(car: Vehicle, failures: PropertyFailures) -> dict[str, Any]:
    """Return the car's data as `GET /v1/vehicle-data/autoapi-13/{vin}` answers it (no request_id)."""
    profile = _profile(car)
    body: dict[str, Any] = {"vin": car.vin, "brand": profile.data_brand}
    for name, read in PROPERTIES.items():
        if name not in profile.properties:
            continue
        capability, _, prop = name.partition(".")
        at = isoformat(car.state.updated_at - profile.ages.get(name, 0.0))
        failure = failures.take(car.vin, name)
        value: Any
        if failure is not None:
            entry = {"failure": {"reason": failure.reason, "description": failure.description}}
            value = [entry] if name in MULTIPLE else entry
        elif name in MULTIPLE:
            value = [{"data": item, "timestamp": at} for item in read(car)]
        else:
            value = {"data": read(car), "timestamp": at}
        body.setdefault(capability, {})[prop] = value
    return body
