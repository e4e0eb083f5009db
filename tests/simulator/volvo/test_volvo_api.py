"""The Volvo API over HTTP: gateway checks, routing, bodies, faults and counters."""

import asyncio
import json

import aiohttp
import pytest

from simulator.volvo.garage import EX30_VIN, V60_VIN, XC60_VIN

from .raw import access_token, api, vehicle

LIST = "/connected-vehicle/v2/vehicles"


@pytest.fixture
async def token(simulator) -> str:
    return await access_token(simulator)


async def _error(response) -> tuple[int, str, str]:
    assert response.content_type == "application/json"
    error = (await response.json())["error"]
    return response.status, error["message"], error["description"]


async def test_operation_id_is_echoed_or_made(simulator, token) -> None:
    response = await api(simulator, "GET", LIST, token, headers={"vcc-api-operationId": "op-1"})
    assert response.headers["vcc-api-operationId"] == "op-1"
    response = await api(simulator, "GET", LIST, None, api_key=None)
    assert len(response.headers["vcc-api-operationId"]) == 36


async def test_missing_key_and_token(simulator, token) -> None:
    status, message, description = await _error(
        await api(simulator, "GET", LIST, token, api_key=None)
    )
    assert (status, message) == (401, "Unauthorized")
    assert "vcc-api-key" in description
    for bad in (None, "expired-or-unknown"):
        response = await api(simulator, "GET", vehicle(EX30_VIN, "/doors"), bad)
        assert await _error(response) == (
            401,
            "Unauthorized",
            "The access token is missing, invalid or expired.",
        )


@pytest.mark.parametrize(
    ("accept", "status"),
    [
        ("*/*", 200),
        ("application/json", 200),
        ("application/json; charset=utf-8, text/plain;q=0.5", 200),
        ("application/vnd.volvocars.api.connected-vehicle.vehicledata.v2+json", 200),
        ("text/html", 406),
    ],
)
async def test_accept_header(simulator, token, accept, status) -> None:
    response = await api(
        simulator, "GET", vehicle(EX30_VIN, "/odometer"), token, headers={"Accept": accept}
    )
    assert response.status == status
    assert response.content_type == "application/json"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", LIST, "GET"),
        ("DELETE", vehicle(EX30_VIN, "/doors"), "GET"),
        ("GET", vehicle(EX30_VIN, "/commands/lock"), "POST"),
    ],
)
async def test_method_not_allowed(simulator, token, method, path, allow) -> None:
    response = await api(simulator, method, path, token)
    assert (await _error(response))[:2] == (405, "Method Not Allowed")
    assert response.headers["Allow"] == allow


@pytest.mark.parametrize(
    ("path", "description"),
    [
        ("/nothing/here", "The requested resource could not be found."),
        (f"/energy/v1/vehicles/{EX30_VIN}/recharge-status", "could not be found"),
        (vehicle(EX30_VIN, "/location"), "could not be found"),
        (f"/location/v1/vehicles/{EX30_VIN}/doors", "could not be found"),
        (vehicle(EX30_VIN, "/commands/teleport"), "could not be found"),
        (f"/energy/v2/vehicles/{V60_VIN}/state", "not supported by this vehicle"),
        (vehicle(V60_VIN, "/engine-status/extra"), "could not be found"),
        (vehicle("YV1XXXXXXXX000000", "/doors"), "not connected to this user"),
    ],
)
async def test_not_found(simulator, token, path, description) -> None:
    status, message, text = await _error(await api(simulator, "GET", path, token))
    assert (status, message) == (404, "Not Found")
    assert description in text


