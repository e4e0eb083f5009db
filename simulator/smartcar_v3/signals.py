"""The v3 signals of a simulated car: their codes, the permission each needs, and their bodies.

Bodies follow the shapes of Smartcar's signal reference and of a live capture (see the v3
reference): scalars as `{value, unit?}`, closures as row/column arrays or `{isOpen, isLocked}`.
Values come from the same car state the v2 API reads, so both views of a car agree.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator.vehicle import OPEN, Battery, ChargeState, Vehicle

# Smartcar's v3 reference gives no voltage for the simulated cars: an AC wallbox.
CHARGING_VOLTS = 240.0
# Doors, windows and wheels by their v2 names, as (row, column): front to back, left to right.
POSITIONS = {"frontLeft": (0, 0), "frontRight": (0, 1), "backLeft": (1, 0), "backRight": (1, 1)}
GROUPS = {
    "charge": "Charge",
    "closure": "Closure",
    "internalcombustionengine": "InternalCombustionEngine",
    "location": "Location",
    "odometer": "Odometer",
    "tractionbattery": "TractionBattery",
    "vehicleidentification": "VehicleIdentification",
    "wheel": "Wheel",
}


class NotCapableError(Exception):
    """The car has nothing this signal could report."""


class NotChargingError(Exception):
    """The signal has a value only while charging; the store still holds the last one."""

    def __init__(self, stale_body: dict[str, Any]) -> None:
        """Keep the stale body: the live API sends it beside the error."""
        super().__init__("NOT_CHARGING")
        self.stale_body = stale_body


@dataclass(frozen=True)
class Signal:
    """One signal: its code and name, the permission it needs and how to read it off a car."""

    code: str
    name: str
    permission: str
    read: Callable[[Vehicle], dict[str, Any]]
    static: bool = False  # an attribute (the VIN): no time the car recorded it

    @property
    def group(self) -> str:
        """The signal's group, `Charge` for `charge-ischarging`."""
        return GROUPS[self.code.partition("-")[0]]


def _battery(car: Vehicle) -> Battery:
    if car.state.battery is None:
        raise NotCapableError
    return car.state.battery


def _while_charging(
    body: Callable[[Battery], dict[str, Any]],
) -> Callable[[Vehicle], dict[str, Any]]:
    def read(car: Vehicle) -> dict[str, Any]:
        battery = _battery(car)
        if battery.charge_state is not ChargeState.CHARGING:
            raise NotChargingError(body(battery))
        return body(battery)

    return read


def _minutes_to_limit(battery: Battery) -> float:
    energy_kwh = max(0.0, battery.charge_limit - battery.percent) * battery.capacity_kwh
    return round(energy_kwh / battery.charge_power_kw * 60)


def _charge_limits(car: Vehicle) -> dict[str, Any]:
    battery = _battery(car)
    if "GET /charge/limit" not in car.capabilities:
        raise NotCapableError
    limit = round(battery.charge_limit * 100)
    return {
        "values": [{"type": "GLOBAL", "limit": limit, "condition": None}],
        # Smartcar: the active limit is known only while plugged in.
        "activeLimit": limit if battery.plugged_in else None,
        "unit": "percent",
    }


def _grid(openings: dict[str, str], locked: bool | None = None) -> dict[str, Any]:
    values: list[dict[str, Any]] = []
    for name, status in openings.items():
        row, column = POSITIONS[name]
        value: dict[str, Any] = {"row": row, "column": column, "isOpen": status == OPEN}
        if locked is not None:
            value["isLocked"] = locked
        values.append(value)
    return {"values": values, "rowCount": 2, "columnCount": 2}


def _storage(name: str) -> Callable[[Vehicle], dict[str, Any]]:
    def read(car: Vehicle) -> dict[str, Any]:
        if name not in car.state.storage:
            raise NotCapableError
        return {"isOpen": car.state.storage[name] == OPEN, "isLocked": car.state.locked}

    return read


