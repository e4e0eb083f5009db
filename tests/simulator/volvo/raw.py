"""Helpers to drive the simulated Volvo ID and API over plain HTTP (no library)."""

from typing import Any

from aiohttp import ClientResponse, encode_basic_auth
from yarl import URL

from simulator.volvo.accounts import SCOPES, s256
from tests.simulator.conftest import REDIRECT_URI, Simulator

CLIENT = ("sim-volvo-client-id", "sim-volvo-client-secret")
API_KEY = "sim-vcc-api-key"
VERIFIER = "a-pkce-verifier-of-enough-length-0123456789-abcdef"
ID = "/volvo/id/as"


def authorize_params(**params: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": CLIENT[0],
        "redirect_uri": REDIRECT_URI,
        "scope": " ".join(sorted(SCOPES)),
        "state": "st4te",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
    } | params


async def authorize(simulator: Simulator, **params: str) -> ClientResponse:
    return await simulator.session.get(
        f"{ID}/authorization.oauth2", params=authorize_params(**params), allow_redirects=False
    )


async def code(simulator: Simulator, **params: str) -> str:
    response = await authorize(simulator, **({"sim_approve": "all"} | params))
    assert response.status == 302, await response.text()
    return URL(response.headers["Location"]).query["code"]


async def token(
    simulator: Simulator, form: dict[str, str], auth: tuple[str, str] | None = CLIENT
) -> ClientResponse:
    headers = {} if auth is None else {"Authorization": encode_basic_auth(*auth)}
    return await simulator.session.post(f"{ID}/token.oauth2", data=form, headers=headers)


def code_form(the_code: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": the_code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": VERIFIER,
    } | extra


async def tokens(simulator: Simulator, **params: str) -> dict[str, Any]:
    response = await token(simulator, code_form(await code(simulator, **params)))
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def access_token(simulator: Simulator, **params: str) -> str:
    return str((await tokens(simulator, **params))["access_token"])


async def api(
    simulator: Simulator,
    method: str,
    path: str,
    token_: str | None,
    *,
    api_key: str | None = API_KEY,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> ClientResponse:
    """Call `/volvo/api{path}` with the bearer token and the VCC API key."""
    all_headers = dict(headers or {})
    if token_ is not None:
        all_headers["Authorization"] = f"Bearer {token_}"
    if api_key is not None:
        all_headers["vcc-api-key"] = api_key
    return await simulator.session.request(
        method, f"/volvo/api{path}", headers=all_headers, **kwargs
    )


def vehicle(vin: str, resource: str = "") -> str:
    return f"/connected-vehicle/v2/vehicles/{vin}{resource}"
