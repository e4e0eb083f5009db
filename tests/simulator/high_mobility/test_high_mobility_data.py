"""Simulated vehicle data: the cleared cars' properties, failures, statuses, rate limit and counters."""

from typing import Any

import pytest

from simulator.clock import isoformat
from simulator.high_mobility.data import FAILURE_REASONS
from simulator.high_mobility.errors import CATALOGUE
from simulator.high_mobility.garage import BMW_I4_VIN, MERCEDES_C300_VIN, RENAULT_MEGANE_VIN
from tests.simulator.conftest import START

from .raw import (
    APPROVAL_DELAY,
    FLEET,
    access_token,
    add,
    advance,
    api,
    control,
    data_path,
    errors,
)

BRANDS = {BMW_I4_VIN: "bmw", MERCEDES_C300_VIN: "mercedes-benz", RENAULT_MEGANE_VIN: "renault"}
NOT_IN_GARAGE = "WBY71AW010FP99999"
RECORDED = START - 120


@pytest.fixture
async def token(simulator) -> str:
    """A token of a fleet whose three cars (and a VIN of no simulated car) were approved."""
    first = await access_token(simulator)
    cars = [{"vin": vin, "brand": brand} for vin, brand in BRANDS.items()]
    await add(simulator, first, *cars, {"vin": NOT_IN_GARAGE, "brand": "bmw"})
    advance(simulator, APPROVAL_DELAY)
    await control(simulator, "DELETE", "/stats")
    return await access_token(simulator)


async def _data(simulator, token: str, vin: str) -> dict[str, Any]:
    response = await api(simulator, "GET", data_path(vin), token)
    assert response.status == 200, await response.text()
    return dict(await response.json())


def _at(seconds_before_update: float = 0) -> str:
    return isoformat(RECORDED - seconds_before_update)


def _items(key: str, *values: tuple[str, str], at: str) -> list[dict[str, Any]]:
    return [{"data": {"location": loc, key: value}, "timestamp": at} for loc, value in values]


WHEELS = ("front_left", "front_right", "rear_left", "rear_right")


async def test_the_bmw_reports_every_property(simulator, token) -> None:
    body = await _data(simulator, token, BMW_I4_VIN)
    assert len(body.pop("request_id")) == 32
    # It charges, so it was updated when the clock last moved: 11 kW for 600 s of 81 kWh.
    updated = START + APPROVAL_DELAY
    at = isoformat(updated)
    assert body == {
        "vin": BMW_I4_VIN,
        "brand": "bmw",
        "charging": {
            "battery_level": {"data": 0.6026, "timestamp": at},
            "estimated_range": {"data": {"value": 355.6, "unit": "kilometers"}, "timestamp": at},
            "status": {"data": "charging", "timestamp": at},
            "charge_limit": {"data": 0.8, "timestamp": at},
            "plugged_in": {"data": "plugged_in", "timestamp": at},
            "charge_port_state": {"data": "open", "timestamp": at},
        },
        "doors": {
            "locks": _items("lock_state", *((w, "locked") for w in WHEELS), at=at),
            "locks_state": {"data": "locked", "timestamp": at},
            "positions": _items("position", *((w, "closed") for w in WHEELS), at=at),
        },
        "windows": {"positions": _items("position", *((w, "closed") for w in WHEELS), at=at)},
        "trunk": {
            "lock": {"data": "locked", "timestamp": at},
            "position": {"data": "closed", "timestamp": at},
        },
        "diagnostics": {
            "odometer": {
                "data": {"value": 18342.7, "unit": "kilometers"},
                "timestamp": isoformat(updated - 600),
            },
            "tire_pressures": [
                {
                    "data": {"location": w, "pressure": {"value": kpa, "unit": "kilopascals"}},
                    "timestamp": isoformat(updated - 1800),
                }
                for w, kpa in zip(WHEELS, (250, 250, 260, 260), strict=True)
            ],
        },
        "vehicle_location": {
            "coordinates": {"data": {"latitude": 48.1374, "longitude": 11.5755}, "timestamp": at},
            "heading": {"data": {"value": 270.0, "unit": "degrees"}, "timestamp": at},
        },
    }


async def test_the_mercedes_reports_fuel_and_pressures_in_bars(simulator, token) -> None:
    body = await _data(simulator, token, MERCEDES_C300_VIN)
    assert body["brand"] == "mercedes_benz"
    assert "charging" not in body
    assert body["diagnostics"]["fuel_level"] == {"data": 0.41, "timestamp": _at()}
    pressures = [item["data"]["pressure"] for item in body["diagnostics"]["tire_pressures"]]
    assert pressures == [
        {"value": 2.4, "unit": "bars"},
        {"value": 2.4, "unit": "bars"},
        {"value": 2.6, "unit": "bars"},
        {"value": 2.6, "unit": "bars"},
    ]
    assert body["doors"]["locks_state"]["data"] == "unlocked"
    assert body["vehicle_location"]["heading"]["timestamp"] == _at(300)


