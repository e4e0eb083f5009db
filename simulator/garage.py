"""The default garage: four Smartcar cars around the Bay, three Volvos, three High Mobility cars."""

from collections.abc import Callable
import copy
import uuid

from simulator.high_mobility.garage import default_high_mobility_vehicles
from simulator.vehicle import (
    CLOSED,
    OPEN,
    Battery,
    ChargeState,
    Diagnostics,
    FuelTank,
    Location,
    ServiceRecord,
    Vehicle,
    VehicleState,
)
from simulator.volvo.garage import default_volvo_vehicles

TESLA_MODEL_3_ID = "c2f1a9d4-6b3e-4f7a-8d21-5e9b0a7c3f18"
VOLKSWAGEN_ID4_ID = "8e4d2b7a-1c9f-4a63-b5e0-7f2d9c4a1b86"
FORD_F150_ID = "3a7b9e2c-5d1f-4c8a-9e64-2b0f8d6a5c37"
TOYOTA_RAV4_PRIME_ID = "e9c5a3f1-7b2d-4e8c-a1f9-6d4b2c8e0a53"

DAY = 86400.0
WHEELS = ("frontLeft", "frontRight", "backLeft", "backRight")

# Capabilities are the Smartcar endpoints (method and vehicle-relative path) a car supports.
_COMMON = frozenset(
    {
        "GET /odometer",
        "GET /location",
        "GET /tires/pressure",
        "GET /security",
        "GET /diagnostics/system_status",
        "GET /diagnostics/dtcs",
        "GET /service/history",
        "POST /navigation/destination",
    }
)
_REMOTE_LOCK = frozenset({"POST /security"})
_ELECTRIC = frozenset(
    {
        "GET /battery",
        "GET /battery/capacity",
        "GET /battery/nominal_capacity",
        "GET /charge",
        "POST /charge",
    }
)
_CHARGE_LIMIT = frozenset({"GET /charge/limit", "POST /charge/limit"})
# The charge port door: a v3 command only (`commands/charge-port/open|close`); v2 has none.
_CHARGE_PORT = frozenset({"POST /commands/charge-port"})
_COMBUSTION = frozenset({"GET /fuel", "GET /engine/oil"})


def _all(status: str, *names: str) -> dict[str, str]:
    return dict.fromkeys(names, status)


def _tires(*kpa: float) -> dict[str, float]:
    return dict(zip(WHEELS, kpa, strict=True))