async def test_a_command_the_car_lacks_is_404(simulator, token) -> None:
    response = await api(simulator, "POST", vehicle(EX30_VIN, "/commands/engine-start"), token)
    assert await _error(response) == (
        404,
        "Not Found",
        "The requested command is not supported by this vehicle.",
    )


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({}, 200),
        ({"headers": {"Content-Type": "application/json"}}, 200),
        ({"json": None}, 200),
        ({"json": {}}, 200),
        ({"json": {"runtimeMinutes": 15}}, 200),
        ({"json": {"runtimeMinutes": 0}}, 200),
        ({"json": {"runtimeMinutes": 16}}, 400),
        ({"json": {"runtimeMinutes": "5"}}, 400),
        ({"json": {"runtimeMinutes": True}}, 400),
        ({"json": [1]}, 400),
        ({"data": b"{", "headers": {"Content-Type": "application/json"}}, 400),
        ({"data": b"runtime=5", "headers": {"Content-Type": "text/plain"}}, 415),
    ],
)
async def test_command_bodies(simulator, token, kwargs, status) -> None:
    response = await api(
        simulator, "POST", vehicle(V60_VIN, "/commands/engine-start"), token, **kwargs
    )
    assert response.status == status, await response.text()
    if status == 200:
        assert (await response.json())["data"]["invokeStatus"] == "COMPLETED"


async def test_other_commands_ignore_their_body(simulator, token) -> None:
    response = await api(
        simulator, "POST", vehicle(V60_VIN, "/commands/unlock"), token, json={"runtimeMinutes": 99}
    )
    assert (await response.json())["data"]["invokeStatus"] == "COMPLETED"


async def test_rate_limit_carries_retry_after(simulator, token) -> None:
    fault = {"provider": "volvo", "type": "TOO_MANY_REQUESTS", "code": None, "times": 2}
    await simulator.control("POST", "/errors", fault)
    response = await api(simulator, "GET", LIST, token)
    assert (response.status, response.headers["Retry-After"]) == (429, "60")
    await simulator.control("POST", "/errors", fault | {"retry_after": 5, "vehicle_id": XC60_VIN})
    response = await api(simulator, "GET", vehicle(EX30_VIN, "/odometer"), token)
    assert response.headers["Retry-After"] == "60"
    assert (await api(simulator, "GET", vehicle(EX30_VIN, "/odometer"), token)).status == 200
    response = await api(simulator, "GET", vehicle(XC60_VIN, "/odometer"), token)
    assert response.headers["Retry-After"] == "5"


async def test_every_catalogue_status_can_be_injected(simulator, token) -> None:
    from simulator.volvo.errors import CATALOGUE

    statuses = set()
    for (error_type, code), spec in CATALOGUE.items():
        fault = {"provider": "volvo", "type": error_type, "code": code, "times": 1}
        assert (await simulator.control("POST", "/errors", fault)).status == 201
        response = await api(simulator, "GET", vehicle(EX30_VIN, "/brakes"), token)
        status, message, description = await _error(response)
        assert (status, message) == (spec.status, spec.message)
        assert "{" not in description
        statuses.add(status)
    assert statuses == {400, 401, 403, 404, 405, 406, 409, 415, 422, 429, 500, 502, 503, 504}


async def test_malformed_and_timeout(simulator, token) -> None:
    path = vehicle(EX30_VIN, "/odometer")
    fault = {"provider": "volvo", "vehicle_id": EX30_VIN, "path": "/odometer"}
    await simulator.control("POST", "/errors", fault | {"type": "MALFORMED", "times": 1})
    response = await api(simulator, "GET", path, token)
    assert response.status == 200
    assert "vcc-api-operationId" in response.headers
    with pytest.raises(json.JSONDecodeError):
        await response.json()
    await simulator.control("POST", "/errors", fault | {"type": "TIMEOUT"})
    with pytest.raises(TimeoutError):
        await api(simulator, "GET", path, token, timeout=aiohttp.ClientTimeout(total=0.1))
    pending = asyncio.ensure_future(api(simulator, "GET", path, token))
    await asyncio.sleep(0.05)
    assert not pending.done()
    await simulator.control("DELETE", "/errors")
    assert (await pending).status == 200


async def test_fault_on_the_vehicle_list(simulator, token) -> None:
    fault = {"provider": "volvo", "type": "BAD_GATEWAY", "path": "/vehicles", "times": 1}
    await simulator.control("POST", "/errors", fault)
    assert (await api(simulator, "GET", LIST, token)).status == 502
    assert (await api(simulator, "GET", LIST, token)).status == 200


