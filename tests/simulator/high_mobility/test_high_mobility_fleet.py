"""Simulated fleet clearance: adding cars, their states on the simulator's clock, brand rules."""

from typing import Any

import pytest

from simulator.clock import isoformat
from simulator.high_mobility.fleet import CANCELABLE, REASONS
from simulator.high_mobility.garage import BMW_I4_VIN, MERCEDES_C300_VIN, RENAULT_MEGANE_VIN
from tests.simulator.conftest import START

from .raw import (
    APPROVAL_DELAY,
    DAY,
    FLEET,
    access_token,
    add,
    advance,
    api,
    clearance,
    control,
    errors,
)

VW_VIN = "WVWZZZE1ZPP012345"
# Tokens that outlive the clock's jumps of days.
pytestmark = pytest.mark.parametrize(
    "simulator", [{"high_mobility_access_token_ttl": 10**9}], indirect=True
)


@pytest.fixture
async def token(simulator) -> str:
    return await access_token(simulator)


def _statuses(item: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(change["status"], change.get("reason")) for change in item["changelog"]]


async def _outcome(simulator, vin: str, outcome: str, **extra: Any) -> dict[str, Any]:
    body = {"vin": vin, "outcome": outcome, **extra}
    return dict(await control(simulator, "POST", "/high_mobility/outcomes", body))


async def _delete(simulator, token: str, vin: str):
    return await api(simulator, "DELETE", f"{FLEET}/{vin}", token)


async def test_an_added_car_is_pending_then_approved_after_the_delay(simulator, token) -> None:
    answer = await add(simulator, token, {"vin": BMW_I4_VIN, "brand": "bmw", "tags": {"a": "b"}})
    assert answer == [{"vin": BMW_I4_VIN, "status": "pending", "tags": {"a": "b"}}]
    listed = await (await api(simulator, "GET", FLEET, token)).json()
    assert listed == [
        {
            "vin": BMW_I4_VIN,
            "status": "pending",
            "brand": "bmw",
            "tags": {"a": "b"},
            "changelog": [{"timestamp": isoformat(START), "status": "pending"}],
        }
    ]
    advance(simulator, APPROVAL_DELAY - 1)
    assert (await clearance(simulator, token, BMW_I4_VIN))["status"] == "pending"
    advance(simulator, 1)
    approved = await clearance(simulator, token, BMW_I4_VIN)
    assert approved["status"] == "approved"
    assert approved["changelog"][-1] == {
        "timestamp": isoformat(START + APPROVAL_DELAY),
        "status": "approved",
    }


@pytest.mark.parametrize(
    ("vehicle", "description"),
    [
        ({"vin": "SHORT", "brand": "bmw"}, "vin should be 17 character(s)"),
        ({"brand": "bmw"}, "vin should be 17 character(s)"),
        ({"vin": BMW_I4_VIN, "brand": "trabant"}, "The brand is invalid"),
        ({"vin": BMW_I4_VIN}, "The brand is invalid"),
        ({"vin": BMW_I4_VIN, "brand": ["bmw"]}, "The brand is invalid"),
        ({"vin": BMW_I4_VIN, "brand": "bmw", "tags": {"a": 1}}, "tags should be a map of strings"),
        ({"vin": BMW_I4_VIN, "brand": "bmw", "tags": ["a"]}, "tags should be a map of strings"),
    ],
)
async def test_a_car_that_cannot_be_added_is_answered_error(
    simulator, token, vehicle, description
) -> None:
    good = {"vin": MERCEDES_C300_VIN, "brand": "mercedes-benz"}
    answer = await add(simulator, token, vehicle, good)
    assert answer[0] == {"vin": vehicle.get("vin"), "status": "error", "description": description}
    assert answer[1]["status"] == "pending"
    listed = await (await api(simulator, "GET", FLEET, token)).json()
    assert [item["vin"] for item in listed] == [MERCEDES_C300_VIN]


@pytest.mark.parametrize(
    "body", [{}, {"vehicles": {"vin": BMW_I4_VIN}}, {"vehicles": ["x"]}, ["x"]]
)
async def test_a_request_of_the_wrong_shape_is_422(simulator, token, body) -> None:
    response = await api(simulator, "POST", FLEET, token, json=body)
    assert await errors(response) == (
        422,
        [
            {
                "title": "Invalid input",
                "detail": "vehicles must be a list of objects with vin and brand",
                "source": "vehicles",
            }
        ],
    )


async def test_a_body_that_is_not_json_is_422(simulator, token) -> None:
    response = await api(simulator, "POST", FLEET, token, data=b"{")
    assert response.status == 422


