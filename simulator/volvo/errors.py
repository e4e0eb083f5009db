"""Volvo Cars API errors: the catalogue of type/code, the error body and the quota text."""

from dataclasses import dataclass
from typing import Any

from aiohttp import web

# The description of the 403 answered once the application's daily quota is spent; clients detect
# quota exhaustion from its first sentence. `{replenished_in}` is HH:MM:SS until UTC midnight.
QUOTA_EXCEEDED_DESCRIPTION = (
    "Out of call volume quota. Quota will be replenished in {replenished_in}."
)
# A 403 for a scope the access token lacks names the scopes instead.
MISSING_SCOPE_DESCRIPTION = "The access token is missing a required scope: {scope}."
DEFAULT_RETRY_AFTER = 60


@dataclass(frozen=True)
class ErrorSpec:
    """What Volvo answers for one error type and code: status and `{message, description}`."""

    status: int
    message: str
    description: str


# Keyed like Smartcar's catalogue: (type, code). The seed's table gives the statuses.
CATALOGUE: dict[tuple[str, str | None], ErrorSpec] = {
    ("BAD_REQUEST", None): ErrorSpec(
        400,
        "Bad Request",
        "The request did not pass the validation rules or an invalid JSON payload was sent.",
    ),
    ("UNAUTHORIZED", None): ErrorSpec(
        401, "Unauthorized", "The access token is missing, invalid or expired."
    ),
    ("UNAUTHORIZED", "API_KEY"): ErrorSpec(
        401,
        "Unauthorized",
        "Access denied due to a missing or invalid vcc-api-key. Make sure to include a valid "
        "VCC API key when making requests to an API.",
    ),
    ("FORBIDDEN", "SCOPE"): ErrorSpec(403, "Forbidden", MISSING_SCOPE_DESCRIPTION),
    ("FORBIDDEN", "QUOTA"): ErrorSpec(403, "Forbidden", QUOTA_EXCEEDED_DESCRIPTION),
    ("NOT_FOUND", None): ErrorSpec(404, "Not Found", "The requested resource could not be found."),
    ("NOT_FOUND", "VEHICLE"): ErrorSpec(
        404, "Not Found", "The vehicle could not be found or is not connected to this user."
    ),
    ("NOT_FOUND", "RESOURCE"): ErrorSpec(
        404, "Not Found", "The requested resource is not supported by this vehicle."
    ),
    ("NOT_FOUND", "COMMAND"): ErrorSpec(
        404, "Not Found", "The requested command is not supported by this vehicle."
    ),
    ("METHOD_NOT_ALLOWED", None): ErrorSpec(
        405, "Method Not Allowed", "The HTTP method is not allowed for this resource."
    ),
    ("NOT_ACCEPTABLE", None): ErrorSpec(
        406, "Not Acceptable", "An invalid media type was sent in the Accept header."
    ),
    ("CONFLICT", None): ErrorSpec(
        409, "Conflict", "The request conflicts with the current state of the vehicle."
    ),
    ("UNSUPPORTED_MEDIA_TYPE", None): ErrorSpec(
        415, "Unsupported Media Type", "An invalid media type was sent in the Content-Type header."
    ),
    ("UNPROCESSABLE_ENTITY", None): ErrorSpec(
        422,
        "Unprocessable Entity",
        "The request passed the validation rules but failed against the business rules.",
    ),
    ("TOO_MANY_REQUESTS", None): ErrorSpec(
        429, "Too Many Requests", "Rate limit is exceeded. Try again later."
    ),
    ("INTERNAL_SERVER_ERROR", None): ErrorSpec(
        500, "Internal Server Error", "Something went wrong when processing the request."
    ),
    ("BAD_GATEWAY", None): ErrorSpec(
        502, "Bad Gateway", "Something went wrong when calling the vehicle's services."
    ),
    ("SERVICE_UNAVAILABLE", None): ErrorSpec(
        503, "SERVICE_UNAVAILABLE", "Not allowed, car is in use or asleep"
    ),
    ("GATEWAY_TIMEOUT", None): ErrorSpec(
        504,
        "Gateway Timeout",
        "The server did not receive a timely response from an upstream server.",
    ),
}


class VolvoApiError(Exception):
    """An error the API answers with; `status` overrides the catalogue's.

    `details` fill the description's placeholders (`scope`, `replenished_in`).
    """

    def __init__(
        self,
        error_type: str,
        code: str | None = None,
        *,
        status: int | None = None,
        retry_after: int | None = None,
        headers: dict[str, str] | None = None,
        **details: str,
    ) -> None:
        """Look the error up in the catalogue (KeyError for an unknown type/code)."""
        super().__init__(f"{error_type}:{code}")
        self.spec = CATALOGUE[error_type, code]
        self.status = status or self.spec.status
        if retry_after is None and self.status == 429:
            retry_after = DEFAULT_RETRY_AFTER
        self.retry_after = retry_after
        self.extra_headers = headers or {}
        self.details = details

    def body(self) -> dict[str, Any]:
        """Return `{"error": {message, description}}`."""
        description = self.spec.description.format_map(self.details)
        return {"error": {"message": self.spec.message, "description": description}}

    def response(self) -> web.Response:
        """Return the error as an HTTP response."""
        headers = dict(self.extra_headers)
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return web.json_response(self.body(), status=self.status, headers=headers)