def _sunroof(car: Vehicle) -> dict[str, Any]:
    if "sunroof" not in car.state.sunroof:
        raise NotCapableError
    return {"isOpen": car.state.sunroof["sunroof"] == OPEN}


def _engine_cover(car: Vehicle) -> dict[str, Any]:
    if car.state.fuel is None:  # only cars with an engine have one
        raise NotCapableError
    return {"isOpen": car.state.storage.get("hood") == OPEN}


def _charge_port(car: Vehicle) -> dict[str, Any]:
    if "chargingPort" not in car.state.charging_port:
        raise NotCapableError
    return {"value": car.state.charging_port["chargingPort"] == OPEN}


def _location(car: Vehicle) -> dict[str, Any]:
    location = car.state.location
    return {
        "latitude": location.latitude,
        "longitude": location.longitude,
        "locationType": "CURRENT" if car.state.moving else "LAST_PARKED",
    }


def _tires(car: Vehicle) -> dict[str, Any]:
    values = [
        {"row": POSITIONS[wheel][0], "column": POSITIONS[wheel][1], "tirePressure": kpa}
        for wheel, kpa in car.state.tires.items()
    ]
    return {"values": values, "rowCount": 2, "columnCount": 2, "unit": "kPa"}


def _fuel(field: str, unit: str, scale: float = 1.0) -> Callable[[Vehicle], dict[str, Any]]:
    def read(car: Vehicle) -> dict[str, Any]:
        tank = car.state.fuel
        if tank is None:
            raise NotCapableError
        return {"value": round(tank.to_json()[field] * scale, 2), "unit": unit}

    return read


def _oil_life(car: Vehicle) -> dict[str, Any]:
    if car.state.oil_life is None:
        raise NotCapableError
    return {"value": round(car.state.oil_life * 100, 1), "unit": "percent"}


def _fast_charger(car: Vehicle) -> dict[str, Any]:
    _battery(car)
    return {"value": False}  # the simulated cars charge on AC


def _nominal_capacity(car: Vehicle) -> dict[str, Any]:
    capacity = _battery(car).capacity_kwh
    return {
        "capacity": capacity,
        "source": "SMARTCAR",
        "availableCapacities": [{"capacity": capacity, "description": None}],
        "unit": "kWh",
    }


