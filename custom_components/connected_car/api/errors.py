"""Errors raised by the provider clients, with a provider-neutral kind beside the provider's own words."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum, auto
import math


class ErrorKind(StrEnum):
    """What an error means, whichever provider raised it."""

    AUTHENTICATION = auto()  # the account's tokens are refused: the user must log in again
    # The application's own credentials (client id or secret) are refused: whoever set up the
    # application must fix them; no login of the user helps.
    APPLICATION_CREDENTIALS = auto()
    ACCOUNT_ACTION = auto()  # the owner must act in the maker's account or app
    VIRTUAL_KEY = auto()  # commands need the maker's virtual key; reads keep working
    PERMISSION = auto()  # the grant lacks a permission for this data or command
    RATE_LIMITED = auto()  # too many requests for now: wait as long as the provider says
    QUOTA_EXHAUSTED = auto()  # the call quota of the period is spent: wait until it renews
    BILLING = auto()  # the provider account's plan
    UNREACHABLE = auto()  # the car is asleep or offline: its last values stand
    UNSUPPORTED = auto()  # the car or the provider cannot give this data or do this
    REFUSED = auto()  # the car refused a command in its current state
    TRANSIENT = auto()  # provider or network trouble: try again later


# Why a car refused a command, in neutral words; each provider maps its own codes onto these.
REFUSAL_REASONS = frozenset(
    {
        "asleep",
        "charge_fault",
        "charging_in_progress",
        "charging_plug_connected",
        "charging_plug_not_connected",
        "door_open",
        "fully_charged",
        "hood_open",
        "ignition_on",
        "in_motion",
        "low_battery",
        "not_charging",
        "remote_access_disabled",
        "trunk_open",
        "unreachable",
        "vehicle_offline_for_service",
    }
)


def parse_retry_after(value: str | None) -> int | None:
    """An HTTP Retry-After header in seconds from now: given as seconds, or as an HTTP date."""
    if value is None:
        return None
    if (seconds := value.strip()).isascii() and seconds.isdecimal():  # not "²", which isdigit()
        # Past 18 digits it is for ever: int() refuses 4,300 digits, and callers cut it to a day.
        return int(seconds) if len(seconds) <= 18 else 10**18
    try:
        moment = parsedate_to_datetime(value)
    except TypeError, ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return max(0, math.ceil((moment - datetime.now(UTC)).total_seconds()))


class ApiError(Exception):
    """Base class of every error a provider client raises."""

    kind = ErrorKind.TRANSIENT


class CommunicationError(ApiError):
    """The provider could not be reached or answered something unreadable (timeouts, bad JSON)."""


@dataclass(frozen=True, kw_only=True)
class ErrorDetails:
    """What a provider said about a failed request, kept as the provider said it, and its kind."""

    provider: str
    kind: ErrorKind
    type: str
    code: str | None = None
    status: int | None = None
    reason: str | None = None  # one of REFUSAL_REASONS, for a refused command
    description: str | None = None
    resolution_type: str | None = None
    resolution_url: str | None = None
    suggested_user_message: str | None = None
    doc_url: str | None = None
    request_id: str | None = None
    retry_after: int | None = None
    source: str | None = None  # what the provider blames: a field, a header or a data property


class ProviderError(ApiError):
    """The provider answered a request with an error."""

    def __init__(self, details: ErrorDetails) -> None:
        """Keep the provider's details; the message names type and code only, never secrets."""
        self.details = details
        super().__init__(f"{details.provider} {details.type}:{details.code} ({details.status})")

    @property
    def kind(self) -> ErrorKind:  # type: ignore[override]
        """What the error means."""
        return self.details.kind

    @property
    def type(self) -> str:
        """The provider's error type, e.g. VEHICLE_STATE."""
        return self.details.type

    @property
    def code(self) -> str | None:
        """The provider's error code, e.g. IN_MOTION."""
        return self.details.code


@contextmanager
def expected_shape(provider: str) -> Iterator[None]:
    """Turn an answer of an unexpected shape into a CommunicationError naming provider."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise CommunicationError(
            f"{provider} answered in an unexpected shape ({type(err).__name__})"
        ) from err