async def test_a_vin_with_i_o_or_q_is_rejected_as_invalid(simulator, token) -> None:
    vin = "WBY71AW010FP8721Q"
    assert (await add(simulator, token, {"vin": vin, "brand": "bmw"}))[0]["status"] == "pending"
    advance(simulator, APPROVAL_DELAY)
    item = await clearance(simulator, token, vin)
    assert _statuses(item) == [("pending", None), ("rejected", "invalid VIN")]


@pytest.mark.parametrize("brand", ["volkswagen", "audi", "skoda", "seat", "cupra"])
async def test_vw_group_brands_need_the_customer_name_tag(simulator, token, brand) -> None:
    await add(simulator, token, {"vin": VW_VIN, "brand": brand})
    named = {"vin": "WAUZZZF20PN012345", "brand": brand, "tags": {"vw-group-customer-name": "X"}}
    await add(simulator, token, named)
    advance(simulator, APPROVAL_DELAY)
    assert _statuses(await clearance(simulator, token, VW_VIN))[-1] == (
        "rejected",
        "customer name tag missing",
    )
    assert (await clearance(simulator, token, named["vin"]))["status"] == "approved"


@pytest.mark.parametrize("reason", REASONS)
async def test_a_scripted_rejection_with_each_reason(simulator, token, reason) -> None:
    await _outcome(simulator, BMW_I4_VIN, "reject", reason=reason)
    await add(simulator, token, {"vin": BMW_I4_VIN, "brand": "bmw"})
    advance(simulator, APPROVAL_DELAY)
    assert _statuses(await clearance(simulator, token, BMW_I4_VIN)) == [
        ("pending", None),
        ("rejected", reason),
    ]


async def test_a_rejection_without_a_reason_is_unspecified(simulator, token) -> None:
    await _outcome(simulator, BMW_I4_VIN, "reject", after=5)
    await add(simulator, token, {"vin": BMW_I4_VIN, "brand": "bmw"})
    advance(simulator, 5)
    assert _statuses(await clearance(simulator, token, BMW_I4_VIN))[-1] == (
        "rejected",
        "unspecified",
    )


async def test_privacy_mode_keeps_a_car_pending_then_rejects_it(simulator, token) -> None:
    await _outcome(simulator, VW_VIN, "privacy_mode")
    tags = {"vw-group-customer-name": "Fleet"}
    await add(simulator, token, {"vin": VW_VIN, "brand": "volkswagen", "tags": tags})
    advance(simulator, 3 * DAY - 1)
    pending = await clearance(simulator, token, VW_VIN)
    assert pending["status"] == "pending"
    assert _statuses(pending) == [("pending", None), ("pending", "privacy mode is enabled")]
    advance(simulator, 1)
    assert _statuses(await clearance(simulator, token, VW_VIN))[-1] == (
        "rejected",
        "privacy mode is enabled",
    )


async def test_a_scripted_car_stays_pending_with_its_reason(simulator, token) -> None:
    await add(simulator, token, {"vin": RENAULT_MEGANE_VIN, "brand": "renault"})
    answer = await _outcome(
        simulator, RENAULT_MEGANE_VIN, "pending", reason="VIN activation timeout"
    )
    assert answer["applied"] == ["production"]
    advance(simulator, 30 * DAY)
    item = await clearance(simulator, token, RENAULT_MEGANE_VIN)
    assert _statuses(item) == [("pending", None), ("pending", "VIN activation timeout")]
    await _outcome(simulator, RENAULT_MEGANE_VIN, "pending")
    assert len((await clearance(simulator, token, RENAULT_MEGANE_VIN))["changelog"]) == 2


async def test_a_scripted_error(simulator, token) -> None:
    await _outcome(simulator, BMW_I4_VIN, "error", after=10)
    await add(simulator, token, {"vin": BMW_I4_VIN, "brand": "bmw"})
    advance(simulator, 10)
    assert _statuses(await clearance(simulator, token, BMW_I4_VIN))[-1] == ("error", None)


async def test_a_scripted_refusal_answers_the_added_car_error(simulator, token) -> None:
    await _outcome(simulator, RENAULT_MEGANE_VIN, "refuse")
    answer = await add(simulator, token, {"vin": RENAULT_MEGANE_VIN, "brand": "renault"})
    assert answer == [
        {
            "vin": RENAULT_MEGANE_VIN,
            "status": "error",
            "description": "The vehicle can not be added to the fleet",
        }
    ]
    assert await (await api(simulator, "GET", FLEET, token)).json() == []
    await control(simulator, "DELETE", "/high_mobility/outcomes")
    assert (await add(simulator, token, {"vin": RENAULT_MEGANE_VIN, "brand": "renault"}))[0][
        "status"
    ] == "pending"
    answer = await _outcome(simulator, RENAULT_MEGANE_VIN, "refuse")
    assert answer["applied"] == []


