"""The High Mobility part of the control API: outcomes, property failures, state, faults."""

from typing import Any

import pytest

from simulator.app import ORIGINS
from simulator.high_mobility.garage import BMW_I4_VIN
from tests.simulator.conftest import Simulator

from .raw import control


async def _refused(simulator: Simulator, path: str, body: Any) -> str:
    response = await simulator.control("POST", path, body)
    assert response.status == 400
    return str((await response.json())["error"])


def test_both_hosts_are_served() -> None:
    assert ORIGINS["api.high-mobility.com"] == "/high_mobility/api"
    assert ORIGINS["sandbox.api.high-mobility.com"] == "/high_mobility/sandbox"


async def test_the_state_starts_empty(simulator) -> None:
    state = await control(simulator, "GET", "/high_mobility")
    empty = {"tokens_issued": 0, "requests_last_minute": 0, "fleet": []}
    assert state == {"environments": {"production": empty, "sandbox": empty}, "outcomes": {}}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"vin": "short", "outcome": "approve"}, "vin must be 17 characters without I, O or Q"),
        (
            {"vin": "WBY71AW010FP8721Q", "outcome": "approve"},
            "vin must be 17 characters without I, O or Q",
        ),
        (
            {"vin": BMW_I4_VIN, "outcome": "maybe"},
            "outcome must be one of approve, error, pending, privacy_mode, refuse, reject, revoke",
        ),
        (
            {"vin": BMW_I4_VIN, "outcome": "approve", "reason": "x"},
            "outcome approve takes no reason",
        ),
        ({"vin": BMW_I4_VIN, "outcome": "reject", "reason": "bad luck"}, "reason must be one of"),
        ({"vin": BMW_I4_VIN, "outcome": "reject", "after": -1}, "after must be a number"),
        ({"vin": BMW_I4_VIN, "outcome": "reject", "when": 1}, "outcome: unknown keys when"),
        ("nonsense", "body must be JSON"),
    ],
)
async def test_invalid_outcomes(simulator, body, error) -> None:
    if body == "nonsense":
        response = await simulator.session.post(
            "/_simulator/high_mobility/outcomes", data=b"nonsense"
        )
        assert response.status == 400
        assert (await response.json())["error"] == error
        return
    assert (await _refused(simulator, "/high_mobility/outcomes", body)).startswith(error)


async def test_outcomes_are_listed(simulator) -> None:
    body = {"vin": BMW_I4_VIN, "outcome": "privacy_mode", "after": 60}
    assert (await control(simulator, "POST", "/high_mobility/outcomes", body))["applied"] == []
    state = await control(simulator, "GET", "/high_mobility")
    assert state["outcomes"] == {
        BMW_I4_VIN: {"outcome": "privacy_mode", "reason": None, "after": 60.0}
    }


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"property": "charging.flux", "reason": "unknown"}, "property must be one of"),
        ({"property": "charging.status", "reason": "gremlins"}, "reason must be one of"),
        (
            {"property": "charging.status", "reason": "unknown", "description": 5},
            "description must be a string",
        ),
        (
            {"property": "charging.status", "reason": "unknown", "vin": "5YJ3E1EB7NF184263"},
            "vin must be a High Mobility car's VIN",
        ),
        (
            {"property": "charging.status", "reason": "unknown", "vin": "nope"},
            "vin must be a High Mobility car's VIN",
        ),
        (
            {"property": "charging.status", "reason": "unknown", "times": 0},
            "times must be an integer",
        ),
    ],
)
async def test_invalid_failures(simulator, body, error) -> None:
    assert (await _refused(simulator, "/high_mobility/failures", body)).startswith(error)


async def test_failures_and_outcomes_are_cleared(simulator) -> None:
    body = {"property": "charging.status", "reason": "pending", "vin": BMW_I4_VIN, "times": 2}
    added = await control(simulator, "POST", "/high_mobility/failures", body)
    assert added == {**body, "description": "The data is being requested from the vehicle"}
    assert await control(simulator, "DELETE", "/high_mobility/failures") == {"status": "cleared"}
    assert await control(simulator, "DELETE", "/high_mobility/outcomes") == {"status": "cleared"}


async def test_faults_name_high_mobility_cars(simulator) -> None:
    body = {"provider": "high_mobility", "type": "PENDING", "code": None, "vehicle_id": BMW_I4_VIN}
    fault = await control(simulator, "POST", "/errors", body)
    assert fault["status"] == 422
    smartcar_car = {**body, "vehicle_id": "c2f1a9d4-6b3e-4f7a-8d21-5e9b0a7c3f18"}
    assert await _refused(simulator, "/errors", smartcar_car) == (
        "vehicle_id is not a high_mobility car"
    )
    unknown = {**body, "type": "NOPE"}
    assert await _refused(simulator, "/errors", unknown) == "unknown high_mobility error NOPE:None"


async def test_the_cars_are_listed_with_the_others(simulator) -> None:
    cars = await control(simulator, "GET", "/vehicles?provider=high_mobility")
    assert [(car["make"], car["model"], car["year"]) for car in cars] == [
        ("BMW", "i4 eDrive40", 2023),
        ("MERCEDES-BENZ", "C 300", 2022),
        ("RENAULT", "Mégane E-Tech", 2023),
    ]
    assert all(car["id"] == car["vin"] for car in cars)


@pytest.mark.parametrize("simulator", [{"high_mobility_cars": 5}], indirect=True)
async def test_a_larger_fleet_copies_the_cars(simulator) -> None:
    cars = await control(simulator, "GET", "/vehicles?provider=high_mobility")
    assert [car["model"] for car in cars[3:]] == ["i4 eDrive40", "C 300"]
    assert len({car["vin"] for car in cars}) == 5
