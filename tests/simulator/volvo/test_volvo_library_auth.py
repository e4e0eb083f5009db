"""Volvo ID and API access through the real `volvocarsapi` library: tokens, quota, scopes, errors."""

import pytest
from volvocarsapi.models import VolvoApiException, VolvoAuthException
from volvocarsapi.scopes import ALL_SCOPES
from yarl import URL

from simulator.volvo.errors import QUOTA_EXCEEDED_DESCRIPTION
from simulator.volvo.garage import EX30_VIN, V60_VIN, XC60_VIN

from .conftest import Volvo

# The simulator starts at 1_795_000_000 (11:06:40 UTC): 12:53:20 until the quota refills.
QUOTA_MESSAGE = "Forbidden " + QUOTA_EXCEEDED_DESCRIPTION.format(replenished_in="12:53:20")


async def test_refresh_rotates_and_the_old_token_dies(volvo: Volvo) -> None:
    auth = await volvo.signed_in()
    assert auth.token is not None
    first = auth.token
    second = await auth.async_refresh_token(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert await volvo.api(auth).async_get_vehicles() == [EX30_VIN, XC60_VIN, V60_VIN]
    with pytest.raises(VolvoAuthException):
        await auth.async_refresh_token(first.refresh_token)
    third = await auth.async_refresh_token(second.refresh_token)
    assert third.refresh_token not in (first.refresh_token, second.refresh_token)


async def test_an_expired_access_token_is_401(volvo: Volvo) -> None:
    auth = await volvo.signed_in()
    api = volvo.api(auth, EX30_VIN)
    await volvo.control("POST", "/clock", {"advance": 1800})
    with pytest.raises(VolvoAuthException) as raised:
        await api.async_get_odometer()
    assert raised.value.message == "Unauthorized The access token is missing, invalid or expired."
    assert auth.token is not None
    await auth.async_refresh_token(auth.token.refresh_token)
    assert (await api.async_get_odometer())["odometer"] is not None


async def test_pkce_verifier_must_match_and_a_code_works_once(volvo: Volvo) -> None:
    auth, other = volvo.auth(), volvo.auth()
    code = await volvo.code(auth)
    with pytest.raises(VolvoAuthException):
        await other.async_request_token(code)  # another verifier than the challenge's
    with pytest.raises(VolvoAuthException):
        await auth.async_request_token(code)  # the failed attempt used the code up
    code = await volvo.code(auth)
    await auth.async_request_token(code)
    with pytest.raises(VolvoAuthException):
        await auth.async_request_token(code)


async def test_user_denies(volvo: Volvo) -> None:
    location = await volvo.authorize(volvo.auth(), sim_error="access_denied")
    assert location.with_query(None) == URL("https://example.com/auth/external/callback")
    assert location.query["error"] == "access_denied"
    assert location.query["state"] == "st4te"
    assert "code" not in location.query


async def test_quota_403_and_scope_403_read_differently(volvo: Volvo) -> None:
    api = volvo.api(await volvo.signed_in(), EX30_VIN)
    assert await volvo.control("POST", "/volvo/quota", {"used": 10_000}) == {
        "limit": 10_000,
        "used": 10_000,
        "remaining": 0,
        "resets_at": "2026-11-19T00:00:00.000Z",
    }
    with pytest.raises(VolvoAuthException) as quota:
        await api.async_get_odometer()
    assert quota.value.message == QUOTA_MESSAGE
    assert quota.value.message.startswith("Forbidden Out of call volume quota.")
    await volvo.control("POST", "/volvo/quota", {"used": 0})

    scopes = [scope for scope in ALL_SCOPES if scope != "conve:doors_status"]
    narrow = volvo.api(await volvo.signed_in(scopes), EX30_VIN)
    with pytest.raises(VolvoAuthException) as scope:
        await narrow.async_get_doors_status()
    assert scope.value.message == (
        "Forbidden The access token is missing a required scope: conve:doors_status."
    )
    assert "quota" not in scope.value.message
    assert (await narrow.async_get_odometer())["odometer"] is not None


async def test_quota_refills_at_utc_midnight(volvo: Volvo) -> None:
    auth = await volvo.signed_in()
    api = volvo.api(auth, EX30_VIN)
    await volvo.control("POST", "/volvo/quota", {"limit": 2})
    await api.async_get_odometer()
    await api.async_get_odometer()
    with pytest.raises(VolvoAuthException):
        await api.async_get_odometer()
    assert (await volvo.control("GET", "/volvo/quota"))["used"] == 2
    await volvo.control("POST", "/clock", {"advance": 46_400})
    assert auth.token is not None
    await auth.async_refresh_token(auth.token.refresh_token)  # Volvo ID has no quota
    assert (await api.async_get_odometer())["odometer"] is not None
    assert (await volvo.control("GET", "/volvo/quota"))["used"] == 1


async def test_a_missing_or_wrong_api_key_is_401(volvo: Volvo) -> None:
    auth = await volvo.signed_in()
    for key in ("", "not-the-key"):
        with pytest.raises(VolvoAuthException) as raised:
            await volvo.api(auth, EX30_VIN, api_key=key).async_get_odometer()
        assert raised.value.message.startswith(
            "Unauthorized Access denied due to a missing or invalid vcc-api-key."
        )


async def test_unknown_vin_and_a_car_off_the_account_are_404(volvo: Volvo) -> None:
    auth = await volvo.signed_in(sim_approve=EX30_VIN)
    api = volvo.api(auth)
    assert await api.async_get_vehicles() == [EX30_VIN]
    assert (await api.async_get_odometer(EX30_VIN))["odometer"] is not None
    for vin in (V60_VIN, "YV1XXXXXXXX000000"):
        assert await api.async_get_odometer(vin) == {}
        assert await api.async_get_vehicle_details(vin) is None
        assert await api.async_get_location(vin) == {"location": None}


@pytest.mark.parametrize(
    ("error_type", "code", "exception", "message"),
    [
        ("UNAUTHORIZED", None, VolvoAuthException, "Unauthorized The access token is"),
        ("FORBIDDEN", "QUOTA", VolvoAuthException, QUOTA_MESSAGE),
        ("FORBIDDEN", "SCOPE", VolvoAuthException, "Forbidden The access token is missing a"),
        ("BAD_REQUEST", None, VolvoApiException, "Bad Request The request did not pass"),
        ("CONFLICT", None, VolvoApiException, "Conflict The request conflicts"),
        ("TOO_MANY_REQUESTS", None, VolvoApiException, "Too Many Requests Rate limit"),
        ("INTERNAL_SERVER_ERROR", None, VolvoApiException, "Internal Server Error Something"),
        ("SERVICE_UNAVAILABLE", None, VolvoApiException, "SERVICE_UNAVAILABLE Not allowed, car"),
        ("GATEWAY_TIMEOUT", None, VolvoApiException, "Gateway Timeout The server did not"),
    ],
)
async def test_injected_errors(
    volvo: Volvo, error_type: str, code: str | None, exception: type, message: str
) -> None:
    api = volvo.api(await volvo.signed_in(), EX30_VIN)
    fault = {"provider": "volvo", "type": error_type, "code": code, "path": "/odometer", "times": 1}
    await volvo.control("POST", "/errors", fault)
    assert (await api.async_get_tyre_states())["frontLeft"] is not None
    with pytest.raises(exception) as raised:
        await api.async_get_odometer()
    assert type(raised.value) is exception
    assert raised.value.message.startswith(message)
    assert (await api.async_get_odometer())["odometer"] is not None


async def test_token_endpoint_failure(volvo: Volvo) -> None:
    auth = await volvo.signed_in()
    fault = {"provider": "volvo", "type": "INTERNAL_SERVER_ERROR", "path": "/as/token.oauth2"}
    await volvo.control("POST", "/errors", fault | {"times": 1})
    assert auth.token is not None
    refresh_token = auth.token.refresh_token
    with pytest.raises(VolvoAuthException):
        await auth.async_refresh_token(refresh_token)
    await auth.async_refresh_token(refresh_token)  # the failed call did not use it up
