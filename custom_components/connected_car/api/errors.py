"""Errors raised by the provider clients."""

from __future__ import annotations

from dataclasses import dataclass


class ApiError(Exception):
    """Base class of every error a provider client raises."""


class CommunicationError(ApiError):
    """The provider could not be reached or answered something unreadable (timeouts, bad JSON)."""


@dataclass(frozen=True, kw_only=True)
class ErrorDetails:
    """What a provider said about a failed request, kept as the provider said it."""

    provider: str
    type: str
    code: str | None = None
    status: int | None = None
    description: str | None = None
    resolution_type: str | None = None
    resolution_url: str | None = None
    suggested_user_message: str | None = None
    doc_url: str | None = None
    request_id: str | None = None
    retry_after: int | None = None


class ProviderError(ApiError):
    """The provider answered a request with an error."""

    def __init__(self, details: ErrorDetails) -> None:
        """Keep the provider's details; the message names type and code only, never secrets."""
        self.details = details
        super().__init__(f"{details.provider} {details.type}:{details.code} ({details.status})")

    @property
    def type(self) -> str:
        """The provider's error type, e.g. VEHICLE_STATE."""
        return self.details.type

    @property
    def code(self) -> str | None:
        """The provider's error code, e.g. IN_MOTION."""
        return self.details.code
