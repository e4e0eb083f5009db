"""Fixtures: helpers to talk to the simulated Smartcar v3 hosts (IAM, Vehicle API, Management)."""

from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse
import pytest
from yarl import URL

from simulator.smartcar.accounts import PERMISSIONS
from tests.simulator.conftest import Simulator

CLIENT_ID = "client_sim_v3"
CLIENT_SECRET = "sim-v3-secret"
APPLICATION_ID = "00000000-0000-4000-8000-00000000c3c3"
ALL_SCOPES = " ".join(sorted(PERMISSIONS))
API = "/smartcar/vehicle/v3"


@dataclass
class V3:
    """The simulator as a v3 application sees it: an app token and a connected user."""

    sim: Simulator
    token: str = ""
    user_id: str = ""

    async def app_token(self, **credentials: str) -> ClientResponse:
        body = {"grant_type": "client_credentials", "client_id": CLIENT_ID}
        body |= {"client_secret": CLIENT_SECRET} | credentials
        return await self.sim.session.post("/smartcar/iam/oauth2/token", json=body)

    async def authorize(self, **params: str) -> ClientResponse:
        return await self.sim.authorize(**({"client_id": APPLICATION_ID} | params))

    async def connect(self, **params: str) -> str:
        """Run Connect for the v3 application; return the user id of the redirect."""
        response = await self.authorize(**({"sim_approve": "all"} | params))
        assert response.status == 302, await response.text()
        return URL(response.headers["Location"]).query["user_id"]

    async def api(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        user: str | None = None,
        **kwargs: Any,
    ) -> ClientResponse:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        if (user or self.user_id) != "-":
            headers["sc-user-id"] = user or self.user_id
        return await self.sim.session.request(
            method, f"{API}{path}", headers=headers | kwargs.pop("headers", {}), **kwargs
        )

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        response = await self.api("GET", path, **kwargs)
        return response.status, await response.json()

    async def signals(self, vehicle_id: str, **params: Any) -> dict[str, Any]:
        status, body = await self.get(f"/vehicles/{vehicle_id}/signals", params=params)
        assert status == 200, body
        return body

    async def signal_map(self, vehicle_id: str) -> dict[str, dict[str, Any]]:
        """Every signal of a car by code."""
        return {item["id"]: item for item in (await self.signals(vehicle_id))["data"]}

    async def settings(self, **changes: Any) -> dict[str, Any]:
        response = await self.sim.control("PATCH", "/smartcar-v3", changes)
        assert response.status == 200, await response.text()
        return dict(await response.json())

    async def inject(self, **fault: Any) -> None:
        response = await self.sim.control("POST", "/errors", {"provider": "smartcar_v3"} | fault)
        assert response.status == 201, await response.text()


@pytest.fixture
async def v3(simulator: Simulator) -> V3:
    """A v3 application with an app token, and the default user connected with every car."""
    helper = V3(simulator)
    response = await helper.app_token()
    helper.token = (await response.json())["access_token"]
    helper.user_id = await helper.connect()
    return helper
