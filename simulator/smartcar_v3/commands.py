"""Smartcar v3 commands: `POST /v3/vehicles/{id}/commands/...`, what each needs and does."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
import uuid

from simulator.clock import isoformat
from simulator.smartcar_v3.errors import SmartcarV3Error
from simulator.validation import BadRequestError, expect_int, expect_number
from simulator.vehicle import Location, Vehicle

type Parameters = dict[str, Any]


@dataclass(frozen=True)
class CommandSpec:
    """One command: its `commandType`, the permission and car capability it needs, what it does.

    `parse` checks the body (before anything reaches the car) and returns the parameters.
    """

    command_type: str
    permission: str
    capability: str
    run: Callable[[Vehicle, Parameters, float], None]
    parse: Callable[[Any], Parameters] = lambda _: {}


def invalid(detail: str) -> SmartcarV3Error:
    """Return a VALIDATION:PARAMETER error explaining what is wrong."""
    return SmartcarV3Error("VALIDATION", "PARAMETER", detail=detail)


def _attributes(body: Any) -> dict[str, Any]:
    data = body.get("data") if isinstance(body, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        raise invalid("data.attributes is required.")
    return attributes


def _field[T](attributes: dict[str, Any], name: str, check: Callable[[Any, str], T]) -> T:
    if name not in attributes:
        raise invalid(f"data.attributes.{name} is required.")
    try:
        return check(attributes[name], f"data.attributes.{name}")
    except BadRequestError as error:
        raise invalid(f"{error}.") from error


def _limit(body: Any) -> Parameters:
    percent = _field(_attributes(body), "percent", lambda v, n: expect_int(v, n, 50, 100))
    return {"percent": percent}


def _destination(body: Any) -> Parameters:
    attributes = _attributes(body)
    return {
        "latitude": _field(attributes, "latitude", lambda v, n: expect_number(v, n, -90, 90)),
        "longitude": _field(attributes, "longitude", lambda v, n: expect_number(v, n, -180, 180)),
    }


COMMANDS: dict[str, CommandSpec] = {
    "security/lock": CommandSpec(
        "security-lock", "control_security", "POST /security", lambda c, _, t: c.set_locked(True, t)
    ),
    "security/unlock": CommandSpec(
        "security-unlock",
        "control_security",
        "POST /security",
        lambda c, _, t: c.set_locked(False, t),
    ),
    "charge/start": CommandSpec(
        "charge-start", "control_charge", "POST /charge", lambda c, _, t: c.start_charging(t)
    ),
    "charge/stop": CommandSpec(
        "charge-stop", "control_charge", "POST /charge", lambda c, _, t: c.stop_charging(t)
    ),
    "charge/set-limit": CommandSpec(
        "charge-set-limit",
        "control_charge",
        "POST /charge/limit",
        lambda c, p, t: c.set_charge_limit(p["percent"] / 100, t),
        _limit,
    ),
    "navigation/set-destination": CommandSpec(
        "navigation-set-destination",
        "control_navigation",
        "POST /navigation/destination",
        lambda c, p, t: c.send_destination(Location(p["latitude"], p["longitude"]), t),
        _destination,
    ),
    "charge-port/open": CommandSpec(
        "charge-port-open",
        "control_charge",
        "POST /commands/charge-port",
        lambda c, _, t: c.set_charge_port(True, t),
    ),
    "charge-port/close": CommandSpec(
        "charge-port-close",
        "control_charge",
        "POST /commands/charge-port",
        lambda c, _, t: c.set_charge_port(False, t),
    ),
}


def execution(
    spec: CommandSpec, parameters: Parameters, started: float, finished: float, mode: str
) -> dict[str, Any]:
    """Return the command-execution body of a command that succeeded."""
    return {
        "data": {
            "id": f"exec_{uuid.uuid4().hex[:12]}",
            "type": "command-execution",
            "attributes": {
                "commandType": spec.command_type,
                "status": {"value": "SUCCESS"},
                "executionMode": mode,
                "parameters": parameters,
            },
            "meta": {
                "executedAt": isoformat(started),
                "completedAt": isoformat(finished),
                "durationInSeconds": round(finished - started),
            },
        }
    }
