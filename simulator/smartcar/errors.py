"""Smartcar v2.0 API errors: the catalogue of type/code and the error body."""

from dataclasses import dataclass
from typing import Any

from aiohttp import web

DOCS = "https://smartcar.com/docs/errors/api-errors"
RECONNECT = (
    "Your car got disconnected from <app name>. Please use this link to re-connect your car: "
    "<link to Smartcar Connect>."
)
TEMPORARY = (
    "Your car is temporarily unable to connect to <app name>. "
    "Please be patient while we're working to resolve this issue."
)
NOT_CAPABLE = "Your car is unable to perform this request."
DEFAULT_RETRY_AFTER = 60


@dataclass(frozen=True)
class ErrorSpec:
    """What Smartcar answers for one error type and code."""

    status: int
    description: str
    suggested_user_message: str
    resolution: str | None = None
    resolution_url: str | None = None


def _state(description: str, message: str, resolution: str | None = None) -> ErrorSpec:
    return ErrorSpec(409, description, message, resolution)


# Texts of CONNECTED_SERVICES_ACCOUNT follow Smartcar's error guide word for word.
CATALOGUE: dict[tuple[str, str | None], ErrorSpec] = {
    ("AUTHENTICATION", None): ErrorSpec(
        401,
        "The authorization header is missing or the access token is invalid or expired.",
        RECONNECT,
        "REAUTHENTICATE",
    ),
    ("PERMISSION", None): ErrorSpec(
        403,
        "Your application has insufficient permissions to access the requested resource. "
        "Please prompt the user to re-authenticate using Smartcar Connect.",
        RECONNECT,
        "REAUTHENTICATE",
    ),
    ("RESOURCE_NOT_FOUND", "PATH"): ErrorSpec(
        404, "The requested resource does not exist. Please check the URL and try again.", TEMPORARY
    ),
    ("RESOURCE_NOT_FOUND", "VERSION"): ErrorSpec(
        404, "The requested API version does not exist. Please use version 2.0.", TEMPORARY
    ),
    ("VALIDATION", None): ErrorSpec(
        400,
        "Request invalid or malformed. Please check for missing parameters, spelling and casing "
        "mistakes, and other syntax issues.",
        TEMPORARY,
    ),
    ("VALIDATION", "PARAMETER"): ErrorSpec(
        400,
        "Your request contains an invalid parameter. Please check the detail for the parameter "
        "and try again.",
        TEMPORARY,
    ),
    ("CONNECTED_SERVICES_ACCOUNT", "ACCOUNT_ISSUE"): ErrorSpec(
        400,
        "Action needed in the user\u2019s connected services account. Please prompt the user to log "
        "into their connected services account and complete any outstanding tasks.",
        "Action required in your connected services account. Please log into your connected "
        "services app or web portal and complete any outstanding tasks (e.g. finish activating "
        "your account or accept the Terms of Service).",
    ),
    ("CONNECTED_SERVICES_ACCOUNT", "AUTHENTICATION_FAILED"): ErrorSpec(
        400,
        "Smartcar was unable to authenticate with the user\u2019s connected services account. Please "
        "prompt the user to re-authenticate using Smartcar Connect.",
        RECONNECT,
        "REAUTHENTICATE",
        "https://connect.smartcar.com/oauth/reauthenticate?response_type=vehicle_id"
        "&client_id={client_id}&vehicle_id={vehicle_id}",
    ),
    ("CONNECTED_SERVICES_ACCOUNT", "NO_VEHICLES"): ErrorSpec(
        400,
        "No vehicles found in the user\u2019s connected services account. Please prompt the user to "
        "add their vehicle to their connected services account and re-authenticate using "
        "Smartcar Connect.",
        RECONNECT,
    ),
    ("CONNECTED_SERVICES_ACCOUNT", "PERMISSION"): ErrorSpec(
        400,
        "The vehicle owner has revoked Smartcar\u2019s access to their OEM account.",
        RECONNECT,
        "REAUTHENTICATE",
    ),
    ("CONNECTED_SERVICES_ACCOUNT", "SUBSCRIPTION"): ErrorSpec(
        400,
        "The vehicle\u2019s connected services subscription is inactive or does not support the "
        "requested API endpoint.",
        "Your car\u2019s connected services subscription has either expired or it doesn\u2019t support the "
        "necessary features to connect to <app name>. Please activate your subscription or "
        "contact us to upgrade your subscription.",
    ),
    ("CONNECTED_SERVICES_ACCOUNT", "VEHICLE_MISSING"): ErrorSpec(
        400,
        "This vehicle is no longer associated with the user\u2019s connected services account. Please "
        "prompt the user to re-add the vehicle to their account.",
        "Your car\u2019s connected services subscription has either expired or it doesn\u2019t support the "
        "necessary features to connect to <app name>. Please activate your subscription or "
        "contact us to upgrade your subscription.",
    ),
    ("CONNECTED_SERVICES_ACCOUNT", "VIRTUAL_KEY_REQUIRED"): ErrorSpec(
        400,
        "The vehicle owner needs to grant additional access to Smartcar in order to perform this "
        "request.",
        "In order to perform this request you\u2019ll need to add a Third-Party Virtual key to your "
        "vehicle. Please open this link on the phone with your Tesla App to complete this step.",
        "ACTION_REQUIRED",
        "https://www.tesla.com/_ak/smartcar.com",
    ),
    ("VEHICLE_STATE", "ASLEEP"): _state(
        "The vehicle is in a sleep state and temporarily unable to perform your request.",
        "Your vehicle is in a sleep state. This request was not sent to preserve battery life.",
    ),
    ("VEHICLE_STATE", "CHARGING_IN_PROGRESS"): _state(
        "The vehicle is currently charging and unable to perform your request.",
        "Your vehicle is already charging.",
    ),
    ("VEHICLE_STATE", "CHARGING_PLUG_CONNECTED"): _state(
        "The charging plug is connected, so the vehicle is unable to perform your request.",
        "Please unplug your vehicle and try again.",
    ),
    ("VEHICLE_STATE", "CHARGING_PLUG_NOT_CONNECTED"): _state(
        "The charging plug is not connected to the vehicle.",
        "Please plug in your vehicle and try again.",
    ),
    ("VEHICLE_STATE", "DOOR_OPEN"): _state(
        "One or more of the vehicle's doors are open.", "Please close all doors and try again."
    ),
    ("VEHICLE_STATE", "FULLY_CHARGED"): _state(
        "The vehicle is fully charged, up to its charge limit.", "Your vehicle is fully charged."
    ),
    ("VEHICLE_STATE", "NOT_CHARGING"): _state(
        "The vehicle is not charging.", "Your vehicle is not charging."
    ),
    ("VEHICLE_STATE", "CHARGE_FAULT"): _state(
        "The vehicle reports a charging fault.",
        "Your vehicle reports a charging fault. Please check the charger and the cable.",
    ),
    ("VEHICLE_STATE", "HOOD_OPEN"): _state(
        "The vehicle's hood is open.", "Please close the hood and try again."
    ),
    ("VEHICLE_STATE", "IGNITION_ON"): _state(
        "The vehicle's ignition is on.", "Please switch off your car and try again."
    ),
    ("VEHICLE_STATE", "IN_MOTION"): _state(
        "The vehicle is in motion and unable to perform your request.",
        "Your car is moving. Please try again when it is parked.",
    ),
    ("VEHICLE_STATE", "REMOTE_ACCESS_DISABLED"): _state(
        "Remote access is disabled in the vehicle.",
        "Please enable remote access in your car's settings and try again.",
    ),
    ("VEHICLE_STATE", "TRUNK_OPEN"): _state(
        "The vehicle's trunk is open.", "Please close the trunk and try again."
    ),
    ("VEHICLE_STATE", "UNKNOWN"): _state(
        "The vehicle was unable to perform your request for an unknown reason.",
        TEMPORARY,
        "RETRY_LATER",
    ),
    ("VEHICLE_STATE", "UNREACHABLE"): _state(
        "The vehicle is out of network coverage and unable to perform your request.",
        "Your car is unreachable. Please make sure it has network coverage and try again.",
        "RETRY_LATER",
    ),
    ("VEHICLE_STATE", "VEHICLE_OFFLINE_FOR_SERVICE"): _state(
        "The vehicle is offline for service.", "Your car is offline while it is being serviced."
    ),
    ("VEHICLE_STATE", "LOW_BATTERY"): _state(
        "The vehicle's battery is too low to perform your request.",
        "Your car's battery is too low for this request. Please charge it and try again.",
    ),
    ("RATE_LIMIT", "SMARTCAR_API"): ErrorSpec(
        429,
        "Your application has exceeded its rate limit. Please retry after the time in the "
        "Retry-After header.",
        TEMPORARY,
        "RETRY_LATER",
    ),
    ("RATE_LIMIT", "VEHICLE"): ErrorSpec(
        429,
        "Your application is sending too many requests to this vehicle. Please retry after the "
        "time in the Retry-After header.",
        TEMPORARY,
        "RETRY_LATER",
    ),
    ("BILLING", "INVALID_PLAN"): ErrorSpec(
        430, "This feature is not available on your plan.", TEMPORARY, "CONTACT_SUPPORT"
    ),
    ("BILLING", "VEHICLE_LIMIT"): ErrorSpec(
        430,
        "Your application has reached the number of vehicles its plan allows.",
        TEMPORARY,
        "CONTACT_SUPPORT",
    ),
    ("BILLING", "VEHICLE_REQUEST_LIMIT"): ErrorSpec(
        430,
        "Your application has used all requests its plan allows for this vehicle this month.",
        TEMPORARY,
        "RETRY_LATER",
    ),
    ("BILLING", "ACCOUNT_SUSPENDED"): ErrorSpec(
        430, "Your Smartcar account is suspended.", TEMPORARY, "CONTACT_SUPPORT"
    ),
    ("SERVER", "INTERNAL"): ErrorSpec(
        500,
        "An internal Smartcar error has occurred. Our team has been notified and is working to "
        "resolve this issue.",
        TEMPORARY,
        "RETRY_LATER",
    ),
    ("SERVER", "RECORD_NOT_FOUND"): ErrorSpec(
        500,
        "Smartcar was unable to locate a battery capacity record for this vehicle.",
        TEMPORARY,
        "CONTACT_SUPPORT",
    ),
    ("SERVER", "MULTIPLE_RECORDS_FOUND"): ErrorSpec(
        500,
        "Smartcar found several battery capacity records for this vehicle.",
        TEMPORARY,
        "CONTACT_SUPPORT",
    ),
    ("COMPATIBILITY", "MAKE_NOT_COMPATIBLE"): ErrorSpec(
        501, "Smartcar does not support this make for this request.", NOT_CAPABLE
    ),
    ("COMPATIBILITY", "SMARTCAR_NOT_CAPABLE"): ErrorSpec(
        501, "Smartcar does not support this request for this vehicle yet.", NOT_CAPABLE
    ),
    ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE"): ErrorSpec(
        501, "The vehicle is not capable of performing your request.", NOT_CAPABLE
    ),
    ("COMPATIBILITY", "PLATFORM_NOT_CAPABLE"): ErrorSpec(
        501, "The vehicle's platform is not capable of performing your request.", NOT_CAPABLE
    ),
    ("UPSTREAM", "INVALID_DATA"): ErrorSpec(
        502, "The manufacturer returned invalid data.", TEMPORARY, "RETRY_LATER"
    ),
    ("UPSTREAM", "KNOWN_ISSUE"): ErrorSpec(
        502, "The manufacturer has a known issue.", TEMPORARY, "RETRY_LATER"
    ),
    ("UPSTREAM", "NO_RESPONSE"): ErrorSpec(
        502, "The manufacturer did not respond in time.", TEMPORARY, "RETRY_LATER"
    ),
    ("UPSTREAM", "RATE_LIMIT"): ErrorSpec(
        502, "The manufacturer is rate limiting requests.", TEMPORARY, "RETRY_LATER"
    ),
    ("UPSTREAM", "UNKNOWN_ISSUE"): ErrorSpec(
        502, "The manufacturer returned an unexpected error.", TEMPORARY, "RETRY_LATER"
    ),
}


