"""What a Volvo car has besides the shared state: catalogue facts and Volvo-only readings."""

from dataclasses import dataclass, field
from typing import Any

from simulator.clock import isoformat

UNSPECIFIED = "UNSPECIFIED"
NO_WARNING = "NO_WARNING"

# Fuel types as the vehicle details endpoint names them.
ELECTRIC = "ELECTRIC"
PLUG_IN_HYBRID = "PETROL/ELECTRIC"
PETROL = "PETROL"


@dataclass(frozen=True)
class VolvoProfile:
    """Fixed facts the Volvo API reports about a car."""

    fuel_type: str
    gearbox: str
    colour: str
    upholstery: str
    steering: str
    exterior_image_url: str
    interior_image_url: str
    # Tyre pressure the car expects; tyre warnings compare the shared state's kPa with it.
    nominal_tyre_kpa: float
    battery_capacity_kwh: float | None = None
    # Energy state resources the car reports (the others answer status ERROR, NOT_SUPPORTED).
    energy_resources: frozenset[str] = frozenset()
    charging_current_limit_a: int | None = None

    def details_json(self, vin: str, model: str, year: int) -> dict[str, Any]:
        """Return the vehicle details (`GET /vehicles/{vin}`)."""
        details: dict[str, Any] = {
            "vin": vin,
            "modelYear": year,
            "gearbox": self.gearbox,
            "fuelType": self.fuel_type,
            "externalColour": self.colour,
        }
        if self.battery_capacity_kwh is not None:
            details["batteryCapacityKWH"] = self.battery_capacity_kwh
        details["images"] = {
            "exteriorImageUrl": self.exterior_image_url,
            "internalImageUrl": self.interior_image_url,
        }
        details["descriptions"] = {
            "model": model,
            "upholstery": self.upholstery,
            "steering": self.steering,
        }
        return details


@dataclass
class VolvoStatus:
    """Readings only Volvo reports; part of the car's state, so patches and resets cover them."""

    heading: int
    altitude: float
    tank_lid: str
    # Warning fields by Volvo name (brakes, engine, diagnostics and bulb warnings).
    warnings: dict[str, str]
    distance_to_service_km: int
    time_to_service_months: int
    engine_hours_to_service: int | None
    # Trip computer readings by Volvo name (averages, trip meters).
    trip: dict[str, float] = field(default_factory=dict)
    engine_running: bool = False
    engine_stops_at: float | None = None
    climatizing: bool = False

    def advance(self, now: float) -> None:
        """Let time pass: a remote-started engine stops when its runtime is over."""
        if self.engine_stops_at is not None and now >= self.engine_stops_at:
            self.engine_running = False
            self.engine_stops_at = None

    def to_json(self) -> dict[str, Any]:
        """Return the readings as the control API shows them."""
        stops_at = self.engine_stops_at
        return {
            "heading": self.heading,
            "altitude": self.altitude,
            "tank_lid": self.tank_lid,
            "engine_running": self.engine_running,
            "engine_stops_at": None if stops_at is None else isoformat(stops_at),
            "climatizing": self.climatizing,
            "warnings": dict(self.warnings),
            "distance_to_service_km": self.distance_to_service_km,
            "time_to_service_months": self.time_to_service_months,
            "engine_hours_to_service": self.engine_hours_to_service,
            "trip": dict(self.trip),
        }
