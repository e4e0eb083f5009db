"""Smartcar v3: IAM app tokens and Connect for a v3 application (its Application ID)."""

import pytest
from yarl import URL

from simulator.config import DEFAULT_REDIRECT_URIS
from simulator.garage import FORD_F150_ID, TESLA_MODEL_3_ID
from simulator.smartcar.accounts import user_id

from .conftest import APPLICATION_ID, CLIENT_ID, CLIENT_SECRET, V3

TOKEN = "/smartcar/iam/oauth2/token"


async def test_app_token_for_the_api_credential_in_json_or_a_form(simulator) -> None:
    v3 = V3(simulator)
    response = await v3.app_token()
    body = await response.json()
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert body.keys() == {"access_token", "token_type", "expires_in"}  # no refresh token
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID}
    response = await simulator.session.post(TOKEN, data=form | {"client_secret": CLIENT_SECRET})
    assert response.status == 200
    assert (await response.json())["access_token"] != body["access_token"]
    settings = await (await simulator.control("GET", "/smartcar-v3")).json()
    assert settings["app_tokens_issued"] == 2


@pytest.mark.parametrize(
    ("credentials", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        (
            {"client_id": "sim-client-id", "client_secret": "sim-client-secret"},
            401,
            "invalid_client",
        ),
        ({"client_id": APPLICATION_ID}, 401, "invalid_client"),
        ({"grant_type": "authorization_code"}, 400, "unsupported_grant_type"),
        ({"grant_type": ""}, 400, "invalid_request"),
        ({"client_secret": ""}, 400, "invalid_request"),
    ],
)
async def test_iam_refuses_other_credentials(simulator, credentials, status, error) -> None:
    response = await V3(simulator).app_token(**credentials)
    assert response.status == status
    assert (await response.json())["error"] == error


@pytest.mark.parametrize("body", ["{not json", "[1, 2]"])
async def test_iam_refuses_a_body_that_is_no_json_object(simulator, body) -> None:
    response = await simulator.session.post(
        TOKEN, data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("fault", "status", "error"),
    [
        ({"type": "SERVER", "code": "INTERNAL"}, 500, "server_error"),
        ({"type": "AUTHENTICATION", "code": None}, 401, "invalid_client"),
        ({"type": "RATE_LIMIT", "code": "SMARTCAR_API"}, 429, "invalid_request"),
    ],
)
async def test_iam_faults(simulator, fault, status, error) -> None:
    v3 = V3(simulator)
    await v3.inject(path="/oauth2/token", times=1, **fault)
    response = await v3.app_token()
    assert response.status == status
    assert (await response.json())["error"] == error
    assert (await v3.app_token()).status == 200


async def test_an_app_token_lasts_an_hour(v3) -> None:
    status, _ = await v3.get("/connections")
    assert status == 200
    v3.sim.clock.now += 3600
    status, body = await v3.get("/connections")
    assert status == 401
    assert (body["type"], body["status"]) == ("AUTHENTICATION", "401")


async def test_connect_takes_the_application_id_and_redirects_with_the_user(v3) -> None:
    response = await v3.authorize(sim_approve=TESLA_MODEL_3_ID, scope="read_battery read_vin")
    location = URL(response.headers["Location"])
    assert str(location.with_query(None)) == DEFAULT_REDIRECT_URIS[0]
    assert location.query.keys() == {"code", "state", "user_id"}
    assert location.query["user_id"] == user_id("default")
    assert location.query["state"] == "st4te"
    control = await (await v3.sim.control("GET", "/smartcar-v3")).json()
    tesla = [c for c in control["connections"] if c["vehicle_id"] == TESLA_MODEL_3_ID]
    assert tesla[0]["permissions"] == ["read_battery", "read_vin"]  # the new grant replaced it
    assert tesla[0]["mode"] == "live"


async def test_the_v2_client_id_gets_no_user_id(simulator) -> None:
    response = await simulator.authorize(sim_approve="all")
    assert "user_id" not in URL(response.headers["Location"]).query


async def test_connect_refuses_the_api_client_id(simulator) -> None:
    response = await simulator.authorize(client_id=CLIENT_ID, sim_approve="all")
    assert response.status == 400
    assert f"400: Invalid parameter client_id: {CLIENT_ID}" in await response.text()


async def test_the_approval_page_connects_the_cars_chosen(v3) -> None:
    page = v3.sim.authorize_params(client_id=APPLICATION_ID, sim_user="other")
    form = page | {"vehicle": FORD_F150_ID, "decision": "allow"}
    response = await v3.sim.session.post(
        "/smartcar/connect/oauth/authorize", data=form, allow_redirects=False
    )
    other = URL(response.headers["Location"]).query["user_id"]
    assert other == user_id("other")
    status, body = await v3.get("/connections", user=other)
    assert status == 200
    assert [c["relationships"]["vehicle"]["data"]["id"] for c in body["data"]] == [FORD_F150_ID]


async def test_simulated_mode_connections_are_listed_apart(v3) -> None:
    other = await v3.connect(sim_user="sim", mode="simulated")
    status, body = await v3.get("/connections", user=other)
    assert (status, body["data"]) == (200, [])
    status, body = await v3.get(
        "/connections", user=other, params={"filter[vehicle.mode]": "simulated"}
    )
    assert len(body["data"]) == 4
    assert {c["attributes"]["vehicle"]["mode"] for c in body["data"]} == {"simulated"}
