"""Volvo ID (volvoid.eu.volvocars.com): sign-in with PKCE, redirect back with a code, tokens."""

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import MultiDictProxy
from yarl import URL

from simulator.config import SimulatorConfig
from simulator.faults import injected_reply_middleware
from simulator.latency import latency_middleware
from simulator.oauth import OAuthError
from simulator.state import SimulatorState, state_of
from simulator.vehicle import Vehicle
from simulator.volvo.accounts import (
    DEFAULT_USER,
    PKCE_CHALLENGE,
    SCOPES,
    VolvoGrant,
    user_id,
)
from simulator.volvo.id_page import render_error, render_sign_in

PROVIDER = "volvo"
AUTHORIZE_PATH = "/as/authorization.oauth2"
TOKEN_PATH = "/as/token.oauth2"
FORM_FIELDS = ("vin", "decision")
# Errors `sim_error` sends back to the application, with their descriptions.
SIGN_IN_ERRORS = {
    "access_denied": "The user denied the authorization request.",
    "server_error": "Volvo ID ran into an unexpected error.",
    "temporarily_unavailable": "Volvo ID is temporarily unavailable. Please try again later.",
}


class SignInPageError(Exception):
    """A request Volvo ID cannot send back: shown as an error page (400)."""


class SignInRedirectError(Exception):
    """A failure reported to the application through its redirect URI."""

    def __init__(self, redirect_uri: str, state: str | None, error: str, description: str) -> None:
        """Keep where to send the error."""
        super().__init__(error)
        self.location = _back(redirect_uri, error=error, error_description=description, state=state)


@dataclass(frozen=True)
class AuthorizeRequest:
    """A valid authorization request and the Volvo cars the account may hold."""

    redirect_uri: str
    state: str | None
    scopes: frozenset[str]
    challenge: str
    user: str
    vehicles: list[Vehicle]

    def fail(self, error: str, description: str) -> SignInRedirectError:
        """Return the redirect reporting `error` to the application."""
        return SignInRedirectError(self.redirect_uri, self.state, error, description)


def _back(redirect_uri: str, **params: str | None) -> str:
    query = {key: value for key, value in params.items() if value is not None}
    return str(URL(redirect_uri).update_query(query))


def parse_authorize(params: Mapping[str, str], state: SimulatorState) -> AuthorizeRequest:
    """Validate authorization parameters: client, redirect URI, response type, scope and PKCE."""
    config = state.config
    if params.get("client_id") != config.volvo_client_id:
        raise SignInPageError("Unknown client_id.")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in config.redirect_uris:
        raise SignInPageError("The redirect_uri is not registered for this client.")
    request = AuthorizeRequest(
        redirect_uri=redirect_uri,
        state=params.get("state"),
        scopes=frozenset(params.get("scope", "").split()),
        challenge=params.get("code_challenge", ""),
        user=params.get("sim_user", DEFAULT_USER),
        vehicles=state.vehicles_of(PROVIDER),
    )
    if params.get("response_type") != "code":
        raise request.fail("unsupported_response_type", "response_type must be code.")
    if not request.scopes or not request.scopes <= SCOPES:
        unknown = " ".join(sorted(request.scopes - SCOPES))
        raise request.fail("invalid_scope", f"Unknown or missing scope: {unknown}".strip())
    if params.get("code_challenge_method") != "S256" or not PKCE_CHALLENGE.fullmatch(
        request.challenge
    ):
        raise request.fail(
            "invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256."
        )
    return request


def sign_in(request: AuthorizeRequest, state: SimulatorState, vins: list[str]) -> str:
    """Issue a code for the account holding the chosen cars; return where to send the user."""
    grant = VolvoGrant(
        user_id(request.user),
        request.scopes,
        [car.vin for car in request.vehicles if car.vin in vins],
    )
    code = state.volvo.accounts.issue_code(grant, request.redirect_uri, request.challenge)
    return _back(request.redirect_uri, code=code, state=request.state)


def _simulated_outcome(params: Mapping[str, str], request: AuthorizeRequest) -> list[str] | None:
    """Apply `sim_error` / `sim_approve`: raise the error or return the account's VINs."""
    error = params.get("sim_error")
    if error in SIGN_IN_ERRORS:
        raise request.fail(error, SIGN_IN_ERRORS[error])
    if error is not None:
        raise SignInPageError(f"sim_error must be one of {', '.join(SIGN_IN_ERRORS)}.")
    approved = params.get("sim_approve")
    if approved is None:
        return None
    offered = [car.vin for car in request.vehicles]
    vins = offered if approved == "all" else [vin for vin in approved.split(",") if vin]
    if not set(vins) <= set(offered):
        raise SignInPageError("sim_approve lists a VIN that is not a simulated Volvo.")
    return vins


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


