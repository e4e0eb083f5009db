"""The default Volvo cars, around Gothenburg: an electric EX30, an XC60 plug-in hybrid, a petrol V60."""

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
from simulator.volvo.car import (
    ELECTRIC,
    NO_WARNING,
    PETROL,
    PLUG_IN_HYBRID,
    UNSPECIFIED,
    VolvoProfile,
    VolvoStatus,
)

EX30_VIN = "YV1EF5KA6SE314159"
XC60_VIN = "YV1UZH1V4R1265358"
V60_VIN = "YV1ZWA8T3P2979323"

WHEELS = ("frontLeft", "frontRight", "backLeft", "backRight")
BRAKE_WARNINGS = ("brakeFluidLevelWarning",)
ENGINE_WARNINGS = ("oilLevelWarning", "engineCoolantLevelWarning")
DIAGNOSTIC_WARNINGS = ("serviceWarning", "washerFluidLevelWarning")
LIGHT_WARNINGS = (
    "brakeLightCenterWarning",
    "brakeLightLeftWarning",
    "brakeLightRightWarning",
    "fogLightFrontWarning",
    "fogLightRearWarning",
    "positionLightFrontLeftWarning",
    "positionLightFrontRightWarning",
    "positionLightRearLeftWarning",
    "positionLightRearRightWarning",
    "highBeamLeftWarning",
    "highBeamRightWarning",
    "lowBeamLeftWarning",
    "lowBeamRightWarning",
    "daytimeRunningLightLeftWarning",
    "daytimeRunningLightRightWarning",
    "turnIndicationFrontLeftWarning",
    "turnIndicationFrontRightWarning",
    "turnIndicationRearLeftWarning",
    "turnIndicationRearRightWarning",
    "registrationPlateLightWarning",
    "sideMarkLightsWarning",
    "hazardLightsWarning",
    "reverseLightsWarning",
)
ENERGY_RESOURCES = (
    "batteryChargeLevel",
    "electricRange",
    "chargerConnectionStatus",
    "chargingStatus",
    "chargingType",
    "chargerPowerStatus",
    "estimatedChargingTimeToTargetBatteryChargeLevel",
    "targetBatteryChargeLevel",
    "chargingCurrentLimit",
    "chargingPower",
)
# Command path name -> the name the command list gives it.
COMMANDS = {
    "lock": "LOCK",
    "lock-reduced-guard": "LOCK_REDUCED_GUARD",
    "unlock": "UNLOCK",
    "honk": "HONK",
    "flash": "FLASH",
    "honk-flash": "HONK_AND_FLASH",
    "engine-start": "ENGINE_START",
    "engine-stop": "ENGINE_STOP",
    "climatization-start": "CLIMATIZATION_START",
    "climatization-stop": "CLIMATIZATION_STOP",
}

# Capabilities are the Volvo endpoints (method and vehicle-relative name) a car has.
_READS = frozenset(
    {
        "GET /",
        "GET /doors",
        "GET /windows",
        "GET /odometer",
        "GET /fuel",
        "GET /tyres",
        "GET /engine-status",
        "GET /diagnostics",
        "GET /warnings",
        "GET /brakes",
        "GET /statistics",
        "GET /commands",
        "GET /command-accessibility",
        "GET /location",
    }
)
_ENGINE = frozenset({"GET /engine"})
_ENERGY = frozenset({"GET /energy/state", "GET /energy/capabilities"})


def _commands(*names: str) -> frozenset[str]:
    return frozenset(f"POST /commands/{name}" for name in names)


_BASIC_COMMANDS = _commands(
    "lock", "unlock", "honk", "flash", "honk-flash", "climatization-start", "climatization-stop"
)
_REMOTE_START = _commands("engine-start", "engine-stop")


def _closed(*names: str) -> dict[str, str]:
    return dict.fromkeys(names, CLOSED)


def _tyres(*kpa: float) -> dict[str, float]:
    return dict(zip(WHEELS, kpa, strict=True))


