"""The simulated token endpoint: client credentials in, a 300-second bearer token out."""

import pytest

from .raw import (
    CLIENT_ID,
    CLIENT_SECRET,
    FLEET,
    access_token,
    advance,
    api,
    control,
    errors,
    request_token,
)

GOOD = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


async def test_client_credentials_give_a_bearer_token_for_300_seconds(simulator) -> None:
    response = await request_token(simulator, GOOD)
    assert response.status == 200
    body = await response.json()
    assert set(body) == {"access_token", "expires_in", "scope", "token_type"}
    assert body["expires_in"] == 300
    assert body["token_type"] == "bearer"
    assert body["scope"] == "fleet:clearance vehicle:eligibility-check vehicle:data"
    assert "refresh_token" not in body

    token = body["access_token"]
    assert (await api(simulator, "GET", FLEET, token)).status == 200
    advance(simulator, 299)
    assert (await api(simulator, "GET", FLEET, token)).status == 200
    advance(simulator, 1)
    status, words = await errors(await api(simulator, "GET", FLEET, token))
    assert (status, words) == (401, [{"title": "Not Authorized", "detail": "Invalid token"}])


@pytest.mark.parametrize(
    ("body", "description"),
    [
        ({**GOOD, "client_secret": "wrong"}, "client_secret is invalid"),
        ({**GOOD, "client_id": "someone-else"}, "client_id is invalid"),
        ({**GOOD, "grant_type": "refresh_token"}, "grant_type is invalid"),
        (
            {"grant_type": "client_credentials"},
            "client_id can't be blank, client_secret can't be blank",
        ),
        (
            {"client_id": "", "client_secret": 7},
            "client_id can't be blank, client_secret can't be blank, grant_type can't be blank",
        ),
        (["not", "an", "object"], "The body must be a JSON object."),
    ],
)
async def test_refused_credentials_are_400_invalid_request(simulator, body, description) -> None:
    response = await request_token(simulator, body)
    assert response.status == 400
    assert await response.json() == {"error": "invalid_request", "error_description": description}


async def test_a_body_that_is_not_json_is_refused(simulator) -> None:
    response = await simulator.session.post(
        "/high_mobility/api/v1/access_tokens", data=b"client_id=x"
    )
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"


async def test_tokens_belong_to_their_environment(simulator) -> None:
    sandbox = await access_token(simulator, "sandbox")
    assert (await api(simulator, "GET", FLEET, sandbox, environment="sandbox")).status == 200
    assert (await api(simulator, "GET", FLEET, sandbox)).status == 401
    state = await control(simulator, "GET", "/high_mobility")
    assert state["environments"]["sandbox"]["tokens_issued"] == 1
    assert state["environments"]["production"]["tokens_issued"] == 0


@pytest.mark.parametrize("header", [None, "Basic abc", "Bearer "])
async def test_a_missing_or_malformed_authorization_header(simulator, header) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = await simulator.session.get(f"/high_mobility/api{FLEET}", headers=headers)
    status, words = await errors(response)
    assert status == 401
    assert words == [
        {
            "title": "Not Authorized",
            "detail": "Missing or invalid authorization header",
            "source": "Authorization",
        }
    ]


async def test_token_faults(simulator) -> None:
    path = "/v1/access_tokens"
    fault = {"provider": "high_mobility", "path": path, "times": 1}
    await control(simulator, "POST", "/errors", {**fault, "type": "INTERNAL_SERVER_ERROR"})
    response = await request_token(simulator, GOOD)
    assert await errors(response) == (
        500,
        [{"title": "Internal Server Error", "detail": "Please contact support"}],
    )
    await control(simulator, "POST", "/errors", {**fault, "type": "TOO_MANY_REQUESTS"})
    response = await request_token(simulator, GOOD)
    assert response.status == 429
    assert response.headers["Retry-After"] == "60"
    await control(simulator, "POST", "/errors", {**fault, "type": "NOT_AUTHORIZED", "status": 400})
    response = await request_token(simulator, GOOD)
    assert response.status == 400
    assert await response.json() == {
        "error": "invalid_request",
        "error_description": "Simulated NOT_AUTHORIZED:None.",
    }
    await control(simulator, "POST", "/errors", {**fault, "type": "MALFORMED"})
    response = await request_token(simulator, GOOD)
    assert response.status == 200
    assert await response.text() == '{"truncated": [1, 2'
    assert (await request_token(simulator, GOOD)).status == 200