@web.middleware
async def sign_in_errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Show page errors (400) and send redirect errors back to the application (302)."""
    try:
        return await handler(request)
    except SignInPageError as error:
        return web.Response(text=render_error(str(error)), status=400, content_type="text/html")
    except SignInRedirectError as redirect:
        return _redirect(redirect.location)


async def authorize(request: web.Request) -> web.Response:
    """`GET /as/authorization.oauth2`: the sign-in page, or an answer at once with `sim_*`."""
    state = state_of(request)
    parsed = parse_authorize(request.query, state)
    vins = _simulated_outcome(request.query, parsed)
    if vins is None:
        page = render_sign_in(request.query, parsed.vehicles)
        return web.Response(text=page, content_type="text/html")
    return _redirect(sign_in(parsed, state, vins))


async def decide(request: web.Request) -> web.Response:
    """`POST /as/authorization.oauth2`: Sign in or Cancel from the page."""
    state = state_of(request)
    form = await request.post()
    parsed = parse_authorize(
        {key: str(value) for key, value in form.items() if key not in FORM_FIELDS}, state
    )
    if form.get("decision") != "allow":
        raise parsed.fail("access_denied", SIGN_IN_ERRORS["access_denied"])
    return _redirect(sign_in(parsed, state, [str(vin) for vin in form.getall("vin", [])]))


def _check_client(
    request: web.Request, form: MultiDictProxy[str | Any], config: SimulatorConfig
) -> None:
    """Accept the client by HTTP Basic, or by `client_id` and `client_secret` in the form."""
    expected = (config.volvo_client_id, config.volvo_client_secret)
    header = request.headers.get("Authorization")
    if header is None:
        given = (form.get("client_id"), form.get("client_secret"))
    else:
        scheme, _, encoded = header.partition(" ")
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as error:
            raise OAuthError(
                "invalid_client", "Malformed Basic client credentials.", 401
            ) from error
        login, _, password = decoded.partition(":")
        given = (login, password) if scheme.lower() == "basic" else (None, None)
    if given != expected:
        raise OAuthError("invalid_client", "Client authentication failed.", 401)


def _required(form: Mapping[str, object], name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str) or not value:
        raise OAuthError("invalid_request", f"{name} is required.")
    return value


async def _grant_tokens(request: web.Request, state: SimulatorState) -> dict[str, Any]:
    fault = await state.faults.trigger(PROVIDER, None, TOKEN_PATH)
    if fault is not None:
        error = "invalid_grant"
        if fault.status == 401:
            error = "invalid_client"
        elif fault.status >= 500:
            error = "server_error"
        raise OAuthError(error, f"Simulated {fault.type}:{fault.code}.", fault.status)
    form = await request.post()
    _check_client(request, form, state.config)
    accounts = state.volvo.accounts
    grant_type = _required(form, "grant_type")
    if grant_type == "authorization_code":
        verifier = form.get("code_verifier")
        return accounts.redeem_code(
            _required(form, "code"),
            _required(form, "redirect_uri"),
            verifier if isinstance(verifier, str) else "",
        )
    if grant_type == "refresh_token":
        return accounts.refresh(_required(form, "refresh_token"))
    raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type}.")


async def token(request: web.Request) -> web.Response:
    """`POST /as/token.oauth2`: exchange a code (with its PKCE verifier) or a refresh token."""
    try:
        tokens = await _grant_tokens(request, state_of(request))
    except OAuthError as error:
        body = {"error": error.error, "error_description": error.description}
        return web.json_response(body, status=error.status)
    return web.json_response(tokens, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def create_volvo_id_app() -> web.Application:
    """Build the Volvo ID sub-application (mounted at `/volvo/id`)."""
    app = web.Application(
        middlewares=[latency_middleware, sign_in_errors_middleware, injected_reply_middleware]
    )
    app.router.add_get(AUTHORIZE_PATH, authorize)
    app.router.add_post(AUTHORIZE_PATH, decide)
    app.router.add_post(TOKEN_PATH, token)
    return app
