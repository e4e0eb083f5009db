"""Fixtures: the unmodified `volvocarsapi` library talking to the simulator over loopback."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse, ClientSession
import pytest
from volvocarsapi.api import VolvoCarsApi
from volvocarsapi.auth import VolvoCarsAuth
from volvocarsapi.scopes import ALL_SCOPES
from yarl import URL

from tests.conftest import TEST_REDIRECT_URI

from .rewrite import volvo_session

CLIENT_ID = "sim-volvo-client-id"
CLIENT_SECRET = "sim-volvo-client-secret"
API_KEY = "sim-vcc-api-key"


@dataclass
class Volvo:
    """A session reaching the simulator for Volvo's hosts, and helpers around the library."""

    session: ClientSession
    url: str

    def auth(self, scopes: list[str] | None = None) -> VolvoCarsAuth:
        return VolvoCarsAuth(
            self.session,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            scopes=ALL_SCOPES if scopes is None else scopes,
            redirect_uri=TEST_REDIRECT_URI,
        )

    async def authorize(self, auth: VolvoCarsAuth, **query: str) -> URL:
        """Open the library's authorize URL (with `sim_*` flags); return where it redirects."""
        url = URL(auth.get_auth_uri("st4te")).update_query({"sim_approve": "all"} | query)
        async with self.session.get(url, allow_redirects=False) as response:
            assert response.status == 302, await response.text()
            return URL(response.headers["Location"])

    async def code(self, auth: VolvoCarsAuth, **query: str) -> str:
        location = await self.authorize(auth, **query)
        assert location.query["state"] == "st4te"
        return location.query["code"]

    async def signed_in(self, scopes: list[str] | None = None, **query: str) -> VolvoCarsAuth:
        """Return a library auth that went through sign-in and code exchange."""
        auth = self.auth(scopes)
        await auth.async_request_token(await self.code(auth, **query))
        return auth

    def api(self, auth: VolvoCarsAuth, vin: str = "", api_key: str = API_KEY) -> VolvoCarsApi:
        return VolvoCarsApi(self.session, auth, api_key, vin)

    async def control(self, method: str, path: str, json: Any = None) -> Any:
        async with self.session.request(method, f"{self.url}/_simulator{path}", json=json) as r:
            assert r.status < 300, await r.text()
            return await r.json()

    async def raw(self, method: str, path: str, **kwargs: Any) -> ClientResponse:
        """Call the simulator directly (no library), e.g. `/volvo/api/...`."""
        return await self.session.request(method, f"{self.url}{path}", **kwargs)


@pytest.fixture
async def volvo(socket_enabled: None, simulator_url: str) -> AsyncIterator[Volvo]:
    async with volvo_session(simulator_url) as session:
        yield Volvo(session, simulator_url)