async def test_the_renault_reports_a_few_properties(simulator, token) -> None:
    body = await _data(simulator, token, RENAULT_MEGANE_VIN)
    assert {cap: sorted(props) for cap, props in body.items() if isinstance(props, dict)} == {
        "charging": ["battery_level", "estimated_range", "plugged_in", "status"],
        "doors": ["locks_state"],
        "diagnostics": ["odometer"],
        "vehicle_location": ["coordinates"],
    }
    assert body["charging"]["plugged_in"]["data"] == "disconnected"
    assert body["charging"]["status"]["data"] == "not_charging"


async def test_data_follows_the_car(simulator, token) -> None:
    advance(simulator, 3600)  # charging at 11 kW for an hour adds 11 of 81 kWh
    token = await access_token(simulator)
    body = await _data(simulator, token, BMW_I4_VIN)
    assert body["charging"]["battery_level"]["data"] == 0.7384
    patch = {"locked": False, "doors": {"frontLeft": "OPEN"}, "storage": {"rear": "OPEN"}}
    await control(simulator, "PATCH", f"/vehicles/{BMW_I4_VIN}", patch)
    patch = {"charge": {"plugged_in": False}, "charging_port": {"chargingPort": "CLOSED"}}
    await control(simulator, "PATCH", f"/vehicles/{BMW_I4_VIN}", patch)
    body = await _data(simulator, token, BMW_I4_VIN)
    assert body["doors"]["locks_state"]["data"] == "unlocked"
    assert body["doors"]["positions"][0]["data"] == {"location": "front_left", "position": "open"}
    assert body["trunk"]["position"]["data"] == "open"
    assert body["charging"]["plugged_in"]["data"] == "disconnected"
    assert body["charging"]["charge_port_state"]["data"] == "closed"
    assert body["charging"]["battery_level"]["timestamp"] == isoformat(
        START + APPROVAL_DELAY + 3600
    )


@pytest.mark.parametrize("reason", sorted(FAILURE_REASONS))
async def test_a_property_fails_with_each_reason(simulator, token, reason) -> None:
    failure = {"property": "charging.battery_level", "reason": reason, "times": 1}
    added = await control(simulator, "POST", "/high_mobility/failures", failure)
    assert added == {**failure, "description": FAILURE_REASONS[reason], "vin": None}
    body = await _data(simulator, token, BMW_I4_VIN)
    assert body["charging"]["battery_level"] == {
        "failure": {"reason": reason, "description": FAILURE_REASONS[reason]}
    }
    assert "data" in body["charging"]["estimated_range"]
    assert "data" in (await _data(simulator, token, BMW_I4_VIN))["charging"]["battery_level"]


async def test_a_failure_lasts_its_times(simulator, token) -> None:
    failure = {"property": "doors.locks_state", "reason": "unknown", "times": 2}
    await control(simulator, "POST", "/high_mobility/failures", failure)
    for expected in ("failure", "failure", "data"):
        body = await _data(simulator, token, RENAULT_MEGANE_VIN)
        assert expected in body["doors"]["locks_state"]


async def test_a_property_with_items_fails_as_one_item(simulator, token) -> None:
    failure = {
        "property": "diagnostics.tire_pressures",
        "reason": "oem_error",
        "description": "OEM said no",
        "vin": MERCEDES_C300_VIN,
    }
    await control(simulator, "POST", "/high_mobility/failures", failure)
    body = await _data(simulator, token, MERCEDES_C300_VIN)
    assert body["diagnostics"]["tire_pressures"] == [
        {"failure": {"reason": "oem_error", "description": "OEM said no"}}
    ]
    assert "data" in (await _data(simulator, token, BMW_I4_VIN))["diagnostics"]["tire_pressures"][0]
    await control(simulator, "DELETE", "/high_mobility/failures")
    body = await _data(simulator, token, MERCEDES_C300_VIN)
    assert "data" in body["diagnostics"]["tire_pressures"][0]


async def test_a_car_without_clearance_is_403(simulator, token) -> None:
    other = await access_token(simulator, "sandbox")
    response = await api(simulator, "GET", data_path(BMW_I4_VIN), other, environment="sandbox")
    status, words = await errors(response)
    assert (status, words) == (
        403,
        [{"title": "Forbidden", "detail": "No active consent for this vehicle"}],
    )
    assert len((await response.json())["request_id"]) == 32


async def test_a_pending_car_is_403(simulator, token) -> None:
    sandbox = await access_token(simulator, "sandbox")
    await add(simulator, sandbox, {"vin": BMW_I4_VIN, "brand": "bmw"}, environment="sandbox")
    response = await api(simulator, "GET", data_path(BMW_I4_VIN), sandbox, environment="sandbox")
    assert response.status == 403


