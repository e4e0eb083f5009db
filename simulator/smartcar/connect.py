"""Smartcar Connect (connect.smartcar.com): approval page and redirect back with a code.

The v2 application is known by its client id; a v3 application by its Application ID, and the
redirect then carries the `user_id` its API calls name (the code is worth nothing in v3).
"""

from collections.abc import Mapping
from dataclasses import dataclass
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler
from yarl import URL

from simulator.latency import latency_middleware
from simulator.smartcar.accounts import DEFAULT_USER, PERMISSIONS, Grant, user_id
from simulator.smartcar.connect_page import render_approval, render_error
from simulator.state import SimulatorState, state_of
from simulator.vehicle import Vehicle

CONNECT_ERRORS = {
    "access_denied": "User denied access to the requested scope of permissions.",
    "no_vehicles": "No vehicles found. Please add vehicles to your account and try again.",
    "vehicle_incompatible": "The user's vehicle is not compatible.",
    "invalid_subscription": "User does not have an active connected vehicle subscription.",
    "configuration_error": "There has been an error in the configuration of your application.",
    "server_error": "Smartcar Connect ran into an unexpected error. Please try again.",
}
CHOICES = {
    "mode": ("live", "simulated", "test"),
    "approval_prompt": ("auto", "force"),
    "single_select": ("true", "false"),
}
FORM_FIELDS = ("vehicle", "decision")


class ConnectPageError(Exception):
    """A request Connect cannot send back: shown as an error page (400)."""


class ConnectRedirectError(Exception):
    """A failure reported to the application through its redirect URI."""

    def __init__(self, redirect_uri: str, state: str | None, error: str, **extra: str) -> None:
        """Keep where to send the error and its query parameters."""
        super().__init__(error)
        self.location = _back(
            redirect_uri,
            error=error,
            error_description=CONNECT_ERRORS[error],
            state=state,
            **extra,
        )


@dataclass(frozen=True)
class AuthorizeRequest:
    """A valid authorization request and the cars it may approve."""

    redirect_uri: str
    state: str | None
    permissions: frozenset[str]
    user: str
    single_select: bool
    vehicles: list[Vehicle]
    v3: bool = False  # asked by the v3 application (its Application ID as client_id)
    mode: str = "live"

    def fail(self, error: str, **extra: str) -> ConnectRedirectError:
        """Return the redirect reporting `error` to the application."""
        return ConnectRedirectError(self.redirect_uri, self.state, error, **extra)


def _back(redirect_uri: str, **params: str | None) -> str:
    query = {key: value for key, value in params.items() if value is not None}
    return str(URL(redirect_uri).update_query(query))


def parse_authorize(params: Mapping[str, str], state: SimulatorState) -> AuthorizeRequest:
    """Validate authorization parameters like Connect does."""
    config = state.config
    client_id = params.get("client_id", "")
    if client_id.startswith("client_"):  # a v3 API credential is no Connect client id
        raise ConnectPageError(f"400: Invalid parameter client_id: {client_id}")
    if client_id not in (config.client_id, config.v3_application_id):
        raise ConnectPageError("Unknown client_id.")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in config.redirect_uris:
        raise ConnectPageError("The redirect_uri is not registered for this application.")

    def misconfigured(message: str) -> ConnectRedirectError:
        return ConnectRedirectError(
            redirect_uri,
            params.get("state"),
            "configuration_error",
            status_code="400",
            error_message=message,
        )

    if params.get("response_type") != "code":
        raise misconfigured("response_type must be code.")
    permissions = frozenset(p.removeprefix("required:") for p in params.get("scope", "").split())
    if not permissions or not permissions <= PERMISSIONS:
        raise misconfigured("scope must list known permissions.")
    for name, allowed in CHOICES.items():
        if params.get(name, allowed[0]) not in allowed:
            raise misconfigured(f"{name} must be one of {', '.join(allowed)}.")
    make = params.get("make", "").upper()
    vin = params.get("single_select_vin")
    return AuthorizeRequest(
        redirect_uri=redirect_uri,
        state=params.get("state"),
        permissions=permissions,
        user=params.get("sim_user", DEFAULT_USER),
        single_select=params.get("single_select") == "true" or vin is not None,
        vehicles=[
            car
            for car in state.vehicles_of("smartcar")
            if make in ("", car.make) and vin in (None, car.vin)
        ],
        v3=client_id == config.v3_application_id,
        mode="live" if params.get("mode", "live") == "live" else "simulated",
    )


