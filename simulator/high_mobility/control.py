"""Control API for High Mobility under `/_simulator/high_mobility`: fleets, outcomes, failures."""

from collections.abc import Awaitable, Callable

from aiohttp import web

from simulator.high_mobility.data import FAILURE_REASONS, PROPERTIES, PropertyFailure
from simulator.high_mobility.fleet import (
    FAIL,
    OUTCOMES,
    REASONS,
    REJECT,
    STAY_PENDING,
    VIN,
    Outcome,
)
from simulator.state import state_of
from simulator.validation import (
    BadRequestError,
    expect_choice,
    expect_int,
    expect_number,
    expect_object,
    read_json,
)

MAX_AFTER = 10 * 365 * 86400
# Outcomes that take a reason, and which reasons.
REASONED = (REJECT, STAY_PENDING, FAIL)


async def get_state(request: web.Request) -> web.Response:
    """`GET /high_mobility`: per environment tokens issued, requests of the minute and the fleet."""
    state = state_of(request)
    now, cloud = state.clock.now(), state.high_mobility
    return web.json_response(
        {
            "environments": {name: app.to_json(now) for name, app in cloud.environments.items()},
            "outcomes": {vin: outcome.to_json() for vin, outcome in cloud.outcomes.items()},
        }
    )


async def set_outcome(request: web.Request) -> web.Response:
    """`POST /high_mobility/outcomes {vin, outcome, reason?, after?}`: how the VIN's clearance goes.

    Kept for the VIN (it applies whenever the VIN is added) and applied at once to the VIN's
    clearance in each environment where it fits; 201 `{..., applied: [environments]}`.
    """
    state = state_of(request)
    body = expect_object(await read_json(request), "outcome", ("vin", "outcome", "reason", "after"))
    vin = body.get("vin")
    if not isinstance(vin, str) or not VIN.fullmatch(vin):
        raise BadRequestError("vin must be 17 characters without I, O or Q")
    kind = expect_choice(body.get("outcome"), "outcome", OUTCOMES)
    reason = body.get("reason")
    if reason is not None and kind not in REASONED:
        raise BadRequestError(f"outcome {kind} takes no reason")
    if reason is not None:
        reason = expect_choice(reason, "reason", REASONS)
    after = body.get("after")
    outcome = Outcome(
        kind, reason, None if after is None else expect_number(after, "after", 0, MAX_AFTER)
    )
    cloud, now = state.high_mobility, state.clock.now()
    cloud.outcomes[vin] = outcome
    applied = [
        name for name, app in cloud.environments.items() if app.fleet.script(vin, outcome, now)
    ]
    return web.json_response({"vin": vin, **outcome.to_json(), "applied": applied}, status=201)


async def clear_outcomes(request: web.Request) -> web.Response:
    """`DELETE /high_mobility/outcomes`: new clearances are approved after the delay again."""
    state_of(request).high_mobility.outcomes.clear()
    return web.json_response({"status": "cleared"})


async def add_failure(request: web.Request) -> web.Response:
    """`POST /high_mobility/failures {property, reason, description?, vin?, times?}`: 201."""
    state = state_of(request)
    body = expect_object(
        await read_json(request), "failure", ("property", "reason", "description", "vin", "times")
    )
    name = expect_choice(body.get("property"), "property", PROPERTIES)
    reason = expect_choice(body.get("reason"), "reason", FAILURE_REASONS)
    description = body.get("description", FAILURE_REASONS[reason])
    if not isinstance(description, str):
        raise BadRequestError("description must be a string")
    vin, times = body.get("vin"), body.get("times")
    car = state.vehicles.get(vin) if isinstance(vin, str) else None
    if vin is not None and (car is None or car.provider != "high_mobility"):
        raise BadRequestError("vin must be a High Mobility car's VIN")
    failure = PropertyFailure(
        property=name,
        reason=reason,
        description=description,
        vin=vin,
        times=None if times is None else expect_int(times, "times", 1, 1_000_000),
    )
    state.high_mobility.failures.add(failure)
    return web.json_response(failure.to_json(), status=201)


async def clear_failures(request: web.Request) -> web.Response:
    """`DELETE /high_mobility/failures`: every property answers data again."""
    state_of(request).high_mobility.failures.clear()
    return web.json_response({"status": "cleared"})


ROUTES: list[tuple[str, str, Callable[[web.Request], Awaitable[web.Response]]]] = [
    ("GET", "/high_mobility", get_state),
    ("POST", "/high_mobility/outcomes", set_outcome),
    ("DELETE", "/high_mobility/outcomes", clear_outcomes),
    ("POST", "/high_mobility/failures", add_failure),
    ("DELETE", "/high_mobility/failures", clear_failures),
]