async def test_the_owner_revokes_an_approved_car(simulator, token) -> None:
    await _outcome(simulator, BMW_I4_VIN, "revoke", after=3600)
    await add(simulator, token, {"vin": BMW_I4_VIN, "brand": "bmw"})
    advance(simulator, APPROVAL_DELAY)
    assert (await clearance(simulator, token, BMW_I4_VIN))["status"] == "approved"
    advance(simulator, 3600)
    assert _statuses(await clearance(simulator, token, BMW_I4_VIN)) == [
        ("pending", None),
        ("approved", None),
        ("revoked", None),
    ]


async def test_an_outcome_applies_to_a_car_already_in_the_fleet(simulator, token) -> None:
    await add(simulator, token, {"vin": BMW_I4_VIN, "brand": "bmw"})
    advance(simulator, APPROVAL_DELAY)
    answer = await _outcome(simulator, BMW_I4_VIN, "reject", reason="ineligible VIN")
    assert answer == {
        "vin": BMW_I4_VIN,
        "outcome": "reject",
        "reason": "ineligible VIN",
        "after": None,
        "applied": [],
    }
    answer = await _outcome(simulator, BMW_I4_VIN, "revoke")
    assert answer["applied"] == ["production"]
    advance(simulator, APPROVAL_DELAY)
    assert (await clearance(simulator, token, BMW_I4_VIN))["status"] == "revoked"
    answer = await _outcome(simulator, BMW_I4_VIN, "revoke")
    assert answer["applied"] == []


async def test_an_outcome_then_approves_as_told(simulator, token) -> None:
    await _outcome(simulator, BMW_I4_VIN, "approve", after=1)
    await add(simulator, token, {"vin": BMW_I4_VIN, "brand": "bmw"})
    advance(simulator, 1)
    assert (await clearance(simulator, token, BMW_I4_VIN))["status"] == "approved"
    await control(simulator, "DELETE", "/high_mobility/outcomes")
    state = await control(simulator, "GET", "/high_mobility")
    assert state["outcomes"] == {}


async def test_adding_a_car_again(simulator, token) -> None:
    await _outcome(simulator, BMW_I4_VIN, "reject", reason="ineligible VIN", after=1)
    await add(simulator, token, {"vin": BMW_I4_VIN, "brand": "bmw"})
    again = await add(simulator, token, {"vin": BMW_I4_VIN, "brand": "bmw", "tags": {"x": "y"}})
    assert again == [{"vin": BMW_I4_VIN, "status": "pending", "tags": {}}]
    advance(simulator, 1)
    await control(simulator, "DELETE", "/high_mobility/outcomes")
    anew = await add(simulator, token, {"vin": BMW_I4_VIN, "brand": "bmw", "tags": {"x": "y"}})
    assert anew == [{"vin": BMW_I4_VIN, "status": "pending", "tags": {"x": "y"}}]
    advance(simulator, APPROVAL_DELAY)
    assert _statuses(await clearance(simulator, token, BMW_I4_VIN)) == [
        ("pending", None),
        ("rejected", "ineligible VIN"),
        ("pending", None),
        ("approved", None),
    ]


async def test_removing_an_approved_car_revokes_it(simulator, token) -> None:
    await add(simulator, token, {"vin": BMW_I4_VIN, "brand": "bmw", "tags": {"t": "1"}})
    advance(simulator, APPROVAL_DELAY)
    response = await _delete(simulator, token, BMW_I4_VIN)
    assert response.status == 200
    assert await response.json() == {"vin": BMW_I4_VIN, "status": "revoking", "tags": {"t": "1"}}
    assert await errors(await _delete(simulator, token, BMW_I4_VIN)) == (
        409,
        [{"title": "Conflict", "detail": "Clearance is in transition mode", "source": "vin"}],
    )
    advance(simulator, 60)
    assert _statuses(await clearance(simulator, token, BMW_I4_VIN))[-2:] == [
        ("revoking", None),
        ("revoked", None),
    ]
    assert await errors(await _delete(simulator, token, BMW_I4_VIN)) == (
        409,
        [{"title": "Conflict", "detail": "Clearance is already removed", "source": "vin"}],
    )