async def test_missing_scope_on_the_list_and_on_commands(simulator) -> None:
    narrow = await access_token(simulator, scope="openid conve:commands")
    status, message, description = await _error(await api(simulator, "GET", LIST, narrow))
    assert (status, message) == (403, "Forbidden")
    assert description.endswith("conve:vehicle_relation.")
    response = await api(simulator, "POST", vehicle(V60_VIN, "/commands/lock"), narrow)
    assert (await _error(response))[2].endswith("conve:lock.")
    response = await api(simulator, "GET", vehicle(V60_VIN, "/doors"), narrow)
    assert (await _error(response))[2].endswith("conve:doors_status conve:lock_status.")
    assert (await api(simulator, "GET", vehicle(V60_VIN, "/commands"), narrow)).status == 200


async def test_quota_counts_keyed_requests_of_the_day(simulator, token) -> None:
    await api(simulator, "GET", LIST, token)
    await api(simulator, "GET", LIST, token, api_key=None)  # refused before the quota
    await api(simulator, "GET", vehicle(EX30_VIN, "/nothing"), token)
    quota = await (await simulator.control("GET", "/volvo/quota")).json()
    assert quota == {
        "limit": 10_000,
        "used": 2,
        "remaining": 9998,
        "resets_at": "2026-09-22T00:00:00.000Z",
    }


async def test_stats_count_volvo_requests_per_car(simulator, token) -> None:
    await simulator.control("DELETE", "/stats")
    await api(simulator, "GET", LIST, token)
    await api(simulator, "GET", vehicle(EX30_VIN, "/doors"), token)
    await api(simulator, "GET", vehicle(EX30_VIN, "/doors"), token)
    await api(simulator, "GET", f"/energy/v2/vehicles/{EX30_VIN}/state", token)
    await api(simulator, "POST", vehicle(EX30_VIN, "/commands/honk"), token)
    await api(simulator, "GET", vehicle(EX30_VIN), token)
    await api(simulator, "GET", f"/energy/v2/vehicles/{V60_VIN}/state", token)  # 404, still billed
    await simulator.api("GET", "/vehicles", await simulator.access_token())
    stats = await (await simulator.control("GET", "/stats")).json()
    assert stats["vehicles"][EX30_VIN] == {
        "requests": 5,
        "billable": 5,
        "by_path": {"/doors": 2, "/energy/state": 1, "/commands/honk": 1, "/": 1},
    }
    assert stats["vehicles"][V60_VIN]["requests"] == 1
    assert stats["vehicles"][XC60_VIN] == {"requests": 0, "billable": 0, "by_path": {}}
    assert stats["totals"] == {"requests": 8, "billable": 6}
    volvo = await (await simulator.control("GET", "/stats?provider=volvo")).json()
    assert set(volvo["vehicles"]) == {EX30_VIN, XC60_VIN, V60_VIN}
    assert volvo["totals"] == {"requests": 7, "billable": 6}
    smartcar = await (await simulator.control("GET", "/stats?provider=smartcar")).json()
    assert len(smartcar["vehicles"]) == 4
    assert smartcar["totals"] == {"requests": 1, "billable": 0}
    response = await simulator.control("GET", "/stats?provider=tesla")
    assert await response.json() == {
        "error": "provider must be one of high_mobility, smartcar, smartcar_v3, volvo"
    }


async def test_smartcar_never_serves_a_volvo(simulator) -> None:
    smartcar_token = await simulator.access_token()
    listed = await (await simulator.api("GET", "/vehicles", smartcar_token)).json()
    assert len(listed["vehicles"]) == 4
    for path in (f"/vehicles/{EX30_VIN}/odometer", f"/vehicles/{EX30_VIN}"):
        response = await simulator.api("GET", path, smartcar_token)
        assert response.status == 403
    response = await simulator.api(
        "DELETE", f"/vehicles/{EX30_VIN}/webhooks/hook", "sim-application-management-token"
    )
    assert (await response.json())["type"] == "PERMISSION"
