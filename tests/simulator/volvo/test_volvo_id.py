"""Volvo ID over HTTP: sign-in page, redirects, PKCE, client authentication and tokens."""

import base64
import json

from aiohttp import encode_basic_auth
import pytest
from yarl import URL

from simulator import SimulatorConfig
from simulator.clock import SimClock
from simulator.volvo.accounts import REFRESH_TOKEN_TTL, VolvoAccounts, VolvoGrant, s256
from simulator.volvo.garage import EX30_VIN, V60_VIN, XC60_VIN

from .raw import CLIENT, ID, VERIFIER, api, authorize, code, code_form, token, tokens, vehicle


def _redirect_query(response) -> dict[str, str]:
    assert response.status == 302
    location = URL(response.headers["Location"])
    assert str(location.with_query(None)) == "https://my.home-assistant.io/redirect/oauth"
    return dict(location.query)


async def test_sign_in_page_lists_the_volvos_and_signs_in_with_the_chosen_ones(simulator) -> None:
    response = await authorize(simulator)
    page = await response.text()
    assert response.status == 200
    assert response.content_type == "text/html"
    for vin in (EX30_VIN, XC60_VIN, V60_VIN):
        assert vin in page
    assert "Tesla" not in page
    form = dict(response.url.query.items())
    response = await simulator.session.post(
        f"{ID}/authorization.oauth2",
        data=[*form.items(), ("vin", EX30_VIN), ("vin", V60_VIN), ("decision", "allow")],
        allow_redirects=False,
    )
    query = _redirect_query(response)
    assert query["state"] == "st4te"
    answer = await token(simulator, code_form(query["code"]))
    access = (await answer.json())["access_token"]
    listed = await api(simulator, "GET", "/connected-vehicle/v2/vehicles", access)
    assert await listed.json() == {"data": [{"vin": EX30_VIN}, {"vin": V60_VIN}]}


async def test_cancel_on_the_page_is_access_denied(simulator) -> None:
    form = dict((await authorize(simulator)).url.query.items())
    response = await simulator.session.post(
        f"{ID}/authorization.oauth2", data=form | {"decision": "deny"}, allow_redirects=False
    )
    query = _redirect_query(response)
    assert (query["error"], query["state"]) == ("access_denied", "st4te")
    assert query["error_description"]


async def test_an_account_without_cars(simulator) -> None:
    access = (await tokens(simulator, sim_approve=""))["access_token"]
    listed = await api(simulator, "GET", "/connected-vehicle/v2/vehicles", access)
    assert await listed.json() == {"data": []}
    response = await authorize(simulator, sim_approve=f"{EX30_VIN},{EX30_VIN}")
    assert response.status == 302


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"client_id": "sim-client-id"}, "Unknown client_id."),
        ({"redirect_uri": "https://evil.example/cb"}, "not registered"),
        ({"sim_error": "teapot"}, "sim_error must be one of"),
        ({"sim_approve": "YV1NOTASIMULATED"}, "not a simulated Volvo"),
    ],
)
async def test_page_errors(simulator, params, message) -> None:
    response = await authorize(simulator, **params)
    assert response.status == 400
    assert message in await response.text()


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "openid conve:teleport"}, "invalid_scope"),
        ({"scope": ""}, "invalid_scope"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"sim_error": "access_denied"}, "access_denied"),
        ({"sim_error": "temporarily_unavailable"}, "temporarily_unavailable"),
    ],
)
async def test_redirect_errors(simulator, params, error) -> None:
    query = _redirect_query(await authorize(simulator, **params))
    assert (query["error"], query["state"]) == (error, "st4te")
    assert "code" not in query


async def test_token_answer(simulator) -> None:
    response = await token(simulator, code_form(await code(simulator)))
    assert response.headers["Cache-Control"] == "no-store"
    body = await response.json()
    assert set(body) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "scope",
        "id_token",
    }
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 1800)
    assert "conve:lock" in body["scope"].split()
    header, claims, signature = (
        json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))) if part else part
        for part in body["id_token"].split(".")
    )
    assert (header, signature) == ({"alg": "none", "typ": "JWT"}, "")
    assert claims["aud"] == "sim-volvo-client-id"
    assert claims["exp"] - claims["iat"] == 1800


async def test_without_openid_no_id_token(simulator) -> None:
    body = await tokens(simulator, scope="conve:odometer_status")
    assert "id_token" not in body
    assert body["scope"] == "conve:odometer_status"


async def test_client_credentials_in_the_form_body(simulator) -> None:
    form = code_form(await code(simulator), client_id=CLIENT[0], client_secret=CLIENT[1])
    assert (await token(simulator, form, auth=None)).status == 200


