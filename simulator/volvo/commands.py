"""Volvo commands: what each does to the car, invoke statuses and the ones forced by the control API."""

from dataclasses import asdict, dataclass
from typing import Any

from simulator.vehicle import Refusal, Vehicle, VehicleRefusedError
from simulator.volvo.errors import VolvoApiError

MAX_RUNTIME_MINUTES = 15
# Every invoke status Volvo documents (both spellings of the seed's and the API's), with a message.
INVOKE_STATUSES = {
    "WAITING": "The command is waiting to be sent to the vehicle.",
    "RUNNING": "The command is being run by the vehicle.",
    "COMPLETED": "",
    "REJECTED": "The vehicle rejected the command.",
    "UNKNOWN": "The outcome of the command is unknown.",
    "TIMEOUT": "The command timed out.",
    "CONNECTION_FAILURE": "The vehicle could not be reached.",
    "VEHICLE_IN_SLEEP": "The vehicle is in sleep mode.",
    "UNLOCK_TIME_FRAME_PASSED": "The vehicle was not unlocked within the given time frame.",
    "UNABLE_TO_LOCK_DOOR_OPEN": "Unable to lock the vehicle: a door is open.",
    "EXPIRED": "The command expired before the vehicle ran it.",
    "SENT": "The command was sent to the vehicle.",
    "NOT_SUPPORTED": "The vehicle does not support the command.",
    "CAR_IN_SLEEP_MODE": "The vehicle is in sleep mode.",
    "DELIVERED": "The command was delivered to the vehicle.",
    "DELIVERY_TIMEOUT": "The command could not be delivered in time.",
    "SUCCESS": "",
    "CAR_TIMEOUT": "The vehicle did not answer in time.",
    "CAR_ERROR": "The vehicle reported an error.",
    "NOT_ALLOWED_PRIVACY_ENABLED": "Not allowed: the vehicle has privacy mode enabled.",
    "NOT_ALLOWED_WRONG_USAGE_MODE": "Not allowed: the vehicle is in use.",
    "INVOCATION_SPECIFIC_ERROR": "The command failed.",
    "VEHICLE_REQUEST_TIMEOUT": "Timeout sending the request to the vehicle.",
    "VEHICLE_RESPONSE_TIMEOUT": "Timeout waiting for a response from the vehicle.",
    "VEHICLE_RESPONSE_ERROR": "The vehicle answered with an error.",
    "VEHICLE_IN_SLEEP_MODE": "The vehicle is in sleep mode.",
    "PRIVACY_POLICY_ENABLED": "The vehicle has privacy policy enabled.",
}
# Statuses after which the car has done what was asked.
SUCCESSFUL = frozenset({"COMPLETED", "DELIVERED", "SUCCESS"})
# How the car's refusals read as invoke statuses.
REFUSALS = {
    Refusal.ASLEEP: "VEHICLE_IN_SLEEP",
    Refusal.DOOR_OPEN: "UNABLE_TO_LOCK_DOOR_OPEN",
    Refusal.TRUNK_OPEN: "UNABLE_TO_LOCK_DOOR_OPEN",
    Refusal.IN_MOTION: "NOT_ALLOWED_WRONG_USAGE_MODE",
}


@dataclass
class ForcedStatus:
    """An invoke status the next matching command answers (`times` None: until cleared)."""

    status: str
    vehicle_id: str | None = None
    command: str | None = None
    times: int | None = 1

    def matches(self, vehicle_id: str, command: str) -> bool:
        """Tell whether a command to a car is affected."""
        return self.vehicle_id in (None, vehicle_id) and self.command in (None, command)

    def to_json(self) -> dict[str, Any]:
        """Return it as the control API shows it."""
        return asdict(self)


class ForcedStatuses:
    """Invoke statuses forced through the control API, checked in the order they were added."""

    def __init__(self) -> None:
        """Start with none."""
        self._forced: list[ForcedStatus] = []

    def add(self, forced: ForcedStatus) -> None:
        """Force a status on the next matching commands."""
        self._forced.append(forced)

    def clear(self) -> None:
        """Let commands answer naturally again."""
        self._forced.clear()

    def take(self, vehicle_id: str, command: str) -> str | None:
        """Return the status forced on this command, using up one of its times."""
        for forced in self._forced:
            if forced.matches(vehicle_id, command):
                if forced.times is not None:
                    forced.times -= 1
                    if forced.times == 0:
                        self._forced.remove(forced)
                return forced.status
        return None


def runtime_minutes(command: str, body: Any) -> int:
    """Validate a command's body (null or an object); return engine-start's `runtimeMinutes`."""
    if body is None:
        return MAX_RUNTIME_MINUTES
    if not isinstance(body, dict):
        raise VolvoApiError("BAD_REQUEST")
    minutes = body.get("runtimeMinutes", MAX_RUNTIME_MINUTES) if command == "engine-start" else 0
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise VolvoApiError("BAD_REQUEST")
    if not 0 <= minutes <= MAX_RUNTIME_MINUTES:
        raise VolvoApiError("BAD_REQUEST")
    return minutes


def invoke(
    vehicle: Vehicle, command: str, minutes: int, now: float, forced: str | None
) -> dict[str, Any]:
    """Run a command on the car; answer `{vin, invokeStatus, message}`.

    A forced failure leaves the car alone; a forced success applies the command if the car can.
    """
    if forced is not None and forced not in SUCCESSFUL:
        status = forced
    else:
        try:
            vehicle.ensure_awake()
            _apply(vehicle, command, minutes, now)
            status = forced or "COMPLETED"
        except VehicleRefusedError as refusal:
            status = forced or REFUSALS.get(refusal.reason, "REJECTED")
    return {"vin": vehicle.vin, "invokeStatus": status, "message": INVOKE_STATUSES[status]}


def _apply(vehicle: Vehicle, command: str, minutes: int, now: float) -> None:
    vehicle.advance(now)
    volvo = vehicle.state.volvo
    assert volvo is not None
    if command in ("lock", "lock-reduced-guard", "unlock"):
        vehicle.set_locked(command != "unlock", now)
        return
    if command == "engine-start":
        volvo.engine_running, volvo.engine_stops_at = True, now + minutes * 60
    elif command == "engine-stop":
        volvo.engine_running, volvo.engine_stops_at = False, None
    elif command.startswith("climatization-"):
        volvo.climatizing = command == "climatization-start"
    else:  # honk, flash, honk-flash: nothing to keep
        return
    vehicle.state.updated_at = now