def _warnings(*names: tuple[str, ...], **raised: str) -> dict[str, str]:
    warnings = {name: NO_WARNING for group in names for name in group}
    warnings.update(raised)
    return warnings


def _image(model_code: str, year: int, view: str) -> str:
    kind, extension = ("exterior", "png") if view == "exterior" else ("interior", "jpg")
    return (
        f"https://cas.volvocars.com/image/dynamic/MY{year % 100}_0000/{model_code}/{kind}-v1/_/"
        f"default.{extension}?market=se&client=public-api-engineering&w=1920"
    )


def default_volvo_vehicles(now: float) -> list[Vehicle]:
    """Build the default Volvo cars, recorded two minutes before `now`; their id is the VIN."""
    recorded = now - 120
    cars = [
        Vehicle(
            id=EX30_VIN,
            provider="volvo",
            vin=EX30_VIN,
            make="VOLVO",
            model="EX30",
            year=2025,
            capabilities=_READS | _ENERGY | _BASIC_COMMANDS,
            state=VehicleState(
                locked=True,
                location=Location(57.7089, 11.9746),
                odometer=9214.0,
                tires=_tyres(250, 250, 248, 249),
                doors=_closed(*WHEELS),
                windows=_closed(*WHEELS),
                sunroof={},
                storage=_closed("hood", "tailgate"),
                charging_port={"chargingPort": OPEN},
                battery=Battery(
                    capacity_kwh=64.0,
                    full_range_km=476.0,
                    charge_power_kw=11.0,
                    percent=0.58,
                    plugged_in=True,
                    charge_state=ChargeState.CHARGING,
                    charge_limit=0.9,
                ),
                updated_at=recorded,
                volvo=VolvoStatus(
                    heading=90,
                    altitude=12.0,
                    tank_lid=UNSPECIFIED,
                    warnings=_warnings(BRAKE_WARNINGS, DIAGNOSTIC_WARNINGS, LIGHT_WARNINGS),
                    distance_to_service_km=20800,
                    time_to_service_months=17,
                    engine_hours_to_service=None,
                    trip={
                        "averageEnergyConsumption": 16.8,
                        "averageEnergyConsumptionAutomatic": 18.1,
                        "averageEnergyConsumptionSinceCharge": 17.2,
                        "averageSpeed": 41,
                        "averageSpeedAutomatic": 33,
                        "tripMeterManual": 1523.4,
                        "tripMeterAutomatic": 12.6,
                    },
                ),
            ),
            diagnostics=Diagnostics(),
            volvo=VolvoProfile(
                fuel_type=ELECTRIC,
                gearbox="AUTOMATIC",
                colour="Cloud Blue",
                upholstery="R3B0",
                steering="LEFT",
                exterior_image_url=_image("536", 2025, "exterior"),
                interior_image_url=_image("536", 2025, "interior"),
                nominal_tyre_kpa=250,
                battery_capacity_kwh=64.0,
                energy_resources=frozenset(ENERGY_RESOURCES) - {"chargingCurrentLimit"},
            ),
        ),
        Vehicle(
            id=XC60_VIN,
            provider="volvo",
            vin=XC60_VIN,
            make="VOLVO",
            model="XC60",
            year=2024,
            capabilities=(
                _READS
                | _ENGINE
                | _ENERGY
                | _BASIC_COMMANDS
                | _REMOTE_START
                | _commands("lock-reduced-guard")
            ),
            state=VehicleState(
                locked=False,
                location=Location(57.6557, 12.0134),
                odometer=23876.0,
                tires=_tyres(262, 260, 259, 228),
                doors=_closed(*WHEELS),
                windows=_closed(*WHEELS),
                sunroof=_closed("sunroof"),
                storage=_closed("hood", "tailgate"),
                charging_port={"chargingPort": OPEN},
                fuel=FuelTank(capacity_litres=71.0, litres_per_100km=7.4, percent=0.46),
                battery=Battery(
                    capacity_kwh=18.8,
                    full_range_km=81.0,
                    charge_power_kw=6.4,
                    percent=0.73,
                    plugged_in=True,
                    charge_state=ChargeState.NOT_CHARGING,
                    charge_limit=1.0,
                ),
                updated_at=recorded,
                volvo=VolvoStatus(
                    heading=215,
                    altitude=34.0,
                    tank_lid=CLOSED,
                    warnings=_warnings(
                        BRAKE_WARNINGS,
                        ENGINE_WARNINGS,
                        DIAGNOSTIC_WARNINGS,
                        LIGHT_WARNINGS,
                        washerFluidLevelWarning="TOO_LOW",
                    ),
                    distance_to_service_km=5400,
                    time_to_service_months=4,
                    engine_hours_to_service=410,
                    trip={
                        "averageFuelConsumption": 3.9,
                        "averageEnergyConsumption": 21.4,
                        "averageSpeed": 52,
                        "averageSpeedAutomatic": 47,
                        "tripMeterManual": 842.7,
                        "tripMeterAutomatic": 23.1,
                    },
                ),
            ),
            diagnostics=Diagnostics(),
            volvo=VolvoProfile(
                fuel_type=PLUG_IN_HYBRID,
                gearbox="AUTOMATIC",
                colour="Denim Blue",
                upholstery="RC00",
                steering="LEFT",
                exterior_image_url=_image("246", 2024, "exterior"),
                interior_image_url=_image("246", 2024, "interior"),
                nominal_tyre_kpa=260,
                battery_capacity_kwh=18.8,
                energy_resources=frozenset(
                    {
                        "batteryChargeLevel",
                        "electricRange",
                        "chargerConnectionStatus",
                        "chargingStatus",
                        "estimatedChargingTimeToTargetBatteryChargeLevel",
                        "targetBatteryChargeLevel",
                    }
                ),
            ),
        ),
        Vehicle(
            id=V60_VIN,
            provider="volvo",
            vin=V60_VIN,
            make="VOLVO",
            model="V60",
            year=2023,
            capabilities=_READS | _ENGINE | _BASIC_COMMANDS | _REMOTE_START,
            state=VehicleState(
                locked=True,
                location=Location(57.7205, 11.7719),
                odometer=41250.0,
                tires=_tyres(240, 241, 238, 240),
                doors=_closed(*WHEELS),
                windows=_closed(*WHEELS),
                sunroof=_closed("sunroof"),
                storage=_closed("hood", "tailgate"),
                charging_port={},
                fuel=FuelTank(capacity_litres=60.0, litres_per_100km=7.1, percent=0.31),
                updated_at=recorded,
                volvo=VolvoStatus(
                    heading=340,
                    altitude=8.0,
                    tank_lid=CLOSED,
                    warnings=_warnings(
                        BRAKE_WARNINGS,
                        ENGINE_WARNINGS,
                        DIAGNOSTIC_WARNINGS,
                        LIGHT_WARNINGS,
                        serviceWarning="DISTANCE_DRIVEN_ALMOST_TIME_FOR_SERVICE",
                        brakeLightLeftWarning="FAILURE",
                    ),
                    distance_to_service_km=1200,
                    time_to_service_months=2,
                    engine_hours_to_service=95,
                    trip={
                        "averageFuelConsumption": 7.2,
                        "averageSpeed": 58,
                        "averageSpeedAutomatic": 44,
                        "tripMeterManual": 2310.5,
                        "tripMeterAutomatic": 31.8,
                    },
                ),
            ),
            diagnostics=Diagnostics(),
            volvo=VolvoProfile(
                fuel_type=PETROL,
                gearbox="AUTOMATIC",
                colour="Onyx Black",
                upholstery="R7G0",
                steering="LEFT",
                exterior_image_url=_image("225", 2023, "exterior"),
                interior_image_url=_image("225", 2023, "interior"),
                nominal_tyre_kpa=240,
            ),
        ),
    ]
    for car in cars:
        car.last_tick = now
    return cars
