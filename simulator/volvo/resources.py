"""What each Volvo read endpoint answers, built from the shared car state (metric units)."""

from collections.abc import Callable
from typing import Any

from simulator.clock import isoformat
from simulator.vehicle import Battery, ChargeState, Vehicle
from simulator.volvo.car import UNSPECIFIED, VolvoProfile, VolvoStatus
from simulator.volvo.garage import (
    BRAKE_WARNINGS,
    COMMANDS,
    DIAGNOSTIC_WARNINGS,
    ENERGY_RESOURCES,
    ENGINE_WARNINGS,
    LIGHT_WARNINGS,
)

# Shared state's wheel names -> Volvo's.
WHEELS = {
    "frontLeft": "frontLeft",
    "frontRight": "frontRight",
    "backLeft": "rearLeft",
    "backRight": "rearRight",
}
NOT_SUPPORTED = {
    "status": "ERROR",
    "code": "NOT_SUPPORTED",
    "message": "Resource is not supported for this vehicle",
}
# Units of the trip computer readings.
TRIP_UNITS = {
    "averageFuelConsumption": "l/100km",
    "averageFuelConsumptionAutomatic": "l/100km",
    "averageEnergyConsumption": "kWh/100km",
    "averageEnergyConsumptionAutomatic": "kWh/100km",
    "averageEnergyConsumptionSinceCharge": "kWh/100km",
    "averageSpeed": "km/h",
    "averageSpeedAutomatic": "km/h",
    "tripMeterManual": "km",
    "tripMeterAutomatic": "km",
}


def field(value: Any, timestamp: float, unit: str | None = None) -> dict[str, Any]:
    """Return a reading: `{value, unit?, timestamp}`."""
    reading: dict[str, Any] = {"value": value}
    if unit is not None:
        reading["unit"] = unit
    reading["timestamp"] = isoformat(timestamp)
    return reading


def _volvo(car: Vehicle) -> tuple[VolvoProfile, VolvoStatus]:
    profile, status = car.volvo, car.state.volvo
    assert profile is not None
    assert status is not None
    return profile, status


def details(car: Vehicle, now: float) -> dict[str, Any]:
    """`GET /vehicles/{vin}`: model, year, fuel type, images."""
    profile, _ = _volvo(car)
    return profile.details_json(car.vin, car.model, car.year)


def doors(car: Vehicle, now: float) -> dict[str, Any]:
    """`GET /doors`: central lock, doors, hood, tailgate and tank lid."""
    state, at = car.state, car.state.updated_at
    _, status = _volvo(car)
    readings = {"centralLock": field("LOCKED" if state.locked else "UNLOCKED", at)}
    for wheel, name in WHEELS.items():
        readings[f"{name}Door"] = field(state.doors.get(wheel, UNSPECIFIED), at)
    for name in ("hood", "tailgate"):
        readings[name] = field(state.storage.get(name, UNSPECIFIED), at)
    readings["tankLid"] = field(status.tank_lid, at)
    return readings


def windows(car: Vehicle, now: float) -> dict[str, Any]:
    """`GET /windows`: side windows and sunroof."""
    state, at = car.state, car.state.updated_at
    readings = {
        f"{name}Window": field(state.windows.get(wheel, UNSPECIFIED), at)
        for wheel, name in WHEELS.items()
    }
    readings["sunroof"] = field(state.sunroof.get("sunroof", UNSPECIFIED), at)
    return readings


def odometer(car: Vehicle, now: float) -> dict[str, Any]:
    """`GET /odometer`: whole km."""
    return {"odometer": field(round(car.state.odometer), car.state.updated_at, "km")}


def fuel(car: Vehicle, now: float) -> dict[str, Any]:
    """`GET /fuel`: fuel left (litres) and battery charge level (%), as the car has them."""
    state, at = car.state, car.state.updated_at
    readings = {}
    if state.fuel is not None:
        readings["fuelAmount"] = field(round(state.fuel.amount_litres, 1), at, "l")
    if state.battery is not None:
        readings["batteryChargeLevel"] = field(round(state.battery.percent * 100, 1), at, "%")
    return readings


def tyres(car: Vehicle, now: float) -> dict[str, Any]:
    """`GET /tyres`: a pressure warning per wheel, from the state's kPa and the nominal pressure."""
    profile, _ = _volvo(car)
    at = car.state.updated_at
    return {
        name: field(_tyre_warning(car.state.tires[wheel], profile.nominal_tyre_kpa), at)
        for wheel, name in WHEELS.items()
    }


def _tyre_warning(kpa: float, nominal: float) -> str:
    if kpa < nominal * 0.75:
        return "VERY_LOW_PRESSURE"
    if kpa < nominal * 0.9:
        return "LOW_PRESSURE"
    if kpa > nominal * 1.2:
        return "HIGH_PRESSURE"
    return "NO_WARNING"


def engine_status(car: Vehicle, now: float) -> dict[str, Any]:
    """`GET /engine-status`: RUNNING or STOPPED."""
    _, status = _volvo(car)
    running = "RUNNING" if status.engine_running else "STOPPED"
    return {"engineStatus": field(running, car.state.updated_at)}


def _warnings(names: tuple[str, ...]) -> Callable[[Vehicle, float], dict[str, Any]]:
    def read(car: Vehicle, now: float) -> dict[str, Any]:
        _, status = _volvo(car)
        return {name: field(status.warnings[name], car.state.updated_at) for name in names}

    read.__doc__ = f"Warnings: {', '.join(names)}."
    return read


