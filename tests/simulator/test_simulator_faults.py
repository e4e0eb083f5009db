"""Faults of the control API beyond provider errors: raw answers, lost answers, empty car lists,
and hangs, on the API and on both token endpoints."""

import asyncio
import base64

import aiohttp
import pytest

from simulator.garage import FORD_F150_ID
from simulator.volvo.garage import XC60_VIN

from .conftest import Simulator
from .volvo.raw import access_token as volvo_access_token, api as volvo_api, code, code_form, token

# A proxy's error page in Latin-1: not UTF-8, so not JSON either.
LATIN1_PAGE = "<html><body>Passerelle indisponible: réessayez plus tard.</body></html>".encode(
    "latin-1"
)
SMARTCAR_TOKEN = "/oauth/token"
VOLVO_TOKEN = "/as/token.oauth2"


async def _fault(simulator: Simulator, **fault: object) -> dict[str, object]:
    response = await simulator.control("POST", "/errors", {"provider": "smartcar"} | fault)
    assert response.status == 201, await response.text()
    return dict(await response.json())


async def _refresh(simulator: Simulator, refresh_token: str) -> aiohttp.ClientResponse:
    return await simulator.token({"grant_type": "refresh_token", "refresh_token": refresh_token})


async def test_raw_answer_from_the_vehicle_list(simulator: Simulator) -> None:
    """Any status, content type and bytes, once; then the list answers as before."""
    access = await simulator.access_token()
    fault = await _fault(
        simulator,
        type="RAW",
        path="/vehicles",
        status=502,
        content_type="text/html; charset=iso-8859-1",
        body_base64=base64.b64encode(LATIN1_PAGE).decode(),
        times=1,
    )
    assert (fault["status"], fault["content_type"]) == (502, "text/html; charset=iso-8859-1")
    response = await simulator.api("GET", "/vehicles", access)
    assert response.status == 502
    assert response.headers["Content-Type"] == "text/html; charset=iso-8859-1"
    assert await response.read() == LATIN1_PAGE
    assert "SC-Request-Id" in response.headers
    assert (await simulator.api("GET", "/vehicles", access)).status == 200