def approve(request: AuthorizeRequest, state: SimulatorState, vehicle_ids: list[str]) -> str:
    """Issue a code for the chosen cars and return where to send the user."""
    chosen = [car.id for car in request.vehicles if car.id in vehicle_ids]
    if request.single_select:
        chosen = chosen[:1]
    if not chosen:
        raise request.fail("no_vehicles")
    grant = Grant(user_id(request.user), request.permissions, chosen)
    if request.v3:
        state.smartcar_v3.connect(grant, request.mode)
        return _back(
            request.redirect_uri, code=str(uuid.uuid4()), state=request.state, user_id=grant.user_id
        )
    code = state.smartcar.issue_code(grant, request.redirect_uri)
    return _back(request.redirect_uri, code=code, state=request.state)


def _simulated_outcome(params: Mapping[str, str], request: AuthorizeRequest) -> list[str] | None:
    """Apply `sim_error` / `sim_approve`: raise the error or return the approved ids."""
    error = params.get("sim_error")
    if error == "vehicle_incompatible" and request.vehicles:
        car = request.vehicles[0]
        raise request.fail(error, make=car.make, vin=car.vin)
    if error in CONNECT_ERRORS:
        raise request.fail(error)
    if error is not None:
        raise ConnectPageError(f"sim_error must be one of {', '.join(CONNECT_ERRORS)}.")
    approved = params.get("sim_approve")
    if approved is None:
        return None
    offered = [car.id for car in request.vehicles]
    ids = offered if approved == "all" else approved.split(",")
    if not set(ids) <= set(offered):
        raise ConnectPageError("sim_approve lists a vehicle that is not offered.")
    return ids


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


@web.middleware
async def connect_errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Show page errors (400) and send redirect errors back to the application (302)."""
    try:
        return await handler(request)
    except ConnectPageError as error:
        return web.Response(text=render_error(str(error)), status=400, content_type="text/html")
    except ConnectRedirectError as redirect:
        return _redirect(redirect.location)


async def authorize(request: web.Request) -> web.Response:
    """`GET /oauth/authorize`: show the approval page, or answer at once with `sim_*` flags."""
    state = state_of(request)
    parsed = parse_authorize(request.query, state)
    approved = _simulated_outcome(request.query, parsed)
    if approved is None:
        page = render_approval(request.query, parsed.vehicles, parsed.single_select)
        return web.Response(text=page, content_type="text/html")
    return _redirect(approve(parsed, state, approved))


async def decide(request: web.Request) -> web.Response:
    """`POST /oauth/authorize`: the user's Allow or Deny from the approval page."""
    state = state_of(request)
    form = await request.post()
    parsed = parse_authorize(
        {key: str(value) for key, value in form.items() if key not in FORM_FIELDS}, state
    )
    if form.get("decision") != "allow":
        raise parsed.fail("access_denied")
    vehicle_ids = [str(value) for value in form.getall("vehicle", [])]
    return _redirect(approve(parsed, state, vehicle_ids))


def create_connect_app() -> web.Application:
    """Build the Connect sub-application (mounted at `/smartcar/connect`)."""
    app = web.Application(middlewares=[latency_middleware, connect_errors_middleware])
    app.router.add_get("/oauth/authorize", authorize)
    app.router.add_post("/oauth/authorize", decide)
    return app
