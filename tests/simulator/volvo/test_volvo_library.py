"""The real `volvocarsapi` library (as Home Assistant core uses it) reads the simulated Volvos."""

from datetime import datetime

from volvocarsapi.models import (
    VolvoCarsLocation,
    VolvoCarsValueField,
    VolvoCarsValueStatusField,
)

from simulator.volvo.garage import EX30_VIN, LIGHT_WARNINGS, V60_VIN, XC60_VIN

from .conftest import Volvo

WINDOWS = {"frontLeftWindow", "frontRightWindow", "rearLeftWindow", "rearRightWindow", "sunroof"}
DOORS = {
    "centralLock",
    "frontLeftDoor",
    "frontRightDoor",
    "rearLeftDoor",
    "rearRightDoor",
    "hood",
    "tailgate",
    "tankLid",
}


def _values(fields: dict) -> dict:
    assert all(isinstance(field, VolvoCarsValueField) for field in fields.values())
    assert all(isinstance(field.timestamp, datetime) for field in fields.values())
    return {name: field.value for name, field in fields.items()}


async def test_sign_in_list_and_details(volvo: Volvo) -> None:
    auth = await volvo.signed_in()
    assert auth.token is not None
    assert auth.token.token_type == "Bearer"
    assert auth.token.expires_in == 1800
    assert auth.token.id_token
    api = volvo.api(auth)
    assert await api.async_get_vehicles() == [EX30_VIN, XC60_VIN, V60_VIN]
    ex30 = await api.async_get_vehicle_details(EX30_VIN)
    assert ex30 is not None
    assert (ex30.vin, ex30.model_year, ex30.fuel_type, ex30.gearbox) == (
        EX30_VIN,
        2025,
        "ELECTRIC",
        "AUTOMATIC",
    )
    assert (ex30.description.model, ex30.description.steering) == ("EX30", "LEFT")
    assert ex30.battery_capacity_kwh == 64.0
    assert ex30.images.exterior_image_url.startswith("https://")
    assert ex30.images.internal_image_url.startswith("https://")
    assert ex30.has_battery_engine()
    assert not ex30.has_combustion_engine()
    xc60 = await api.async_get_vehicle_details(XC60_VIN)
    assert xc60 is not None
    assert (xc60.fuel_type, xc60.model_year, xc60.description.model) == (
        "PETROL/ELECTRIC",
        2024,
        "XC60",
    )
    assert xc60.has_battery_engine()
    assert xc60.has_combustion_engine()
    v60 = await api.async_get_vehicle_details(V60_VIN)
    assert v60 is not None
    assert (v60.fuel_type, v60.battery_capacity_kwh) == ("PETROL", None)
    assert not v60.has_battery_engine()


async def test_every_getter_of_the_electric_ex30(volvo: Volvo) -> None:
    api = volvo.api(await volvo.signed_in(), EX30_VIN)
    doors = _values(await api.async_get_doors_status())
    assert set(doors) == DOORS
    assert (doors["centralLock"], doors["frontLeftDoor"], doors["tankLid"]) == (
        "LOCKED",
        "CLOSED",
        "UNSPECIFIED",
    )
    windows = _values(await api.async_get_window_states())
    assert set(windows) == WINDOWS
    assert windows["sunroof"] == "UNSPECIFIED"
    odometer = await api.async_get_odometer()
    assert (odometer["odometer"].value, odometer["odometer"].unit) == (9214, "km")
    fuel = await api.async_get_fuel_status()
    assert set(fuel) == {"batteryChargeLevel"}
    assert (fuel["batteryChargeLevel"].value, fuel["batteryChargeLevel"].unit) == (58.0, "%")
    assert _values(await api.async_get_tyre_states()) == dict.fromkeys(
        ("frontLeft", "frontRight", "rearLeft", "rearRight"), "NO_WARNING"
    )
    assert _values(await api.async_get_engine_status()) == {"engineStatus": "STOPPED"}
    assert await api.async_get_engine_warnings() == {}  # an EV has no engine endpoint: 404
    diagnostics = await api.async_get_diagnostics()
    assert _values(diagnostics) == {
        "serviceWarning": "NO_WARNING",
        "washerFluidLevelWarning": "NO_WARNING",
        "distanceToService": 20800,
        "timeToService": 17,
    }
    assert diagnostics["timeToService"].unit == "months"
    assert _values(await api.async_get_warnings()) == dict.fromkeys(LIGHT_WARNINGS, "NO_WARNING")
    assert _values(await api.async_get_brakes_status()) == {"brakeFluidLevelWarning": "NO_WARNING"}
    statistics = await api.async_get_statistics()
    assert statistics["averageEnergyConsumption"].unit == "kWh/100km"
    assert statistics["distanceToEmptyBattery"].value == 276
    assert "distanceToEmptyTank" not in statistics
    commands = await api.async_get_commands()
    assert [(c.command, c.href) for c in commands if c] == [
        (label, f"/v2/vehicles/{EX30_VIN}/commands/{name}")
        for name, label in (
            ("lock", "LOCK"),
            ("unlock", "UNLOCK"),
            ("honk", "HONK"),
            ("flash", "FLASH"),
            ("honk-flash", "HONK_AND_FLASH"),
            ("climatization-start", "CLIMATIZATION_START"),
            ("climatization-stop", "CLIMATIZATION_STOP"),
        )
    ]
    availability = (await api.async_get_command_accessibility())["availabilityStatus"]
    assert availability is not None
    assert (availability.value, availability.get("unavailable_reason")) == ("AVAILABLE", None)
    capabilities = await api.async_get_energy_capabilities()
    assert capabilities["isSupported"] is True
    assert capabilities["chargingPower"] == {"isSupported": True}
    assert capabilities["chargingCurrentLimit"] == {"isSupported": False}
    energy = await api.async_get_energy_state()
    assert all(isinstance(field, VolvoCarsValueStatusField) for field in energy.values())
    assert {name: (f.status, f.value, f.unit) for name, f in energy.items() if f} == {
        "batteryChargeLevel": ("OK", 58.0, "percentage"),
        "electricRange": ("OK", 276, "km"),
        "chargerConnectionStatus": ("OK", "CONNECTED", None),
        "chargingStatus": ("OK", "CHARGING", None),
        "chargingType": ("OK", "AC", None),
        "chargerPowerStatus": ("OK", "PROVIDING_POWER", None),
        "estimatedChargingTimeToTargetBatteryChargeLevel": ("OK", 112, "minutes"),
        "targetBatteryChargeLevel": ("OK", 90, "percentage"),
        "chargingCurrentLimit": ("ERROR", None, None),
        "chargingPower": ("OK", 11000, "watts"),
    }
    assert energy["chargingCurrentLimit"].get("code") == "NOT_SUPPORTED"  # type: ignore[union-attr]
    # Energy resources carry `updatedAt` (the library keeps it as extra data `updated_at`).
    updated_at = energy["batteryChargeLevel"].get("updated_at")  # type: ignore[union-attr]
    assert datetime.fromisoformat(updated_at).tzinfo is not None
    location = (await api.async_get_location())["location"]
    assert isinstance(location, VolvoCarsLocation)
    assert location.type == "Feature"
    assert location.geometry.coordinates == [11.9746, 57.7089, 12.0]
    assert location.properties.heading == "90"
    assert isinstance(location.properties.timestamp, datetime)
    # Energy API v1 is gone from Volvo's portal: 404, which the library reads as nothing.
    assert await api.async_get_recharge_status() == {}