SIGNALS: dict[str, Signal] = {
    signal.code: signal
    for signal in (
        Signal(
            "tractionbattery-stateofcharge",
            "StateOfCharge",
            "read_battery",
            lambda car: {"value": round(_battery(car).percent * 100, 1), "unit": "percent"},
        ),
        Signal(
            "tractionbattery-range",
            "Range",
            "read_battery",
            lambda car: {
                "value": round(_battery(car).range_km, 1),
                "type": "DEFAULT",
                "additionalValues": [],
                "unit": "km",
            },
        ),
        Signal(
            "tractionbattery-nominalcapacity", "NominalCapacity", "read_battery", _nominal_capacity
        ),
        Signal(
            "charge-ischarging",
            "IsCharging",
            "read_charge",
            lambda car: {"value": _battery(car).charge_state is ChargeState.CHARGING},
        ),
        Signal(
            "charge-ischargingcableconnected",
            "IsChargingCableConnected",
            "read_charge",
            lambda car: {"value": _battery(car).plugged_in},
        ),
        Signal(
            "charge-detailedchargingstatus",
            "DetailedChargingStatus",
            "read_charge",
            lambda car: {"value": _battery(car).charge_state.value},
        ),
        Signal("charge-isfastchargerpresent", "IsFastChargerPresent", "read_charge", _fast_charger),
        Signal("charge-chargelimits", "ChargeLimits", "read_charge", _charge_limits),
        Signal(
            "charge-wattage",
            "Wattage",
            "read_charge",
            _while_charging(lambda b: {"value": b.charge_power_kw * 1000, "unit": "watts"}),
        ),
        Signal(
            "charge-voltage",
            "Voltage",
            "read_charge",
            _while_charging(lambda b: {"value": CHARGING_VOLTS, "unit": "volts"}),
        ),
        Signal(
            "charge-amperage",
            "Amperage",
            "read_charge",
            _while_charging(
                lambda b: {
                    "value": round(b.charge_power_kw * 1000 / CHARGING_VOLTS, 1),
                    "unit": "ampere",
                }
            ),
        ),
        Signal(
            "charge-chargerate",
            "ChargeRate",
            "read_charge",
            _while_charging(
                lambda b: {
                    "value": round(b.full_range_km * b.charge_power_kw / b.capacity_kwh, 1),
                    "unit": "km/h",
                }
            ),
        ),
        Signal(
            "charge-timetocomplete",
            "TimeToComplete",
            "read_charge",
            _while_charging(lambda b: {"value": _minutes_to_limit(b), "unit": "min"}),
        ),
        Signal(
            "charge-ischargingportflapopen", "IsChargingPortFlapOpen", "read_charge", _charge_port
        ),
        Signal(
            "closure-islocked",
            "IsLocked",
            "read_security",
            lambda car: {"value": car.state.locked},
        ),
        Signal(
            "closure-doors",
            "Doors",
            "read_security",
            lambda car: _grid(car.state.doors, car.state.locked),
        ),
        Signal("closure-windows", "Windows", "read_security", lambda car: _grid(car.state.windows)),
        Signal("closure-fronttrunk", "FrontTrunk", "read_security", _storage("front")),
        Signal("closure-reartrunk", "RearTrunk", "read_security", _storage("rear")),
        Signal("closure-sunroof", "Sunroof", "read_security", _sunroof),
        Signal("closure-enginecover", "EngineCover", "read_security", _engine_cover),
        Signal("location-preciselocation", "PreciseLocation", "read_location", _location),
        Signal(
            "odometer-traveleddistance",
            "TraveledDistance",
            "read_odometer",
            lambda car: {"value": round(car.state.odometer, 1), "unit": "km"},
        ),
        Signal("wheel-tires", "Tires", "read_tires", _tires),
        Signal(
            "internalcombustionengine-fuellevel",
            "FuelLevel",
            "read_fuel",
            _fuel("percent", "percent", 100),
        ),
        Signal(
            "internalcombustionengine-amountremaining",
            "AmountRemaining",
            "read_fuel",
            _fuel("amount", "liters"),
        ),
        Signal("internalcombustionengine-range", "Range", "read_fuel", _fuel("range", "km")),
        Signal("internalcombustionengine-oillife", "OilLife", "read_engine_oil", _oil_life),
        Signal(
            "vehicleidentification-vin",
            "VIN",
            "read_vin",
            lambda car: {"value": car.vin},
            static=True,
        ),
    )
}
CODES = sorted(SIGNALS)


@dataclass(frozen=True)
class SignalReading:
    """What the store holds for one signal: a body, an error (type, code), or both (stale)."""

    body: dict[str, Any] | None
    error: tuple[str, str | None] | None = None
    recorded: bool = True  # whether meta tells when the car recorded the value


def read_signal(
    signal: Signal,
    car: Vehicle,
    permissions: frozenset[str],
    injected: tuple[str, str | None] | None = None,
) -> SignalReading:
    """Read one signal for a grant; an injected error wins (VEHICLE_STATE keeps a stale body)."""
    if injected is not None:
        stale = None
        if injected[0] == "VEHICLE_STATE":
            try:
                stale = signal.read(car)
            except NotCapableError:
                stale = None
            except NotChargingError as not_charging:
                stale = not_charging.stale_body
        return SignalReading(stale, injected, recorded=stale is not None)
    if signal.permission not in permissions:
        return SignalReading(None, ("PERMISSION", "UNKNOWN"), recorded=False)
    try:
        body = signal.read(car)
    except NotCapableError:
        return SignalReading(None, ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE"), recorded=False)
    except NotChargingError as not_charging:
        return SignalReading(not_charging.stale_body, ("VEHICLE_STATE", "NOT_CHARGING"))
    return SignalReading(body, recorded=not signal.static)
