"""Smartcar token endpoint: client authentication, code and refresh grants, rotation."""

import json

import pytest
from yarl import URL

from simulator.config import DEFAULT_REDIRECT_URIS

REDIRECT_URI = DEFAULT_REDIRECT_URIS[0]


async def _code_form(simulator, **params: str) -> dict[str, str]:
    code = await simulator.code(**params)
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}


async def test_code_grant_returns_bearer_tokens(simulator) -> None:
    response = await simulator.token(await _code_form(simulator))
    body = await response.json()
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 7200
    vehicles = await simulator.api("GET", "/vehicles", body["access_token"])
    assert vehicles.status == 200


async def test_code_is_single_use(simulator) -> None:
    form = await _code_form(simulator)
    assert (await simulator.token(form)).status == 200
    response = await simulator.token(form)
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_grant"


async def test_code_expires_after_ten_minutes(simulator) -> None:
    form = await _code_form(simulator)
    simulator.clock.now += 600
    response = await simulator.token(form)
    assert (await response.json()) == {
        "error": "invalid_grant",
        "error_description": "Invalid or expired authorization code.",
    }


async def test_code_needs_the_same_redirect_uri(simulator) -> None:
    form = await _code_form(simulator)
    response = await simulator.token(form | {"redirect_uri": DEFAULT_REDIRECT_URIS[1]})
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_grant"


async def test_code_flow_with_second_redirect_uri(simulator) -> None:
    response = await simulator.authorize(redirect_uri=DEFAULT_REDIRECT_URIS[1], sim_approve="all")
    location = URL(response.headers["Location"])
    assert str(location.with_query(None)) == DEFAULT_REDIRECT_URIS[1]
    form = {
        "grant_type": "authorization_code",
        "code": location.query["code"],
        "redirect_uri": DEFAULT_REDIRECT_URIS[1],
    }
    assert (await simulator.token(form)).status == 200


async def test_refresh_rotates_and_old_token_dies(simulator) -> None:
    first = await simulator.tokens()
    response = await simulator.token(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    second = await response.json()
    assert response.status == 200
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    reused = await simulator.token(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert reused.status == 400
    assert await reused.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid or expired refresh token.",
    }
    third = await simulator.token(
        {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    )
    assert third.status == 200
    # The old access token stays valid until it expires; the grant carries over.
    for token in (first["access_token"], (await third.json())["access_token"]):
        assert (await simulator.api("GET", "/user", token)).status == 200


@pytest.mark.parametrize("simulator", [{"refresh_grace_seconds": 60}], indirect=True)
async def test_refresh_grace_period_allows_reuse_for_a_while(simulator) -> None:
    first = await simulator.tokens()
    form = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    assert (await simulator.token(form)).status == 200
    simulator.clock.now += 59
    assert (await simulator.token(form)).status == 200
    simulator.clock.now += 1
    assert (await simulator.token(form)).status == 400


async def test_refresh_token_expires_after_sixty_days(simulator) -> None:
    tokens = await simulator.tokens()
    simulator.clock.now += 60 * 86400
    response = await simulator.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert response.status == 400


async def test_access_token_expires(simulator) -> None:
    token = await simulator.access_token()
    simulator.clock.now += 7199
    assert (await simulator.api("GET", "/user", token)).status == 200
    simulator.clock.now += 1
    response = await simulator.api("GET", "/user", token)
    assert response.status == 401
    assert (await response.json())["type"] == "AUTHENTICATION"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Bearer c2ltLWNsaWVudC1pZDpzaW0tY2xpZW50LXNlY3JldA=="},
    ],
)
async def test_missing_or_malformed_client_auth(simulator, headers) -> None:
    response = await simulator.session.post(
        "/smartcar/auth/oauth/token", data={"grant_type": "refresh_token"}, headers=headers
    )
    assert response.status == 401
    assert (await response.json())["error"] == "invalid_client"


async def test_wrong_client_secret(simulator) -> None:
    response = await simulator.token(await _code_form(simulator), auth=("sim-client-id", "nope"))
    assert response.status == 401
    assert await response.json() == {
        "error": "invalid_client",
        "error_description": "Invalid client id or secret.",
    }


@pytest.mark.parametrize(
    ("form", "error", "description"),
    [
        ({}, "invalid_request", "grant_type is required."),
        ({"grant_type": "password"}, "unsupported_grant_type", "Unsupported grant_type password."),
        (
            {"grant_type": "authorization_code", "code": "x"},
            "invalid_request",
            "redirect_uri is required.",
        ),
        ({"grant_type": "refresh_token"}, "invalid_request", "refresh_token is required."),
        (
            {"grant_type": "refresh_token", "refresh_token": "nope"},
            "invalid_grant",
            "Invalid or expired refresh token.",
        ),
    ],
)
async def test_bad_token_requests(simulator, form, error, description) -> None:
    response = await simulator.token(form)
    assert response.status == 400
    assert await response.json() == {"error": error, "error_description": description}


async def test_injected_fault_on_token_endpoint(simulator) -> None:
    tokens = await simulator.tokens()
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    fault = {
        "provider": "smartcar",
        "path": "/oauth/token",
        "type": "SERVER",
        "code": "INTERNAL",
        "times": 1,
    }
    assert (await simulator.control("POST", "/errors", fault)).status == 201
    response = await simulator.token(form)
    assert response.status == 500
    assert await response.json() == {
        "error": "server_error",
        "error_description": "Simulated SERVER:INTERNAL.",
    }
    fault |= {"type": "VALIDATION", "code": None}
    await simulator.control("POST", "/errors", fault)
    response = await simulator.token(form)
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_grant"
    # Faults do not use the token up.
    assert (await simulator.token(form)).status == 200


async def test_malformed_token_reply(simulator) -> None:
    tokens = await simulator.tokens()
    await simulator.control(
        "POST",
        "/errors",
        {"provider": "smartcar", "path": "/oauth/token", "type": "MALFORMED", "times": 1},
    )
    response = await simulator.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert response.status == 200
    assert response.content_type == "application/json"
    with pytest.raises(json.JSONDecodeError):
        await response.json()


async def test_state_file_keeps_tokens_across_restarts(tmp_path, socket_enabled) -> None:
    """With a state file, a restarted simulator still accepts the tokens it issued."""
    from aiohttp import ClientSession
    from aiohttp.test_utils import TestServer

    from simulator import SimulatorConfig, create_app

    from .conftest import Simulator

    state_file = tmp_path / "simulator.json"

    async def started() -> tuple[TestServer, ClientSession]:
        app = create_app(SimulatorConfig(state_file=state_file))
        server = TestServer(app, host="127.0.0.1", port=0)
        await server.start_server()
        return server, ClientSession(base_url=f"http://127.0.0.1:{server.port}")

    server, session = await started()
    simulator = Simulator(session, None, None)  # type: ignore[arg-type]
    tokens = await simulator.tokens()
    refreshed = await (
        await simulator.token(
            {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        )
    ).json()
    await session.close()
    await server.close()

    server, session = await started()
    simulator = Simulator(session, None, None)  # type: ignore[arg-type]
    try:
        response = await simulator.api("GET", "/vehicles", refreshed["access_token"])
        assert response.status == 200
        assert len((await response.json())["vehicles"]) == 4
        dead = await simulator.token(
            {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        )
        assert dead.status == 400
        alive = await simulator.token(
            {"grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]}
        )
        assert alive.status == 200
    finally:
        await session.close()
        await server.close()
