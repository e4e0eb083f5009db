"""High Mobility errors: the catalogue of type/code and the `{errors: [{title, detail, source}]}` body."""

from dataclasses import dataclass
from typing import Any
import uuid

from aiohttp import web

DEFAULT_RETRY_AFTER = 60


@dataclass(frozen=True)
class ErrorSpec:
    """What High Mobility answers for one error: status, title, detail and the source it blames."""

    status: int
    title: str
    detail: str
    source: str | None = None


# Keyed like the other providers' catalogues: (type, code). Titles and details are the documented
# examples of the Fleet Clearance and Vehicle Data specifications; `{retry_after}` and
# `{request_id}` are filled in when answering.
CATALOGUE: dict[tuple[str, str | None], ErrorSpec] = {
    ("NOT_AUTHORIZED", None): ErrorSpec(401, "Not Authorized", "Invalid token"),
    ("NOT_AUTHORIZED", "MISSING_HEADER"): ErrorSpec(
        401, "Not Authorized", "Missing or invalid authorization header", "Authorization"
    ),
    ("NOT_AUTHORIZED", "INVALID_JWT"): ErrorSpec(401, "Not Authorized", "Invalid JWT Payload"),
    ("NOT_AUTHORIZED", "CONSENT_REMOVED"): ErrorSpec(
        401, "Not Authorized", "Consent is removed by OEM"
    ),
    ("FORBIDDEN", "NO_CONSENT"): ErrorSpec(403, "Forbidden", "No active consent for this vehicle"),
    ("FORBIDDEN", "PRIVACY_MODE"): ErrorSpec(403, "Forbidden", "Privacy mode is active"),
    ("FORBIDDEN", "NO_FLEET"): ErrorSpec(
        403, "Forbidden", "This service account is not associated with a fleet.", "Authorization"
    ),
    ("NOT_FOUND", None): ErrorSpec(404, "Not Found", "Given resource not found"),
    ("NOT_FOUND", "CLEARANCE"): ErrorSpec(404, "Not Found", "Clearance not found", "vin"),
    ("REQUEST_TIMEOUT", None): ErrorSpec(408, "Request Timeout", "Vehicle is offline or asleep"),
    ("CONFLICT", "ALREADY_REMOVED"): ErrorSpec(
        409, "Conflict", "Clearance is already removed", "vin"
    ),
    ("CONFLICT", "IN_TRANSITION"): ErrorSpec(
        409, "Conflict", "Clearance is in transition mode", "vin"
    ),
    ("PENDING", None): ErrorSpec(422, "Pending", "Vehicle data is not available yet"),
    ("NOT_SUPPORTED", None): ErrorSpec(
        422, "not supported", "cancellation is not supported for this vin", "vin"
    ),
    ("TOO_EARLY", None): ErrorSpec(
        422,
        "too early",
        "the pending status could only be canceled after 1 day it's created",
        "status",
    ),
    ("INVALID_INPUT", None): ErrorSpec(
        422, "Invalid input", "vehicles must be a list of objects with vin and brand", "vehicles"
    ),
    ("TOO_MANY_REQUESTS", None): ErrorSpec(429, "Too Many Requests", "Rate limit exceeded"),
    ("TOO_MANY_REQUESTS", "FLEET"): ErrorSpec(
        429, "Too many requests", "retry after {retry_after}s", "fleet-manager-api:{request_id}"
    ),
    ("INTERNAL_SERVER_ERROR", None): ErrorSpec(
        500, "Internal Server Error", "Please contact support"
    ),
    ("BAD_GATEWAY", None): ErrorSpec(502, "Bad Gateway", "Failure when fetching data from OEM"),
    ("SERVICE_UNAVAILABLE", None): ErrorSpec(
        503, "Service Unavailable", "Failure when fetching data from OEM"
    ),
    ("GATEWAY_TIMEOUT", None): ErrorSpec(
        504, "Timeout", "OEM didn't response in the expected time"
    ),
}


class HighMobilityError(Exception):
    """An error the API answers with; `status` overrides the catalogue's."""

    def __init__(
        self,
        error_type: str,
        code: str | None = None,
        *,
        status: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Look the error up in the catalogue (KeyError for an unknown type/code)."""
        super().__init__(f"{error_type}:{code}")
        self.spec = CATALOGUE[error_type, code]
        self.status = status or self.spec.status
        if retry_after is None and self.status == 429:
            retry_after = DEFAULT_RETRY_AFTER
        self.retry_after = retry_after

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        """Return `{errors: [{title, detail, source?}], request_id?}`."""
        words = {"retry_after": self.retry_after, "request_id": request_id or uuid.uuid4()}
        error = {"title": self.spec.title, "detail": self.spec.detail.format_map(words)}
        if self.spec.source is not None:
            error["source"] = self.spec.source.format_map(words)
        body: dict[str, Any] = {"errors": [error]}
        if request_id is not None:
            body["request_id"] = request_id
        return body

    def response(self, request_id: str | None = None) -> web.Response:
        """Return the error as an HTTP response."""
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        return web.json_response(self.body(request_id), status=self.status, headers=headers)
