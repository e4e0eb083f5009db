"""A simulated car: who it is, what it can do and its living state."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from simulator.clock import isoformat
from simulator.high_mobility.car import HighMobilityProfile
from simulator.volvo.car import VolvoProfile, VolvoStatus

OPEN = "OPEN"
CLOSED = "CLOSED"


class ChargeState(StrEnum):
    """Charging states as Smartcar names them."""

    CHARGING = "CHARGING"
    FULLY_CHARGED = "FULLY_CHARGED"
    NOT_CHARGING = "NOT_CHARGING"


class Refusal(StrEnum):
    """Why a car refuses a request (named like Smartcar's VEHICLE_STATE codes)."""

    ASLEEP = "ASLEEP"
    IN_MOTION = "IN_MOTION"
    DOOR_OPEN = "DOOR_OPEN"
    TRUNK_OPEN = "TRUNK_OPEN"
    CHARGING_PLUG_NOT_CONNECTED = "CHARGING_PLUG_NOT_CONNECTED"
    CHARGING_PLUG_CONNECTED = "CHARGING_PLUG_CONNECTED"
    CHARGING_IN_PROGRESS = "CHARGING_IN_PROGRESS"
    FULLY_CHARGED = "FULLY_CHARGED"
    NOT_CHARGING = "NOT_CHARGING"


class VehicleRefusedError(Exception):
    """The car cannot do what was asked in its current state."""

    def __init__(self, reason: Refusal) -> None:
        """Keep the reason for the provider to translate."""
        super().__init__(reason.value)
        self.reason = reason


@dataclass
class Location:
    """A position in degrees."""

    latitude: float
    longitude: float

    def to_json(self) -> dict[str, float]:
        """Return `{latitude, longitude}`."""
        return {"latitude": self.latitude, "longitude": self.longitude}


@dataclass
class FuelTank:
    """Fuel level; amount and range follow the percentage."""

    capacity_litres: float
    litres_per_100km: float
    percent: float

    @property
    def amount_litres(self) -> float:
        """Fuel left in litres."""
        return self.capacity_litres * self.percent

    @property
    def range_km(self) -> float:
        """Distance the fuel left lasts."""
        return self.amount_litres / self.litres_per_100km * 100

    def to_json(self) -> dict[str, float]:
        """Return `{percent, amount, range, capacity}` in litres and km."""
        return {
            "percent": round(self.percent, 4),
            "amount": round(self.amount_litres, 2),
            "range": round(self.range_km, 1),
            "capacity": self.capacity_litres,
        }


@dataclass
class Battery:
    """Traction battery and charging; range follows the percentage."""

    capacity_kwh: float
    full_range_km: float
    charge_power_kw: float
    percent: float
    plugged_in: bool
    charge_state: ChargeState
    charge_limit: float

    @property
    def range_km(self) -> float:
        """Distance the charge left lasts."""
        return self.full_range_km * self.percent

    def battery_json(self) -> dict[str, float]:
        """Return `{percent, range, capacity}` in km and kWh."""
        return {
            "percent": round(self.percent, 4),
            "range": round(self.range_km, 1),
            "capacity": self.capacity_kwh,
        }

    def charge_json(self) -> dict[str, Any]:
        """Return `{plugged_in, state, limit}`."""
        return {
            "plugged_in": self.plugged_in,
            "state": self.charge_state.value,
            "limit": self.charge_limit,
        }

    def settle(self) -> None:
        """Make the charge state agree with plug, level and limit."""
        if not self.plugged_in:
            self.charge_state = ChargeState.NOT_CHARGING
        elif self.charge_state is ChargeState.CHARGING and self.percent >= self.charge_limit:
            self.charge_state = ChargeState.FULLY_CHARGED
        elif self.charge_state is ChargeState.FULLY_CHARGED and self.percent < self.charge_limit:
            self.charge_state = ChargeState.CHARGING


@dataclass
class VehicleState:
    """Everything about a car that changes."""

    locked: bool
    location: Location
    odometer: float
    tires: dict[str, float]
    doors: dict[str, str]
    windows: dict[str, str]
    sunroof: dict[str, str]
    storage: dict[str, str]
    charging_port: dict[str, str]
    oil_life: float | None = None
    fuel: FuelTank | None = None
    battery: Battery | None = None
    moving: bool = False
    asleep: bool = False
    destination: Location | None = None
    updated_at: float = 0.0
    volvo: VolvoStatus | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the full state with metric units (km, kPa, litres, kWh)."""
        fuel, battery = self.fuel, self.battery
        state: dict[str, Any] = {
            "locked": self.locked,
            "doors": dict(self.doors),
            "windows": dict(self.windows),
            "sunroof": dict(self.sunroof),
            "storage": dict(self.storage),
            "charging_port": dict(self.charging_port),
            "location": self.location.to_json(),
            "odometer": self.odometer,
            "tires": dict(self.tires),
            "oil_life": self.oil_life,
            "fuel": fuel.to_json() if fuel else None,
            "battery": battery.battery_json() if battery else None,
            "charge": battery.charge_json() if battery else None,
            "moving": self.moving,
            "asleep": self.asleep,
            "destination": self.destination.to_json() if self.destination else None,
            "updated_at": isoformat(self.updated_at),
        }
        if self.volvo is not None:
            state["volvo"] = self.volvo.to_json()
        return state


@dataclass(frozen=True)
class ServiceRecord:
    """A visit to the workshop."""

    performed_at: float
    odometer: float
    tasks: tuple[str, ...]
    total_cost: float
    currency: str = "USD"


@dataclass(frozen=True)
class Diagnostics:
    """Fixed health data: system statuses, trouble codes and service history."""

    alerts: dict[str, str] = field(default_factory=dict)
    trouble_codes: tuple[tuple[str, float | None], ...] = ()
    service_history: tuple[ServiceRecord, ...] = ()


@dataclass
class Vehicle:
    """A car of the garage; time-dependent methods take the simulated `now`."""

    id: str
    provider: str
    vin: str
    make: str
    model: str
    year: int
    capabilities: frozenset[str]
    state: VehicleState
    diagnostics: Diagnostics
    virtual_key_required: bool = False
    last_tick: float = 0.0
    volvo: VolvoProfile | None = None
    high_mobility: HighMobilityProfile | None = None

    def advance(self, now: float) -> None:
        """Let time pass: a charging battery gains energy up to its limit, engines time out."""
        elapsed = max(0.0, now - self.last_tick)
        self.last_tick = now
        if self.state.volvo is not None:
            self.state.volvo.advance(now)
        battery = self.state.battery
        if battery is None or battery.charge_state is not ChargeState.CHARGING:
            return
        gained = battery.charge_power_kw * elapsed / 3600 / battery.capacity_kwh
        battery.percent = min(battery.charge_limit, battery.percent + gained)
        battery.settle()
        self.state.updated_at = now

    def ensure_awake(self) -> None:
        """Refuse when the car sleeps."""
        if self.state.asleep:
            raise VehicleRefusedError(Refusal.ASLEEP)

    def set_locked(self, locked: bool, now: float) -> None:
        """Lock or unlock; not while driving, and not with a door or trunk open."""
        self.advance(now)
        if self.state.moving:
            raise VehicleRefusedError(Refusal.IN_MOTION)
        if locked and OPEN in self.state.doors.values():
            raise VehicleRefusedError(Refusal.DOOR_OPEN)
        if locked and OPEN in self.state.storage.values():
            raise VehicleRefusedError(Refusal.TRUNK_OPEN)
        self.state.locked = locked
        self.state.updated_at = now

    def start_charging(self, now: float) -> None:
        """Start charging; needs the plug and room below the limit."""
        battery = self._plugged_battery(now)
        if battery.charge_state is ChargeState.CHARGING:
            raise VehicleRefusedError(Refusal.CHARGING_IN_PROGRESS)
        if battery.percent >= battery.charge_limit:
            raise VehicleRefusedError(Refusal.FULLY_CHARGED)
        battery.charge_state = ChargeState.CHARGING
        self.state.updated_at = now

    def stop_charging(self, now: float) -> None:
        """Stop charging; only while charging."""
        battery = self._plugged_battery(now)
        if battery.charge_state is not ChargeState.CHARGING:
            raise VehicleRefusedError(Refusal.NOT_CHARGING)
        battery.charge_state = ChargeState.NOT_CHARGING
        self.state.updated_at = now

    def set_charge_limit(self, limit: float, now: float) -> None:
        """Change the charge limit; charging resumes or ends accordingly."""
        self.advance(now)
        battery = self.state.battery
        assert battery is not None
        battery.charge_limit = limit
        battery.settle()
        self.state.updated_at = now

    def set_charge_port(self, open_port: bool, now: float) -> None:
        """Open or close the charge port door; it cannot close on a plugged-in cable."""
        self.advance(now)
        battery = self.state.battery
        if not open_port and battery is not None and battery.plugged_in:
            raise VehicleRefusedError(Refusal.CHARGING_PLUG_CONNECTED)
        self.state.charging_port["chargingPort"] = OPEN if open_port else CLOSED
        self.state.updated_at = now

    def send_destination(self, destination: Location, now: float) -> None:
        """Hand a destination to the navigation system."""
        self.advance(now)
        self.state.destination = destination
        self.state.updated_at = now

    def _plugged_battery(self, now: float) -> Battery:
        self.advance(now)
        battery = self.state.battery
        assert battery is not None
        if not battery.plugged_in:
            raise VehicleRefusedError(Refusal.CHARGING_PLUG_NOT_CONNECTED)
        return battery

    def to_json(self) -> dict[str, Any]:
        """Return the car as the control API lists it."""
        return {
            "id": self.id,
            "provider": self.provider,
            "vin": self.vin,
            "make": self.make,
            "model": self.model,
            "year": self.year,
            "state": self.state.to_json(),
        }