async def test_raw_answer_of_a_vehicle_endpoint_as_text(simulator: Simulator) -> None:
    """A text body goes out as UTF-8; without a content type aiohttp's default stands."""
    access = await simulator.access_token()
    body = '{"type": "SERVER", "statusCode": "unavailable"}'
    await _fault(simulator, type="RAW", vehicle_id=FORD_F150_ID, path="/odometer", body=body)
    response = await simulator.api("GET", f"/vehicles/{FORD_F150_ID}/odometer", access)
    assert (response.status, await response.text()) == (200, body)
    assert response.headers["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("content_type", [None, "text/plain"])
async def test_raw_answer_from_the_smartcar_token_endpoint(
    simulator: Simulator, content_type: str | None
) -> None:
    """A 408 with no OAuth body at all; the refresh token was not used, so it still works."""
    tokens = await simulator.tokens()
    await _fault(
        simulator, type="RAW", path=SMARTCAR_TOKEN, status=408, content_type=content_type, times=1
    )
    response = await _refresh(simulator, tokens["refresh_token"])
    assert (response.status, await response.read()) == (408, b"")
    assert (await _refresh(simulator, tokens["refresh_token"])).status == 200


async def test_raw_answer_names_a_retry_after(simulator: Simulator) -> None:
    """A RAW fault's retry_after goes out as the Retry-After header."""
    tokens = await simulator.tokens()
    await _fault(simulator, type="RAW", path=SMARTCAR_TOKEN, status=429, retry_after=600, times=1)
    response = await _refresh(simulator, tokens["refresh_token"])
    assert (response.status, response.headers["Retry-After"]) == (429, "600")


async def test_raw_answer_from_volvo(simulator: Simulator) -> None:
    """Volvo ID's token endpoint and the API answer what the fault says; the API still names
    its operation."""
    page = base64.b64encode(LATIN1_PAGE).decode()
    fault = {"provider": "volvo", "type": "RAW", "status": 503, "body_base64": page, "times": 1}
    await simulator.control("POST", "/errors", fault | {"path": VOLVO_TOKEN})
    response = await token(simulator, code_form(await code(simulator)))
    assert (response.status, await response.read()) == (503, LATIN1_PAGE)

    access = await volvo_access_token(simulator)
    await simulator.control("POST", "/errors", fault | {"path": "/doors", "status": 200})
    response = await volvo_api(
        simulator, "GET", f"/connected-vehicle/v2/vehicles/{XC60_VIN}/doors", access
    )
    assert (response.status, await response.read()) == (200, LATIN1_PAGE)
    assert "vcc-api-operationId" in response.headers


async def test_lost_answer_of_a_refresh_rotates_the_token(simulator: Simulator) -> None:
    """The refresh is done, then the connection drops: the caller never sees the new tokens and
    its refresh token is spent."""
    tokens = await simulator.tokens()
    await _fault(simulator, type="LOST", path=SMARTCAR_TOKEN, times=1)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await _refresh(simulator, tokens["refresh_token"])
    response = await _refresh(simulator, tokens["refresh_token"])
    assert (response.status, (await response.json())["error"]) == (400, "invalid_grant")


async def test_lost_answer_of_a_command_still_runs_it(simulator: Simulator) -> None:
    """Volvo locks the car, then drops the connection; the next command answers."""
    access = await volvo_access_token(simulator)
    car = simulator.state.vehicles[XC60_VIN]
    car.state.locked = False
    fault = {"provider": "volvo", "type": "LOST", "path": "/commands/lock", "times": 1}
    await simulator.control("POST", "/errors", fault)
    lock = f"/connected-vehicle/v2/vehicles/{XC60_VIN}/commands/lock"
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await volvo_api(simulator, "POST", lock, access)
    assert car.state.locked is True
    assert (await volvo_api(simulator, "POST", lock, access)).status == 200


async def test_lost_answer_of_the_vehicle_list(simulator: Simulator) -> None:
    """aiohttp sends a GET again once when a reused connection drops: the fault must hit twice."""
    access = await simulator.access_token()
    await simulator.control("DELETE", "/stats")
    await _fault(simulator, type="LOST", path="/vehicles", times=1)
    assert (await simulator.api("GET", "/vehicles", access)).status == 200
    stats = await (await simulator.control("GET", "/stats")).json()
    assert stats["totals"]["requests"] == 2
    await _fault(simulator, type="LOST", path="/vehicles", times=2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await simulator.api("GET", "/vehicles", access)
    assert (await simulator.api("GET", "/vehicles", access)).status == 200


async def test_empty_vehicle_list_for_the_next_reads(simulator: Simulator) -> None:
    """Smartcar lists no cars twice, then all of them; the cars themselves still answer."""
    access = await simulator.access_token()
    fault = await _fault(simulator, type="EMPTY_VEHICLE_LIST", times=2)
    assert fault["path"] == "/vehicles"
    for _ in range(2):
        body = await (await simulator.api("GET", "/vehicles", access)).json()
        assert body == {"vehicles": [], "paging": {"count": 0, "offset": 0}}
        odometer = await simulator.api("GET", f"/vehicles/{FORD_F150_ID}/odometer", access)
        assert odometer.status == 200
    body = await (await simulator.api("GET", "/vehicles", access)).json()
    assert FORD_F150_ID in body["vehicles"]


async def test_empty_volvo_vehicle_list(simulator: Simulator) -> None:
    access = await volvo_access_token(simulator)
    fault = {"provider": "volvo", "type": "EMPTY_VEHICLE_LIST", "path": "/vehicles", "times": 1}
    await simulator.control("POST", "/errors", fault)
    listing = "/connected-vehicle/v2/vehicles"
    assert await (await volvo_api(simulator, "GET", listing, access)).json() == {"data": []}
    body = await (await volvo_api(simulator, "GET", listing, access)).json()
    assert {"vin": XC60_VIN} in body["data"]


@pytest.mark.parametrize(
    ("provider", "path"), [("smartcar", SMARTCAR_TOKEN), ("volvo", VOLVO_TOKEN)]
)
async def test_a_token_endpoint_hangs_until_cleared(
    simulator: Simulator, provider: str, path: str
) -> None:
    tokens = await simulator.tokens()
    await _fault(simulator, provider=provider, type="TIMEOUT", path=path)
    if provider == "smartcar":
        pending = asyncio.ensure_future(_refresh(simulator, tokens["refresh_token"]))
    else:
        pending = asyncio.ensure_future(token(simulator, code_form(await code(simulator))))
    await asyncio.sleep(0.1)
    assert not pending.done()
    await simulator.control("DELETE", "/errors")
    assert (await pending).status == 200


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            {"type": "RAW", "body": "x", "body_base64": "eA=="},
            "give body or body_base64, not both",
        ),
        ({"type": "RAW", "body_base64": "not base64!"}, "body_base64 must be base64"),
        ({"type": "RAW", "body": 5}, "content_type, body and body_base64 must be strings"),
        (
            {"type": "RAW", "content_type": "text/html\r\nX-Evil: 1"},
            "content_type must be one line",
        ),
        ({"type": "RAW", "status": 101}, "a RAW answer is final: status from 200 to 599"),
        (
            {"type": "SERVER", "code": "INTERNAL", "body": "x"},
            "content_type, body and body_base64 are for RAW faults",
        ),
        (
            {"type": "EMPTY_VEHICLE_LIST", "path": "/user"},
            "EMPTY_VEHICLE_LIST takes no vehicle_id and no other path",
        ),
        (
            {"type": "EMPTY_VEHICLE_LIST", "vehicle_id": FORD_F150_ID},
            "EMPTY_VEHICLE_LIST takes no vehicle_id and no other path",
        ),
    ],
)
async def test_invalid_new_faults(simulator: Simulator, fault: dict, message: str) -> None:
    response = await simulator.control("POST", "/errors", {"provider": "smartcar"} | fault)
    assert (response.status, await response.json()) == (400, {"error": message})
