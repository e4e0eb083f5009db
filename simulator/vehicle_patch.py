"""Changes to a car's state sent through `PATCH /_simulator/vehicles/{id}`."""

from collections.abc import Callable
import copy
import re
from typing import Any

from simulator.validation import (
    BadRequestError,
    expect_bool,
    expect_choice,
    expect_number,
    expect_object,
)
from simulator.vehicle import CLOSED, OPEN, ChargeState, Location, Vehicle, VehicleState

AJAR = "AJAR"
WARNING_VALUE = re.compile(r"[A-Z][A-Z_]*")


def apply_patch(vehicle: Vehicle, patch: Any, now: float) -> None:
    """Merge `patch` into the car's state; nothing changes when any part is invalid."""
    vehicle.advance(now)
    state = copy.deepcopy(vehicle.state)
    for key, value in expect_object(patch, "patch", _APPLIERS).items():
        _APPLIERS[key](state, value)
    if state.battery:
        state.battery.settle()
    state.updated_at = now
    vehicle.state = state


def _locked(state: VehicleState, value: Any) -> None:
    state.locked = expect_bool(value, "locked")


def _openings(attribute: str) -> Callable[[VehicleState, Any], None]:
    def apply(state: VehicleState, value: Any) -> None:
        openings: dict[str, str] = getattr(state, attribute)
        for name, status in expect_object(value, attribute, openings).items():
            openings[name] = expect_choice(status, f"{attribute}.{name}", (OPEN, CLOSED))

    return apply


def _location(state: VehicleState, value: Any) -> None:
    fields = expect_object(value, "location", ("latitude", "longitude"))
    if len(fields) != 2:
        raise BadRequestError("location needs latitude and longitude")
    state.location = Location(
        expect_number(fields["latitude"], "location.latitude", -90, 90),
        expect_number(fields["longitude"], "location.longitude", -180, 180),
    )


def _odometer(state: VehicleState, value: Any) -> None:
    state.odometer = expect_number(value, "odometer", 0, 10_000_000)


def _tires(state: VehicleState, value: Any) -> None:
    for wheel, kpa in expect_object(value, "tires", state.tires).items():
        state.tires[wheel] = expect_number(kpa, f"tires.{wheel}", 0, 1000)


def _oil_life(state: VehicleState, value: Any) -> None:
    if state.oil_life is None:
        raise BadRequestError("this car has no engine oil")
    state.oil_life = expect_number(value, "oil_life", 0, 1)


def _fuel(state: VehicleState, value: Any) -> None:
    if state.fuel is None:
        raise BadRequestError("this car has no fuel tank")
    fields = expect_object(value, "fuel", ("percent",))
    state.fuel.percent = expect_number(fields.get("percent"), "fuel.percent", 0, 1)


def _battery(state: VehicleState, value: Any) -> None:
    if state.battery is None:
        raise BadRequestError("this car has no traction battery")
    fields = expect_object(value, "battery", ("percent",))
    state.battery.percent = expect_number(fields.get("percent"), "battery.percent", 0, 1)


def _charge(state: VehicleState, value: Any) -> None:
    battery = state.battery
    if battery is None:
        raise BadRequestError("this car cannot charge")
    fields = expect_object(value, "charge", ("plugged_in", "charging", "state", "limit"))
    if "charging" in fields and "state" in fields:
        raise BadRequestError("charge: give either charging or state")
    if "plugged_in" in fields:
        battery.plugged_in = expect_bool(fields["plugged_in"], "charge.plugged_in")
        state.charging_port["chargingPort"] = OPEN if battery.plugged_in else CLOSED
    if "limit" in fields:
        battery.charge_limit = expect_number(fields["limit"], "charge.limit", 0.5, 1)
    wanted = None
    if "charging" in fields:
        charging = expect_bool(fields["charging"], "charge.charging")
        wanted = ChargeState.CHARGING if charging else ChargeState.NOT_CHARGING
    if "state" in fields:
        wanted = ChargeState(expect_choice(fields["state"], "charge.state", ChargeState))
    if wanted is not None:
        if wanted is not ChargeState.NOT_CHARGING and not battery.plugged_in:
            raise BadRequestError("charge: an unplugged car cannot charge")
        battery.charge_state = wanted


def _moving(state: VehicleState, value: Any) -> None:
    state.moving = expect_bool(value, "moving")


def _asleep(state: VehicleState, value: Any) -> None:
    state.asleep = expect_bool(value, "asleep")


def _volvo(state: VehicleState, value: Any) -> None:
    volvo = state.volvo
    if volvo is None:
        raise BadRequestError("this car is not a Volvo")
    keys = ("heading", "tank_lid", "engine_running", "climatizing", "warnings")
    fields = expect_object(value, "volvo", keys)
    if "heading" in fields:
        volvo.heading = int(expect_number(fields["heading"], "volvo.heading", 0, 359))
    if "tank_lid" in fields:
        volvo.tank_lid = expect_choice(fields["tank_lid"], "volvo.tank_lid", (OPEN, CLOSED, AJAR))
    if "engine_running" in fields:
        volvo.engine_running = expect_bool(fields["engine_running"], "volvo.engine_running")
        volvo.engine_stops_at = None
    if "climatizing" in fields:
        volvo.climatizing = expect_bool(fields["climatizing"], "volvo.climatizing")
    for name, warning in expect_object(
        fields.get("warnings", {}), "volvo.warnings", volvo.warnings
    ).items():
        if not (isinstance(warning, str) and WARNING_VALUE.fullmatch(warning)):
            raise BadRequestError(f"volvo.warnings.{name} must be an upper-case value like FAILURE")
        volvo.warnings[name] = warning


_APPLIERS: dict[str, Callable[[VehicleState, Any], None]] = {
    "locked": _locked,
    "lock": _locked,
    "doors": _openings("doors"),
    "windows": _openings("windows"),
    "sunroof": _openings("sunroof"),
    "storage": _openings("storage"),
    "charging_port": _openings("charging_port"),
    "location": _location,
    "odometer": _odometer,
    "tires": _tires,
    "oil_life": _oil_life,
    "fuel": _fuel,
    "battery": _battery,
    "charge": _charge,
    "moving": _moving,
    "asleep": _asleep,
    "volvo": _volvo,
}
