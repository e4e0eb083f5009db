"""The default High Mobility cars: an electric BMW i4, a petrol Mercedes-Benz C 300, a Renault Mégane.

Their id is their VIN. What each reports differs, as it does between brands: the BMW reports every
property the simulator knows, the Mercedes-Benz no charging (and tire pressures in bars), the
Renault only a few (no windows, trunk, tires, charge limit or heading).
"""

from simulator.high_mobility.car import HighMobilityProfile
from simulator.vehicle import (
    CLOSED,
    OPEN,
    Battery,
    ChargeState,
    Diagnostics,
    FuelTank,
    Location,
    Vehicle,
    VehicleState,
)

BMW_I4_VIN = "WBY71AW010FP87213"
MERCEDES_C300_VIN = "W1K2060451R123456"
RENAULT_MEGANE_VIN = "VF1RCB00067891234"

WHEELS = ("frontLeft", "frontRight", "backLeft", "backRight")
CHARGING = frozenset(
    {
        "charging.battery_level",
        "charging.estimated_range",
        "charging.status",
        "charging.charge_limit",
        "charging.plugged_in",
        "charging.charge_port_state",
    }
)
BODY = frozenset(
    {
        "doors.locks",
        "doors.locks_state",
        "doors.positions",
        "windows.positions",
        "trunk.lock",
        "trunk.position",
    }
)
DIAGNOSTICS = frozenset({"diagnostics.odometer", "diagnostics.tire_pressures"})
LOCATION = frozenset({"vehicle_location.coordinates", "vehicle_location.heading"})


def _closed(*names: str) -> dict[str, str]:
    return dict.fromkeys(names, CLOSED)


def _tires(*kpa: float) -> dict[str, float]:
    return dict(zip(WHEELS, kpa, strict=True))


def default_high_mobility_vehicles(now: float) -> list[Vehicle]:
    """Build the default High Mobility cars, recorded two minutes before `now`."""
    recorded = now - 120
    cars = [
        Vehicle(
            id=BMW_I4_VIN,
            provider="high_mobility",
            vin=BMW_I4_VIN,
            make="BMW",
            model="i4 eDrive40",
            year=2023,
            capabilities=frozenset(),
            state=VehicleState(
                locked=True,
                location=Location(48.1374, 11.5755),
                odometer=18342.7,
                tires=_tires(250, 250, 260, 260),
                doors=_closed(*WHEELS),
                windows=_closed(*WHEELS),
                sunroof={},
                storage=_closed("rear"),
                charging_port={"chargingPort": OPEN},
                battery=Battery(
                    capacity_kwh=81.0,
                    full_range_km=590.0,
                    charge_power_kw=11.0,
                    percent=0.58,
                    plugged_in=True,
                    charge_state=ChargeState.CHARGING,
                    charge_limit=0.8,
                ),
                updated_at=recorded,
            ),
            diagnostics=Diagnostics(),
            high_mobility=HighMobilityProfile(
                brand="bmw",
                data_brand="bmw",
                properties=CHARGING | BODY | DIAGNOSTICS | LOCATION,
                heading=270.0,
                ages={"diagnostics.tire_pressures": 1800.0, "diagnostics.odometer": 600.0},
            ),
        ),
        Vehicle(
            id=MERCEDES_C300_VIN,
            provider="high_mobility",
            vin=MERCEDES_C300_VIN,
            make="MERCEDES-BENZ",
            model="C 300",
            year=2022,
            capabilities=frozenset(),
            state=VehicleState(
                locked=False,
                location=Location(48.7758, 9.1829),
                odometer=32120.5,
                tires=_tires(240, 240, 260, 260),
                doors=_closed(*WHEELS),
                windows=_closed(*WHEELS),
                sunroof={},
                storage=_closed("rear"),
                charging_port={},
                fuel=FuelTank(capacity_litres=66.0, litres_per_100km=7.1, percent=0.41),
                updated_at=recorded,
            ),
            diagnostics=Diagnostics(),
            high_mobility=HighMobilityProfile(
                brand="mercedes-benz",
                data_brand="mercedes_benz",
                properties=BODY | DIAGNOSTICS | LOCATION | {"diagnostics.fuel_level"},
                heading=45.0,
                tire_pressure_unit="bars",
                ages={"vehicle_location.coordinates": 300.0, "vehicle_location.heading": 300.0},
            ),
        ),
        Vehicle(
            id=RENAULT_MEGANE_VIN,
            provider="high_mobility",
            vin=RENAULT_MEGANE_VIN,
            make="RENAULT",
            model="Mégane E-Tech",
            year=2023,
            capabilities=frozenset(),
            state=VehicleState(
                locked=True,
                location=Location(48.8566, 2.3522),
                odometer=12045.0,
                tires=_tires(230, 230, 230, 230),
                doors=_closed(*WHEELS),
                windows=_closed(*WHEELS),
                sunroof={},
                storage=_closed("rear"),
                charging_port={"chargingPort": CLOSED},
                battery=Battery(
                    capacity_kwh=60.0,
                    full_range_km=450.0,
                    charge_power_kw=7.4,
                    percent=0.77,
                    plugged_in=False,
                    charge_state=ChargeState.NOT_CHARGING,
                    charge_limit=1.0,
                ),
                updated_at=recorded,
            ),
            diagnostics=Diagnostics(),
            high_mobility=HighMobilityProfile(
                brand="renault",
                data_brand="renault",
                properties=frozenset(
                    {
                        "charging.battery_level",
                        "charging.estimated_range",
                        "charging.status",
                        "charging.plugged_in",
                        "doors.locks_state",
                        "diagnostics.odometer",
                        "vehicle_location.coordinates",
                    }
                ),
                heading=180.0,
            ),
        ),
    ]
    for car in cars:
        car.last_tick = now
    return cars