class SmartcarApiError(Exception):
    """An error the API answers with; `status` overrides the catalogue's."""

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

    def body(self, request_id: str, client_id: str, vehicle_id: str) -> dict[str, Any]:
        """Return the v2.0 error object."""
        spec = self.spec
        resolution: dict[str, str | None] = {"type": spec.resolution}
        if spec.resolution_url:
            resolution["url"] = spec.resolution_url.format(
                client_id=client_id, vehicle_id=vehicle_id
            )
        body: dict[str, Any] = {
            "type": self.type,
            "code": self.code,
            "description": spec.description,
            "docURL": doc_url(self.type, self.code),
            "statusCode": self.status,
            "requestId": request_id,
            "resolution": resolution,
            "suggestedUserMessage": spec.suggested_user_message,
        }
        if self.detail:
            body["detail"] = [{"message": self.detail}]
        return body

    def response(self, request_id: str, client_id: str, vehicle_id: str) -> web.Response:
        """Return the error as an HTTP response."""
        return web.json_response(
            self.body(request_id, client_id, vehicle_id), status=self.status, headers=self.headers()
        )


def doc_url(error_type: str, code: str | None) -> str:
    """Return the guide for a type and code, e.g. `.../vehicle-state-errors#in-motion`."""
    page = f"{DOCS}/{error_type.lower().replace('_', '-')}-errors"
    return f"{page}#{code.lower().replace('_', '-')}" if code else page
