"""Smartcar Connect: validation, the approval page, decisions and `sim_*` flags."""

import re

import pytest
from yarl import URL

from simulator.config import DEFAULT_REDIRECT_URIS
from simulator.garage import FORD_F150_ID, TESLA_MODEL_3_ID, TOYOTA_RAV4_PRIME_ID
from simulator.smartcar.accounts import DEFAULT_USER, user_id

REDIRECT_URI = DEFAULT_REDIRECT_URIS[0]
AUTHORIZE = "/smartcar/connect/oauth/authorize"


def _query(response) -> dict[str, str]:
    location = URL(response.headers["Location"])
    assert str(location.with_query(None)) == REDIRECT_URI
    return dict(location.query)


def _hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r"type='hidden' name='([^']*)' value='([^']*)'", page))


async def test_page_lists_all_cars_checked(simulator) -> None:
    response = await simulator.authorize(scope="read_odometer required:read_vin")
    page = await response.text()
    assert response.status == 200
    assert response.content_type == "text/html"
    assert page.count("type='checkbox' name='vehicle'") == 4
    assert page.count(" checked>") == 4
    for name in (
        "2022 TESLA Model 3",
        "2023 VOLKSWAGEN ID.4",
        "2021 FORD F-150",
        "2024 TOYOTA RAV4 Prime",
    ):
        assert name in page
    assert "read_odometer required:read_vin" in page
    assert "value='allow'" in page
    assert "value='deny'" in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"client_id": "someone-else"}, "Unknown client_id."),
        ({"redirect_uri": "https://evil.example/cb"}, "not registered"),
        ({"sim_error": "bogus"}, "sim_error must be one of"),
        ({"sim_approve": "not-a-car"}, "not offered"),
    ],
)
async def test_error_page_when_connect_cannot_redirect(simulator, params, message) -> None:
    response = await simulator.authorize(**params)
    assert response.status == 400
    assert response.content_type == "text/html"
    assert message in await response.text()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"response_type": "token"}, "response_type must be code."),
        ({"scope": ""}, "scope must list known permissions."),
        ({"scope": "read_odometer read_everything"}, "scope must list known permissions."),
        ({"mode": "sandbox"}, "mode must be one of live, simulated, test."),
        ({"approval_prompt": "always"}, "approval_prompt must be one of auto, force."),
        ({"single_select": "yes"}, "single_select must be one of true, false."),
    ],
)
async def test_configuration_error_redirects(simulator, params, message) -> None:
    query = _query(await simulator.authorize(**params))
    assert query == {
        "error": "configuration_error",
        "error_description": "There has been an error in the configuration of your application.",
        "state": "st4te",
        "status_code": "400",
        "error_message": message,
    }


async def test_accepts_optional_parameters(simulator) -> None:
    response = await simulator.authorize(
        mode="simulated", approval_prompt="force", single_select="false", flags="country:DE"
    )
    assert response.status == 200


async def test_allow_redirects_with_code_for_chosen_cars(simulator) -> None:
    page = await (await simulator.authorize(scope="read_odometer read_vin")).text()
    form = _hidden_fields(page) | {"decision": "allow"}
    data = [*form.items(), ("vehicle", TESLA_MODEL_3_ID), ("vehicle", FORD_F150_ID)]
    response = await simulator.session.post(AUTHORIZE, data=data, allow_redirects=False)
    assert response.status == 302
    query = _query(response)
    assert query["state"] == "st4te"
    tokens = await _exchange(simulator, query["code"])
    vehicles = await (await simulator.api("GET", "/vehicles", tokens["access_token"])).json()
    assert vehicles["vehicles"] == [TESLA_MODEL_3_ID, FORD_F150_ID]
    permissions = await simulator.api(
        "GET", f"/vehicles/{FORD_F150_ID}/permissions", tokens["access_token"]
    )
    assert (await permissions.json())["permissions"] == ["read_odometer", "read_vin"]


async def _exchange(simulator, code: str) -> dict:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    response = await simulator.token(form)
    assert response.status == 200
    return await response.json()


async def test_deny_redirects_with_access_denied(simulator) -> None:
    page = await (await simulator.authorize()).text()
    form = _hidden_fields(page) | {"decision": "deny", "vehicle": TESLA_MODEL_3_ID}
    response = await simulator.session.post(AUTHORIZE, data=form, allow_redirects=False)
    assert _query(response) == {
        "error": "access_denied",
        "error_description": "User denied access to the requested scope of permissions.",
        "state": "st4te",
    }