def default_vehicles(now: float) -> dict[str, Vehicle]:
    """Build the default cars, recorded two minutes before `now`, keyed by id."""
    recorded = now - 120
    cars = [
        Vehicle(
            id=TESLA_MODEL_3_ID,
            provider="smartcar",
            vin="5YJ3E1EB7NF184263",
            make="TESLA",
            model="Model 3",
            year=2022,
            capabilities=_COMMON | _REMOTE_LOCK | _ELECTRIC | _CHARGE_LIMIT | _CHARGE_PORT,
            virtual_key_required=True,
            state=VehicleState(
                locked=True,
                location=Location(37.4443, -122.1598),
                odometer=28450.6,
                tires=_tires(248, 248, 245, 246),
                doors=_all(CLOSED, *WHEELS),
                windows=_all(CLOSED, *WHEELS),
                sunroof={},
                storage=_all(CLOSED, "front", "rear"),
                charging_port={"chargingPort": OPEN},
                battery=Battery(
                    capacity_kwh=75.0,
                    full_range_km=533.0,
                    charge_power_kw=11.0,
                    percent=0.62,
                    plugged_in=True,
                    charge_state=ChargeState.CHARGING,
                    charge_limit=0.8,
                ),
                updated_at=recorded,
            ),
            diagnostics=Diagnostics(
                service_history=(
                    ServiceRecord(now - 200 * DAY, 24100.0, ("tire rotation",), 120.0),
                ),
            ),
        ),
        Vehicle(
            id=VOLKSWAGEN_ID4_ID,
            provider="smartcar",
            vin="1V2VMPE80PC027451",
            make="VOLKSWAGEN",
            model="ID.4",
            year=2023,
            capabilities=_COMMON | _ELECTRIC | _CHARGE_LIMIT | _CHARGE_PORT,
            state=VehicleState(
                locked=True,
                location=Location(37.3387, -121.8853),
                odometer=15230.2,
                tires=_tires(240, 240, 250, 250),
                doors=_all(CLOSED, *WHEELS),
                windows=_all(CLOSED, *WHEELS),
                sunroof={},
                storage=_all(CLOSED, "rear"),
                charging_port={"chargingPort": OPEN},
                battery=Battery(
                    capacity_kwh=77.0,
                    full_range_km=443.0,
                    charge_power_kw=11.0,
                    percent=0.55,
                    plugged_in=True,
                    charge_state=ChargeState.NOT_CHARGING,
                    charge_limit=0.9,
                ),
                updated_at=recorded,
            ),
            diagnostics=Diagnostics(),
        ),
        Vehicle(
            id=FORD_F150_ID,
            provider="smartcar",
            vin="1FTFW1E5XMFA93518",
            make="FORD",
            model="F-150",
            year=2021,
            capabilities=_COMMON | _REMOTE_LOCK | _COMBUSTION,
            state=VehicleState(
                locked=False,
                location=Location(37.5485, -121.9886),
                odometer=64890.4,
                tires=_tires(238, 240, 236, 239),
                doors=_all(CLOSED, *WHEELS),
                windows=_all(CLOSED, *WHEELS),
                sunroof=_all(CLOSED, "sunroof"),
                storage=_all(CLOSED, "rear"),
                charging_port={},
                oil_life=0.47,
                fuel=FuelTank(capacity_litres=136.0, litres_per_100km=12.4, percent=0.64),
                updated_at=recorded,
            ),
            diagnostics=Diagnostics(
                alerts={"SYSTEM_EMISSIONS": "Evaporative emission system leak detected"},
                trouble_codes=(("P0456", now - 3 * DAY), ("P0457", None)),
                service_history=(
                    ServiceRecord(now - 150 * DAY, 58200.0, ("oil change", "filter"), 89.5),
                    ServiceRecord(now - 330 * DAY, 49875.0, ("brake pads",), 410.0),
                ),
            ),
        ),
        Vehicle(
            id=TOYOTA_RAV4_PRIME_ID,
            provider="smartcar",
            vin="JTMFB3FV8RD064172",
            make="TOYOTA",
            model="RAV4 Prime",
            year=2024,
            capabilities=_COMMON | _REMOTE_LOCK | _ELECTRIC | _COMBUSTION,
            state=VehicleState(
                locked=True,
                location=Location(37.3894, -122.0819),
                odometer=8120.9,
                tires=_tires(235, 235, 232, 232),
                doors=_all(CLOSED, *WHEELS),
                windows=_all(CLOSED, *WHEELS),
                sunroof=_all(CLOSED, "sunroof"),
                storage=_all(CLOSED, "rear"),
                charging_port={"chargingPort": CLOSED},
                oil_life=0.82,
                fuel=FuelTank(capacity_litres=55.0, litres_per_100km=6.0, percent=0.72),
                battery=Battery(
                    capacity_kwh=18.1,
                    full_range_km=68.0,
                    charge_power_kw=6.6,
                    percent=0.35,
                    plugged_in=False,
                    charge_state=ChargeState.NOT_CHARGING,
                    charge_limit=1.0,
                ),
                updated_at=recorded,
            ),
            diagnostics=Diagnostics(
                service_history=(ServiceRecord(now - 60 * DAY, 7950.0, ("inspection",), 0.0),),
            ),
        ),
    ]
    for car in cars:
        car.last_tick = now
    return {car.id: car for car in cars}


def garage(
    now: float, size: int = 4, volvo_size: int = 3, high_mobility_size: int = 3
) -> dict[str, Vehicle]:
    """Build `size` Smartcar cars, then `volvo_size` Volvos and `high_mobility_size` HM cars, by id.

    Each provider's default cars come first, then copies of them with their own id and VIN;
    a Volvo's and a High Mobility car's id is its VIN.
    """
    cars = _fleet(list(default_vehicles(now).values()), size, _copy_id)
    cars += _fleet(default_volvo_vehicles(now), volvo_size, lambda _, vin: vin)
    cars += _fleet(default_high_mobility_vehicles(now), high_mobility_size, lambda _, vin: vin)
    return {car.id: car for car in cars}


def _copy_id(index: int, _: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"connected-car-simulator/{index}"))


def _fleet(defaults: list[Vehicle], size: int, copy_id: Callable[[int, str], str]) -> list[Vehicle]:
    """Return `size` cars: the defaults, then copies of them with their own VIN and id."""
    cars = []
    for index in range(size):
        car = copy.deepcopy(defaults[index % len(defaults)])
        if index >= len(defaults):
            car.vin = f"{car.vin[:11]}{index:06d}"
            car.id = copy_id(index, car.vin)
        cars.append(car)
    return cars