@pytest.mark.parametrize("brand", sorted(CANCELABLE))
async def test_cancelable_brands_cancel_a_pending_car_after_a_day(simulator, token, brand) -> None:
    tags = {"vw-group-customer-name": "Fleet"}
    await _outcome(simulator, BMW_I4_VIN, "pending")
    await add(simulator, token, {"vin": BMW_I4_VIN, "brand": brand, "tags": tags})
    advance(simulator, DAY - 1)
    assert await errors(await _delete(simulator, token, BMW_I4_VIN)) == (
        422,
        [
            {
                "title": "too early",
                "detail": "the pending status could only be canceled after 1 day it's created",
                "source": "status",
            }
        ],
    )
    advance(simulator, 1)
    response = await _delete(simulator, token, BMW_I4_VIN)
    assert (await response.json())["status"] == "canceling"
    advance(simulator, 60)
    assert (await clearance(simulator, token, BMW_I4_VIN))["status"] == "canceled"


@pytest.mark.parametrize("brand", ["bmw", "mini", "renault", "ford", "toyota", "tesla", "sandbox"])
async def test_other_brands_cannot_cancel(simulator, token, brand) -> None:
    await _outcome(simulator, BMW_I4_VIN, "pending")
    await add(simulator, token, {"vin": BMW_I4_VIN, "brand": brand})
    advance(simulator, DAY)
    assert await errors(await _delete(simulator, token, BMW_I4_VIN)) == (
        422,
        [
            {
                "title": "not supported",
                "detail": "cancellation is not supported for this vin",
                "source": "vin",
            }
        ],
    )


async def test_an_unknown_vin_is_404(simulator, token) -> None:
    expected = (404, [{"title": "Not Found", "detail": "Clearance not found", "source": "vin"}])
    assert await errors(await _delete(simulator, token, BMW_I4_VIN)) == expected
    assert await errors(await api(simulator, "GET", f"{FLEET}/{BMW_I4_VIN}", token)) == expected


async def test_each_environment_has_its_own_fleet(simulator, token) -> None:
    sandbox = await access_token(simulator, "sandbox")
    await add(simulator, sandbox, {"vin": BMW_I4_VIN, "brand": "sandbox"}, environment="sandbox")
    assert await (await api(simulator, "GET", FLEET, token)).json() == []
    listed = await (await api(simulator, "GET", FLEET, sandbox, environment="sandbox")).json()
    assert [item["brand"] for item in listed] == ["sandbox"]
    state = await control(simulator, "GET", "/high_mobility")
    assert state["environments"]["sandbox"]["fleet"][0]["planned"] == [
        {"timestamp": isoformat(START + APPROVAL_DELAY), "status": "approved"}
    ]


@pytest.mark.parametrize(
    ("fault", "status", "words"),
    [
        (
            {"type": "FORBIDDEN", "code": "NO_FLEET"},
            403,
            {
                "title": "Forbidden",
                "detail": "This service account is not associated with a fleet.",
                "source": "Authorization",
            },
        ),
        (
            {"type": "TOO_MANY_REQUESTS", "code": None, "retry_after": 10},
            429,
            {"title": "Too many requests", "detail": "retry after 10s"},
        ),
        (
            {"type": "INTERNAL_SERVER_ERROR", "code": None},
            500,
            {"title": "Internal Server Error", "detail": "Please contact support"},
        ),
    ],
)
async def test_fleet_faults(simulator, token, fault, status, words) -> None:
    body = {"provider": "high_mobility", "path": FLEET, "times": 1, **fault}
    await control(simulator, "POST", "/errors", body)
    response = await api(simulator, "GET", FLEET, token)
    got_status, got = await errors(response)
    assert got_status == status
    assert {key: got[0][key] for key in words} == words
    if status == 429:
        assert response.headers["Retry-After"] == "10"
        assert got[0]["source"].startswith("fleet-manager-api:")
    assert (await api(simulator, "GET", FLEET, token)).status == 200


async def test_a_fault_on_one_clearance(simulator, token) -> None:
    await add(simulator, token, {"vin": BMW_I4_VIN, "brand": "bmw"})
    fault = {
        "provider": "high_mobility",
        "path": "/v1/fleets/vehicles/{vin}",
        "vehicle_id": BMW_I4_VIN,
        "type": "SERVICE_UNAVAILABLE",
        "code": None,
        "times": 1,
    }
    await control(simulator, "POST", "/errors", fault)
    assert (await _delete(simulator, token, BMW_I4_VIN)).status == 503
    assert (await clearance(simulator, token, BMW_I4_VIN))["status"] == "pending"