@pytest.mark.parametrize(
    ("headers", "form"),
    [
        ({"Authorization": encode_basic_auth("sim-volvo-client-id", "wrong")}, {}),
        ({"Authorization": "Basic !!!"}, {}),
        ({"Authorization": "Bearer abc"}, {}),
        ({}, {}),
        ({}, {"client_id": CLIENT[0], "client_secret": "wrong"}),
        ({}, {"client_id": CLIENT[0]}),
    ],
)
async def test_client_authentication_fails(simulator, headers, form) -> None:
    data = code_form(await code(simulator)) | form
    response = await simulator.session.post(f"{ID}/token.oauth2", data=data, headers=headers)
    assert response.status == 401
    assert (await response.json())["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": ""}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"redirect_uri": "http://127.0.0.1:8123/auth/external/callback"}, "invalid_grant"),
        ({"code_verifier": "x" * 43}, "invalid_grant"),
        ({"code_verifier": "short"}, "invalid_grant"),
        ({"code": "not-a-code"}, "invalid_grant"),
    ],
)
async def test_token_request_errors(simulator, form, error) -> None:
    response = await token(simulator, code_form(await code(simulator)) | form)
    assert response.status == 400
    assert (await response.json())["error"] == error


async def test_missing_verifier_and_expired_code(simulator) -> None:
    form = code_form(await code(simulator))
    del form["code_verifier"]
    assert (await (await token(simulator, form)).json())["error"] == "invalid_grant"
    form = code_form(await code(simulator))
    simulator.clock.now += 601
    assert (await (await token(simulator, form)).json())["error"] == "invalid_grant"


async def test_refresh_errors(simulator) -> None:
    body = await tokens(simulator)
    form = {"grant_type": "refresh_token", "refresh_token": "nope"}
    assert (await (await token(simulator, form)).json())["error"] == "invalid_grant"
    simulator.clock.now += REFRESH_TOKEN_TTL
    form["refresh_token"] = body["refresh_token"]
    response = await token(simulator, form)
    assert (response.status, (await response.json())["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    ("status", "error"), [(401, "invalid_client"), (503, "server_error"), (400, "invalid_grant")]
)
async def test_injected_token_fault(simulator, status, error) -> None:
    fault = {"provider": "volvo", "type": "BAD_REQUEST", "path": "/as/token.oauth2"}
    response = await simulator.control("POST", "/errors", fault | {"status": status, "times": 1})
    assert response.status == 201
    response = await token(simulator, code_form(await code(simulator)))
    assert (response.status, (await response.json())["error"]) == (status, error)


async def test_malformed_token_answer(simulator) -> None:
    fault = {"provider": "volvo", "type": "MALFORMED", "path": "/as/token.oauth2", "times": 1}
    await simulator.control("POST", "/errors", fault)
    response = await token(simulator, code_form(await code(simulator)))
    assert response.status == 200
    with pytest.raises(json.JSONDecodeError):
        await response.json()


async def test_state_file_keeps_volvo_tokens_across_restarts(tmp_path) -> None:
    state_file = tmp_path / "state.json"
    config = SimulatorConfig(state_file=state_file, clock=lambda: 1_790_000_000.0)
    clock = SimClock(config.clock)
    accounts = VolvoAccounts(config, clock)
    grant = VolvoGrant("user", frozenset({"openid", "conve:odometer_status"}), [EX30_VIN])
    first = accounts.redeem_code(
        accounts.issue_code(grant, "https://x/cb", s256(VERIFIER)), "https://x/cb", VERIFIER
    )
    second = accounts.refresh(first["refresh_token"])
    assert (tmp_path / "state.json.volvo").exists()
    assert not state_file.exists()

    restarted = VolvoAccounts(config, clock)
    for access in (first["access_token"], second["access_token"]):
        kept = restarted.grant_for(access)
        assert kept is not None
        assert (kept.vins, kept.scopes) == ([EX30_VIN], grant.scopes)
    with pytest.raises(Exception, match="invalid"):
        restarted.refresh(first["refresh_token"])
    assert restarted.refresh(second["refresh_token"])["access_token"]
    assert restarted.grant_for("unknown") is None


async def test_volvo_api_never_serves_a_smartcar_car(simulator) -> None:
    access = (await tokens(simulator))["access_token"]
    tesla = next(car for car in simulator.state.vehicles.values() if car.make == "TESLA")
    for key in (tesla.vin, tesla.id):
        response = await api(simulator, "GET", vehicle(key, "/odometer"), access)
        assert response.status == 404