async def test_the_plug_in_hybrid_xc60(volvo: Volvo) -> None:
    api = volvo.api(await volvo.signed_in(), XC60_VIN)
    assert _values(await api.async_get_doors_status())["centralLock"] == "UNLOCKED"
    assert _values(await api.async_get_fuel_status()) == {
        "fuelAmount": 32.7,
        "batteryChargeLevel": 73.0,
    }
    assert _values(await api.async_get_tyre_states())["rearRight"] == "LOW_PRESSURE"
    assert _values(await api.async_get_engine_warnings()) == {
        "oilLevelWarning": "NO_WARNING",
        "engineCoolantLevelWarning": "NO_WARNING",
    }
    diagnostics = _values(await api.async_get_diagnostics())
    assert diagnostics["washerFluidLevelWarning"] == "TOO_LOW"
    assert diagnostics["engineHoursToService"] == 410
    statistics = _values(await api.async_get_statistics())
    assert (statistics["distanceToEmptyTank"], statistics["distanceToEmptyBattery"]) == (441, 59)
    assert {c.command for c in await api.async_get_commands() if c} >= {
        "LOCK_REDUCED_GUARD",
        "ENGINE_START",
        "ENGINE_STOP",
    }
    energy = await api.async_get_energy_state()
    assert {name for name, f in energy.items() if f and f.status == "ERROR"} == {
        "chargingType",
        "chargerPowerStatus",
        "chargingCurrentLimit",
        "chargingPower",
    }
    assert energy["chargingStatus"].value == "IDLE"  # type: ignore[union-attr]
    assert energy["estimatedChargingTimeToTargetBatteryChargeLevel"].value == 0  # type: ignore[union-attr]


async def test_the_petrol_v60_has_no_energy_api(volvo: Volvo) -> None:
    api = volvo.api(await volvo.signed_in(), V60_VIN)
    assert await api.async_get_energy_capabilities() == {}
    assert await api.async_get_energy_state() == {}
    assert _values(await api.async_get_fuel_status()) == {"fuelAmount": 18.6}
    statistics = _values(await api.async_get_statistics())
    assert statistics["distanceToEmptyTank"] == 262
    assert "distanceToEmptyBattery" not in statistics
    assert _values(await api.async_get_warnings())["brakeLightLeftWarning"] == "FAILURE"
    diagnostics = _values(await api.async_get_diagnostics())
    assert diagnostics["serviceWarning"] == "DISTANCE_DRIVEN_ALMOST_TIME_FOR_SERVICE"
    location = (await api.async_get_location())["location"]
    assert location is not None
    assert location.properties.heading == "340"


async def test_charging_progresses_with_the_clock(volvo: Volvo) -> None:
    auth = await volvo.signed_in()
    api = volvo.api(auth, EX30_VIN)

    async def later(seconds: int) -> None:
        # Access tokens live 30 simulated minutes: refresh after moving the clock.
        await volvo.control("POST", "/clock", {"advance": seconds})
        assert auth.token is not None
        await auth.async_refresh_token(auth.token.refresh_token)

    await later(3600)
    energy = await api.async_get_energy_state()
    assert energy["batteryChargeLevel"].value == 75.2  # type: ignore[union-attr]
    await later(7200)
    energy = await api.async_get_energy_state()
    assert energy["batteryChargeLevel"].value == 90.0  # type: ignore[union-attr]
    assert energy["chargingStatus"].value == "DONE"  # type: ignore[union-attr]
    assert energy["estimatedChargingTimeToTargetBatteryChargeLevel"].value == 0  # type: ignore[union-attr]
    assert (await api.async_get_fuel_status())["batteryChargeLevel"].value == 90.0  # type: ignore[union-attr]