engine = _warnings(ENGINE_WARNINGS)
brakes = _warnings(BRAKE_WARNINGS)
warnings = _warnings(LIGHT_WARNINGS)


def diagnostics(car: Vehicle, now: float) -> dict[str, Any]:
    """`GET /diagnostics`: service and washer fluid warnings, time and distance to service."""
    _, status = _volvo(car)
    at = car.state.updated_at
    readings = _warnings(DIAGNOSTIC_WARNINGS)(car, now)
    readings["distanceToService"] = field(status.distance_to_service_km, at, "km")
    readings["timeToService"] = field(status.time_to_service_months, at, "months")
    if status.engine_hours_to_service is not None:
        readings["engineHoursToService"] = field(status.engine_hours_to_service, at, "h")
    return readings


def statistics(car: Vehicle, now: float) -> dict[str, Any]:
    """`GET /statistics`: trip computer, and the distance the fuel and battery last."""
    _, status = _volvo(car)
    state, at = car.state, car.state.updated_at
    readings = {name: field(value, at, TRIP_UNITS[name]) for name, value in status.trip.items()}
    if state.fuel is not None:
        readings["distanceToEmptyTank"] = field(round(state.fuel.range_km), at, "km")
    if state.battery is not None:
        readings["distanceToEmptyBattery"] = field(round(state.battery.range_km), at, "km")
    return readings


def commands(car: Vehicle, now: float) -> list[dict[str, str]]:
    """`GET /commands`: the commands the car accepts, with their path."""
    return [
        {"command": label, "href": f"/v2/vehicles/{car.vin}/commands/{name}"}
        for name, label in COMMANDS.items()
        if f"POST /commands/{name}" in car.capabilities
    ]


def command_accessibility(car: Vehicle, now: float) -> dict[str, Any]:
    """`GET /command-accessibility`: can the car take commands now, and if not why."""
    _, status = _volvo(car)
    reason = None
    if car.state.asleep:
        reason = "POWER_SAVING_MODE"
    elif car.state.moving or status.engine_running:
        reason = "CAR_IN_USE"
    availability = field("UNAVAILABLE" if reason else "AVAILABLE", now)
    if reason:
        availability["unavailableReason"] = reason
    return {"availabilityStatus": availability}


def location(car: Vehicle, now: float) -> dict[str, Any]:
    """`GET /location`: a GeoJSON Feature, coordinates [longitude, latitude, altitude]."""
    _, status = _volvo(car)
    position = car.state.location
    return {
        "type": "Feature",
        "properties": {
            "timestamp": isoformat(car.state.updated_at),
            "heading": str(status.heading),
        },
        "geometry": {
            "type": "Point",
            "coordinates": [position.longitude, position.latitude, status.altitude],
        },
    }


def energy_capabilities(car: Vehicle, now: float) -> dict[str, Any]:
    """`GET /energy/capabilities`: which energy state resources the car reports."""
    profile, _ = _volvo(car)
    supported = {
        name: {"isSupported": name in profile.energy_resources} for name in ENERGY_RESOURCES
    }
    return {"getEnergyState": {"isSupported": True, **supported}}


def energy_state(car: Vehicle, now: float) -> dict[str, Any]:
    """`GET /energy/state`: each resource `{status: OK, value, unit?, updatedAt}` or an ERROR."""
    profile, _ = _volvo(car)
    battery = car.state.battery
    assert battery is not None
    values = _energy_values(battery, profile)
    at = isoformat(car.state.updated_at)
    state: dict[str, Any] = {}
    for name in ENERGY_RESOURCES:
        if name not in profile.energy_resources:
            state[name] = dict(NOT_SUPPORTED)
            continue
        value, unit = values[name]
        resource: dict[str, Any] = {"status": "OK", "value": value}
        if unit is not None:
            resource["unit"] = unit
        resource["updatedAt"] = at
        state[name] = resource
    return state


def _energy_values(battery: Battery, profile: VolvoProfile) -> dict[str, tuple[Any, str | None]]:
    charging = battery.charge_state is ChargeState.CHARGING
    if charging:
        missing_kwh = (battery.charge_limit - battery.percent) * battery.capacity_kwh
        minutes = round(missing_kwh / battery.charge_power_kw * 60)
        power_status = "PROVIDING_POWER"
    else:
        minutes = 0
        plugged = "POWER_AVAILABLE_BUT_NOT_ACTIVATED"
        power_status = plugged if battery.plugged_in else "NO_POWER_AVAILABLE"
    status = {
        ChargeState.CHARGING: "CHARGING",
        ChargeState.FULLY_CHARGED: "DONE",
        ChargeState.NOT_CHARGING: "IDLE",
    }[battery.charge_state]
    return {
        "batteryChargeLevel": (round(battery.percent * 100, 1), "percentage"),
        "electricRange": (round(battery.range_km), "km"),
        "chargerConnectionStatus": (
            "CONNECTED" if battery.plugged_in else "DISCONNECTED",
            None,
        ),
        "chargingStatus": (status, None),
        "chargingType": ("AC" if charging else "NONE", None),
        "chargerPowerStatus": (power_status, None),
        "estimatedChargingTimeToTargetBatteryChargeLevel": (minutes, "minutes"),
        "targetBatteryChargeLevel": (round(battery.charge_limit * 100), "percentage"),
        "chargingCurrentLimit": (profile.charging_current_limit_a, "ampere"),
        "chargingPower": (round(battery.charge_power_kw * 1000) if charging else 0, "watts"),
    }
