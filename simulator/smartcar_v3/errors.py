"""Smartcar v3 errors: v2's catalogue of type and code, in v3's body (`title` and `detail`)."""

from typing import Any

from aiohttp import web

from simulator.smartcar.errors import (
    CATALOGUE as V2_CATALOGUE,
    DEFAULT_RETRY_AFTER,
    TEMPORARY,
    ErrorSpec,
    doc_url,
)

# v2's table, plus the codes v3 answers besides (seen live, see the v3 reference).
CATALOGUE: dict[tuple[str, str | None], ErrorSpec] = {
    **V2_CATALOGUE,
    ("VALIDATION", "MISSING_PARAMETER"): ErrorSpec(
        400, "A required parameter is missing from the request.", TEMPORARY
    ),
    ("RESOURCE_NOT_FOUND", "SIGNAL_NOT_FOUND"): ErrorSpec(
        404, "The requested signal does not exist.", TEMPORARY
    ),
    ("PERMISSION", "UNKNOWN"): V2_CATALOGUE["PERMISSION", None],
}
# What a signal in error says about its resolution when the catalogue has none.
UNKNOWN_RESOLUTION = "UNKNOWN_RESOLUTION_TYPE"


def title(error_type: str, code: str | None) -> str:
    """Smartcar's title of an error: its code (else its type) in words, `Not Charging`."""
    return (code or error_type).replace("_", " ").title()


class SmartcarV3Error(Exception):
    """An error the v3 API answers with; `status` overrides the catalogue's."""

    def __init__(
        self,
        error_type: str,
        code: str | None = None,
        *,
        status: int | None = None,
        retry_after: int | None = None,
        detail: str | None = None,
    ) -> None:
        """Look the error up in the catalogue (KeyError for an unknown type/code)."""
        super().__init__(f"{error_type}:{code}")
        self.spec = CATALOGUE[error_type, code]
        self.type = error_type
        self.code = code
        self.status = status or self.spec.status
        if retry_after is None and error_type == "RATE_LIMIT":
            retry_after = DEFAULT_RETRY_AFTER
        self.retry_after = retry_after
        self.detail = detail

    def headers(self) -> dict[str, str]:
        """Return extra headers: `Retry-After` when the client should wait."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}

    def body(self, request_id: str, application_id: str, vehicle_id: str) -> dict[str, Any]:
        """Return the v3 error object (`description` is retired in favour of `detail`)."""
        spec = self.spec
        resolution: dict[str, str | None] = {"type": spec.resolution}
        if spec.resolution_url:
            resolution["url"] = spec.resolution_url.format(
                client_id=application_id, vehicle_id=vehicle_id
            )
        return {
            "type": self.type,
            "code": self.code,
            "title": title(self.type, self.code),
            "detail": self.detail or spec.description,
            "status": str(self.status),
            "resolution": resolution,
            "suggestedUserMessage": spec.suggested_user_message,
            "links": {"about": doc_url(self.type, self.code)},
            "meta": {"requestId": request_id},
        }

    def response(self, request_id: str, application_id: str, vehicle_id: str) -> web.Response:
        """Return the error as an HTTP response."""
        return web.json_response(
            self.body(request_id, application_id, vehicle_id),
            status=self.status,
            headers=self.headers(),
        )


def signal_error(error_type: str, code: str | None) -> dict[str, Any]:
    """Return the `status.error` of a signal in error, as the live API words it."""
    spec = CATALOGUE[error_type, code]
    return {
        "type": error_type,
        "code": code,
        "title": title(error_type, code),
        "detail": spec.description,
        "description": "Deprecated. Use detail",
        "resolution": {"type": spec.resolution or UNKNOWN_RESOLUTION},
    }
