"""Fixtures: the simulator served on 127.0.0.1 (random port) and a client session for it."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse, ClientSession, encode_basic_auth
from aiohttp.test_utils import TestServer
import pytest
from yarl import URL

from simulator import SIMULATOR_STATE, SimulatorConfig, create_app
from simulator.smartcar.accounts import PERMISSIONS
from simulator.state import SimulatorState

START = 1_790_000_000.0
REDIRECT_URI = "https://my.home-assistant.io/redirect/oauth"
ALL_SCOPES = " ".join(sorted(PERMISSIONS))


class FakeClock:
    """A clock that only moves when told."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@dataclass
class Simulator:
    """A running simulator and helpers to talk to it over HTTP."""

    session: ClientSession
    state: SimulatorState
    clock: FakeClock

    def authorize_params(self, **params: str) -> dict[str, str]:
        return {
            "response_type": "code",
            "client_id": "sim-client-id",
            "redirect_uri": REDIRECT_URI,
            "scope": ALL_SCOPES,
            "state": "st4te",
        } | params

    async def authorize(self, **params: str) -> ClientResponse:
        return await self.session.get(
            "/smartcar/connect/oauth/authorize",
            params=self.authorize_params(**params),
            allow_redirects=False,
        )

    async def code(self, **params: str) -> str:
        response = await self.authorize(**({"sim_approve": "all"} | params))
        assert response.status == 302, await response.text()
        return URL(response.headers["Location"]).query["code"]

    async def token(
        self, form: dict[str, str], auth: tuple[str, str] | None = None
    ) -> ClientResponse:
        login, password = auth or ("sim-client-id", "sim-client-secret")
        return await self.session.post(
            "/smartcar/auth/oauth/token",
            data=form,
            headers={"Authorization": encode_basic_auth(login, password)},
        )

    async def tokens(self, **params: str) -> dict[str, Any]:
        code = await self.code(**params)
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
        response = await self.token(form)
        assert response.status == 200
        return dict(await response.json())

    async def access_token(self, **params: str) -> str:
        return str((await self.tokens(**params))["access_token"])

    async def api(
        self,
        method: str,
        path: str,
        token: str | None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> ClientResponse:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        return await self.session.request(
            method, f"/smartcar/api/v2.0{path}", json=json, headers=all_headers, **kwargs
        )

    async def control(self, method: str, path: str, json: Any = None) -> ClientResponse:
        return await self.session.request(method, f"/_simulator{path}", json=json)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def simulator(
    request: pytest.FixtureRequest, clock: FakeClock, socket_enabled: None
) -> AsyncIterator[Simulator]:
    """Serve the simulator on loopback (`socket_enabled` lifts the socket block).

    Parametrize indirectly with a dict of `SimulatorConfig` fields to change the config.
    """
    app = create_app(SimulatorConfig(clock=clock, **getattr(request, "param", {})))
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        async with ClientSession(base_url=URL(f"http://127.0.0.1:{server.port}")) as session:
            yield Simulator(session, app[SIMULATOR_STATE], clock)
    finally:
        await server.close()
