"""Helpers to drive the simulated High Mobility API over plain HTTP (no client)."""

from typing import Any

from aiohttp import ClientResponse

from tests.simulator.conftest import Simulator

CLIENT_ID, CLIENT_SECRET = "sim-hm-client-id", "sim-hm-client-secret"
PREFIX = {"production": "/high_mobility/api", "sandbox": "/high_mobility/sandbox"}
FLEET = "/v1/fleets/vehicles"
DAY = 86400
APPROVAL_DELAY = 600


def data_path(vin: str) -> str:
    return f"/v1/vehicle-data/autoapi-13/{vin}"


async def request_token(
    simulator: Simulator, body: Any, environment: str = "production"
) -> ClientResponse:
    return await simulator.session.post(f"{PREFIX[environment]}/v1/access_tokens", json=body)


async def access_token(simulator: Simulator, environment: str = "production") -> str:
    body = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    response = await request_token(simulator, body, environment)
    assert response.status == 200, await response.text()
    return str((await response.json())["access_token"])


async def api(
    simulator: Simulator,
    method: str,
    path: str,
    token: str | None,
    *,
    environment: str = "production",
    **kwargs: Any,
) -> ClientResponse:
    """Call `{prefix}{path}` of an environment with the bearer token."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return await simulator.session.request(
        method, f"{PREFIX[environment]}{path}", headers=headers, **kwargs
    )


async def errors(response: ClientResponse) -> tuple[int, list[dict[str, Any]]]:
    """The status and `errors` of an error answer."""
    assert response.content_type == "application/json"
    return response.status, (await response.json())["errors"]


async def add(
    simulator: Simulator, token: str, *vehicles: dict[str, Any], environment: str = "production"
) -> list[dict[str, Any]]:
    response = await api(
        simulator, "POST", FLEET, token, json={"vehicles": list(vehicles)}, environment=environment
    )
    assert response.status == 200, await response.text()
    return list((await response.json())["vehicles"])


async def clearance(
    simulator: Simulator, token: str, vin: str, environment: str = "production"
) -> dict[str, Any]:
    response = await api(simulator, "GET", f"{FLEET}/{vin}", token, environment=environment)
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def control(simulator: Simulator, method: str, path: str, json: Any = None) -> Any:
    response = await simulator.control(method, path, json)
    assert response.status < 300, await response.text()
    return await response.json()


def advance(simulator: Simulator, seconds: float) -> None:
    """Move the simulator's clock (the fixture's FakeClock)."""
    simulator.clock.now += seconds