async def test_a_revoked_car_is_401_consent_removed(simulator, token) -> None:
    await control(
        simulator,
        "POST",
        "/high_mobility/outcomes",
        {"vin": BMW_I4_VIN, "outcome": "revoke", "after": 10},
    )
    advance(simulator, 10)
    response = await api(simulator, "GET", data_path(BMW_I4_VIN), token)
    assert await errors(response) == (
        401,
        [{"title": "Not Authorized", "detail": "Consent is removed by OEM"}],
    )


async def test_an_approved_vin_without_data_is_422_pending(simulator, token) -> None:
    response = await api(simulator, "GET", data_path(NOT_IN_GARAGE), token)
    assert await errors(response) == (
        422,
        [{"title": "Pending", "detail": "Vehicle data is not available yet"}],
    )


async def test_an_asleep_car_is_408(simulator, token) -> None:
    await control(simulator, "PATCH", f"/vehicles/{RENAULT_MEGANE_VIN}", {"asleep": True})
    response = await api(simulator, "GET", data_path(RENAULT_MEGANE_VIN), token)
    assert await errors(response) == (
        408,
        [{"title": "Request Timeout", "detail": "Vehicle is offline or asleep"}],
    )


@pytest.mark.parametrize(("error_type", "code"), sorted(CATALOGUE, key=str))
async def test_every_catalogued_error_can_be_injected(simulator, token, error_type, code) -> None:
    fault = {
        "provider": "high_mobility",
        "type": error_type,
        "code": code,
        "vehicle_id": BMW_I4_VIN,
        "path": "/v1/vehicle-data/autoapi-13/{vin}",
        "times": 1,
    }
    await control(simulator, "POST", "/errors", fault)
    assert (await api(simulator, "GET", data_path(MERCEDES_C300_VIN), token)).status == 200
    response = await api(simulator, "GET", data_path(BMW_I4_VIN), token)
    spec = CATALOGUE[error_type, code]
    status, words = await errors(response)
    assert status == spec.status
    assert words[0]["title"] == spec.title
    assert (response.headers.get("Retry-After") == "60") is (status == 429)
    assert "request_id" in await response.json()
    assert (await api(simulator, "GET", data_path(BMW_I4_VIN), token)).status == 200


async def test_faults_can_hang_or_break_the_answer(simulator, token) -> None:
    base = {"provider": "high_mobility", "path": "/v1/vehicle-data/autoapi-13/{vin}", "times": 1}
    await control(simulator, "POST", "/errors", {**base, "type": "MALFORMED"})
    response = await api(simulator, "GET", data_path(BMW_I4_VIN), token)
    assert await response.text() == '{"truncated": [1, 2'
    await control(simulator, "POST", "/errors", {**base, "type": "TIMEOUT", "delay": 0.01})
    assert (await api(simulator, "GET", data_path(BMW_I4_VIN), token)).status == 200


@pytest.mark.parametrize("simulator", [{"high_mobility_rate_limit": 5}], indirect=True)
async def test_the_application_may_send_so_many_clearance_requests_a_minute(
    simulator, token
) -> None:
    # The fixture's requests (add, before the clock moved) have left the window.
    for _ in range(3):
        assert (await api(simulator, "GET", FLEET, token)).status == 200
    advance(simulator, 20)
    assert (await api(simulator, "GET", FLEET, token)).status == 200
    assert (await api(simulator, "GET", FLEET, token)).status == 200
    fleet = await api(simulator, "GET", FLEET, token)
    status, (error,) = await errors(fleet)
    assert (status, error["detail"]) == (429, "retry after 40s")
    assert fleet.headers["Retry-After"] == "40"
    # Vehicle data and the token endpoint are not limited by the clearance minute.
    for _ in range(10):
        assert (await api(simulator, "GET", data_path(BMW_I4_VIN), token)).status == 200
    await access_token(simulator)
    state = await control(simulator, "GET", "/high_mobility")
    assert state["environments"]["production"]["requests_last_minute"] == 5
    advance(simulator, 40)
    assert (await api(simulator, "GET", FLEET, token)).status == 200


async def test_requests_are_counted_per_provider_and_car(simulator, token) -> None:
    await _data(simulator, token, BMW_I4_VIN)
    await _data(simulator, token, BMW_I4_VIN)
    await api(simulator, "GET", data_path(NOT_IN_GARAGE), token)
    await api(simulator, "GET", FLEET, token)
    stats = await control(simulator, "GET", "/stats?provider=high_mobility")
    assert set(stats["vehicles"]) == set(BRANDS)
    assert stats["vehicles"][BMW_I4_VIN] == {
        "requests": 2,
        "billable": 2,
        "by_path": {"/v1/vehicle-data/autoapi-13/{vin}": 2},
    }
    assert stats["totals"] == {"requests": 5, "billable": 2}  # and the fixture's token


async def test_other_paths_and_methods_are_404(simulator, token) -> None:
    for method, path in [("GET", "/v2/nothing"), ("PUT", FLEET), ("GET", "/v1/access_tokens")]:
        response = await api(simulator, method, path, token)
        assert await errors(response) == (
            404,
            [{"title": "Not Found", "detail": "Given resource not found"}],
        )