async def test_allow_without_cars_is_no_vehicles(simulator) -> None:
    page = await (await simulator.authorize()).text()
    form = _hidden_fields(page) | {"decision": "allow"}
    response = await simulator.session.post(AUTHORIZE, data=form, allow_redirects=False)
    assert _query(response)["error"] == "no_vehicles"


async def test_posted_form_is_validated_again(simulator) -> None:
    form = {
        "client_id": "sim-client-id",
        "redirect_uri": "https://evil.example",
        "decision": "allow",
    }
    response = await simulator.session.post(AUTHORIZE, data=form, allow_redirects=False)
    assert response.status == 400


async def test_single_select_offers_radio_buttons_and_approves_one(simulator) -> None:
    page = await (await simulator.authorize(single_select="true")).text()
    assert page.count("type='radio'") == 4
    assert page.count(" checked>") == 1
    code = await simulator.code(single_select="true")
    tokens = await _exchange(simulator, code)
    vehicles = await (await simulator.api("GET", "/vehicles", tokens["access_token"])).json()
    assert vehicles["vehicles"] == [TESLA_MODEL_3_ID]


async def test_single_select_vin_and_make_filter_the_cars(simulator) -> None:
    tokens = await _exchange(simulator, await simulator.code(single_select_vin="JTMFB3FV8RD064172"))
    vehicles = await (await simulator.api("GET", "/vehicles", tokens["access_token"])).json()
    assert vehicles["vehicles"] == [TOYOTA_RAV4_PRIME_ID]
    page = await (await simulator.authorize(make="ford")).text()
    assert "FORD F-150" in page
    assert "TESLA" not in page


async def test_make_without_cars_shows_none_and_approves_nothing(simulator) -> None:
    page = await (await simulator.authorize(make="BMW")).text()
    assert "No vehicles found in this account." in page
    assert (
        _query(await simulator.authorize(make="BMW", sim_approve="all"))["error"] == "no_vehicles"
    )


async def test_sim_approve_lists_cars(simulator) -> None:
    code = await simulator.code(sim_approve=f"{FORD_F150_ID},{TOYOTA_RAV4_PRIME_ID}")
    tokens = await _exchange(simulator, code)
    vehicles = await (await simulator.api("GET", "/vehicles", tokens["access_token"])).json()
    assert vehicles["vehicles"] == [FORD_F150_ID, TOYOTA_RAV4_PRIME_ID]


async def test_state_is_optional(simulator) -> None:
    params = simulator.authorize_params(sim_approve="all")
    del params["state"]
    response = await simulator.session.get(AUTHORIZE, params=params, allow_redirects=False)
    assert set(_query(response)) == {"code"}


@pytest.mark.parametrize(
    ("error", "description"),
    [
        ("access_denied", "User denied access to the requested scope of permissions."),
        ("no_vehicles", "No vehicles found. Please add vehicles to your account and try again."),
        ("invalid_subscription", "User does not have an active connected vehicle subscription."),
        (
            "configuration_error",
            "There has been an error in the configuration of your application.",
        ),
        ("server_error", "Smartcar Connect ran into an unexpected error. Please try again."),
    ],
)
async def test_sim_error_redirects_with_every_connect_error(simulator, error, description) -> None:
    query = _query(await simulator.authorize(sim_error=error, sim_approve="all"))
    assert query == {"error": error, "error_description": description, "state": "st4te"}


async def test_vehicle_incompatible_names_make_and_vin(simulator) -> None:
    query = _query(await simulator.authorize(sim_error="vehicle_incompatible", make="FORD"))
    assert query == {
        "error": "vehicle_incompatible",
        "error_description": "The user's vehicle is not compatible.",
        "state": "st4te",
        "make": "FORD",
        "vin": "1FTFW1E5XMFA93518",
    }
    query = _query(await simulator.authorize(sim_error="vehicle_incompatible", make="BMW"))
    assert "vin" not in query


async def test_users_are_stable_and_selectable(simulator) -> None:
    first = await simulator.access_token()
    again = await simulator.access_token()
    other = await simulator.access_token(sim_user="second")
    ids = [
        (await (await simulator.api("GET", "/user", token)).json())["id"]
        for token in (first, again, other)
    ]
    assert ids == [user_id(DEFAULT_USER), user_id(DEFAULT_USER), user_id("second")]
    assert ids[0] != ids[2]
