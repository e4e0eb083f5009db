"""What each provider error means for Home Assistant: one table, and the errors commands raise."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum, auto

from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .api.errors import ApiError, ProviderError
from .const import DOMAIN


class Behaviour(StrEnum):
    """How the integration answers an error."""

    REAUTHENTICATE = auto()  # the account's tokens are refused: the reauth flow
    ACCOUNT_ACTION = auto()  # the owner must act in the maker's account: a repair saying what
    NEEDS_VIRTUAL_KEY = auto()  # commands need the maker's virtual key; reads keep working
    MISSING_PERMISSION = auto()  # the grant lacks a permission: its entities unavailable, a repair
    RATE_LIMITED = auto()  # wait as long as the provider says; no reauth, no repair unless it lasts
    BUDGET_USED_UP = auto()  # the car's monthly calls are spent: pause polling until they renew
    BILLING = auto()  # the provider account's plan: a repair
    CAR_UNREACHABLE = auto()  # asleep or offline: keep the last values, shown as stale
    UNSUPPORTED = auto()  # the car cannot give this data: never ask for it again
    REFUSED = auto()  # the car refused a command in its current state
    RETRY = auto()  # provider or network trouble: retry with exponential backoff


# (type, code) -> behaviour; (type, None) covers the type's other codes. Unknown types: RETRY.
BEHAVIOURS: dict[tuple[str, str | None], Behaviour] = {
    ("AUTHENTICATION", None): Behaviour.REAUTHENTICATE,
    ("CONNECTED_SERVICES_ACCOUNT", None): Behaviour.ACCOUNT_ACTION,
    ("CONNECTED_SERVICES_ACCOUNT", "VIRTUAL_KEY_REQUIRED"): Behaviour.NEEDS_VIRTUAL_KEY,
    ("PERMISSION", None): Behaviour.MISSING_PERMISSION,
    ("RATE_LIMIT", None): Behaviour.RATE_LIMITED,
    ("BILLING", None): Behaviour.BILLING,
    ("BILLING", "VEHICLE_REQUEST_LIMIT"): Behaviour.BUDGET_USED_UP,
    ("VEHICLE_STATE", None): Behaviour.REFUSED,
    ("VEHICLE_STATE", "ASLEEP"): Behaviour.CAR_UNREACHABLE,
    ("VEHICLE_STATE", "UNREACHABLE"): Behaviour.CAR_UNREACHABLE,
    ("VEHICLE_STATE", "VEHICLE_OFFLINE_FOR_SERVICE"): Behaviour.CAR_UNREACHABLE,
    ("VALIDATION", None): Behaviour.REFUSED,
    ("COMPATIBILITY", None): Behaviour.UNSUPPORTED,
    ("RESOURCE_NOT_FOUND", None): Behaviour.UNSUPPORTED,
    ("UPSTREAM", None): Behaviour.RETRY,
    ("SERVER", None): Behaviour.RETRY,
}

# VEHICLE_STATE codes whose refusal of a command has its own translated message.
VEHICLE_STATE_CODES = frozenset(
    {
        "ASLEEP",
        "CHARGE_FAULT",
        "CHARGING_IN_PROGRESS",
        "CHARGING_PLUG_CONNECTED",
        "CHARGING_PLUG_NOT_CONNECTED",
        "DOOR_OPEN",
        "FULLY_CHARGED",
        "HOOD_OPEN",
        "IGNITION_ON",
        "IN_MOTION",
        "LOW_BATTERY",
        "NOT_CHARGING",
        "REMOTE_ACCESS_DISABLED",
        "TRUNK_OPEN",
        "UNREACHABLE",
        "VEHICLE_OFFLINE_FOR_SERVICE",
    }
)


def behaviour_of(err: ApiError) -> Behaviour:
    """The behaviour the table gives err; transport failures and unknown errors are retried."""
    if not isinstance(err, ProviderError):
        return Behaviour.RETRY
    return BEHAVIOURS.get((err.type, err.code), BEHAVIOURS.get((err.type, None), Behaviour.RETRY))


def next_month(now: datetime) -> datetime:
    """When a monthly call budget renews: the first of the next month, UTC."""
    first = now.astimezone(dt_util.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


def command_error(err: ApiError) -> HomeAssistantError:
    """The translated error a refused or failed command raises."""
    if not isinstance(err, ProviderError):
        return _error("communication_error")
    if err.type == "VEHICLE_STATE" and err.code in VEHICLE_STATE_CODES:
        return _error(f"vehicle_state_{err.code.lower()}")
    details = err.details
    match behaviour_of(err):
        case Behaviour.REAUTHENTICATE:
            return _error("authentication_failed")
        case Behaviour.NEEDS_VIRTUAL_KEY:
            return _error("virtual_key_required", url=details.resolution_url or "")
        case Behaviour.UNSUPPORTED:
            return _error("not_supported")
        case Behaviour.MISSING_PERMISSION:
            return _error("command_not_permitted")
        case Behaviour.RATE_LIMITED:
            return _error("rate_limited", seconds=str(details.retry_after or 60))
        case Behaviour.BUDGET_USED_UP:
            return _error("budget_used_up", renews=next_month(dt_util.utcnow()).date().isoformat())
    return _error(
        "command_failed",
        type=err.type,
        code=err.code or "-",
        message=details.suggested_user_message or details.description or "",
    )


def _error(translation_key: str, **placeholders: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=placeholders or None,
    )
