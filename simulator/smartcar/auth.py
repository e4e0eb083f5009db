"""Smartcar token endpoint (auth.smartcar.com): code and refresh-token grants."""

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from simulator.config import SimulatorConfig
from simulator.faults import injected_reply_middleware
from simulator.latency import latency_middleware
from simulator.oauth import OAuthError
from simulator.state import SimulatorState, state_of

TOKEN_PATH = "/oauth/token"


def _check_client(request: web.Request, config: SimulatorConfig) -> None:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise OAuthError("invalid_client", "Malformed Basic client credentials.", 401) from error
    if scheme.lower() != "basic" or decoded != f"{config.client_id}:{config.client_secret}":
        raise OAuthError("invalid_client", "Invalid client id or secret.", 401)


def _required(form: Mapping[str, object], name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str) or not value:
        raise OAuthError("invalid_request", f"{name} is required.")
    return value


async def _grant_tokens(request: web.Request, state: SimulatorState) -> dict[str, Any]:
    fault = await state.faults.trigger("smartcar", None, TOKEN_PATH)
    if fault is not None:
        error = "server_error" if fault.status >= 500 else "invalid_grant"
        raise OAuthError(error, f"Simulated {fault.type}:{fault.code}.", fault.status)
    _check_client(request, state.config)
    form = await request.post()
    grant_type = _required(form, "grant_type")
    if grant_type == "authorization_code":
        return state.smartcar.redeem_code(_required(form, "code"), _required(form, "redirect_uri"))
    if grant_type == "refresh_token":
        return state.smartcar.refresh(_required(form, "refresh_token"))
    raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type}.")


async def token(request: web.Request) -> web.Response:
    """`POST /oauth/token`: exchange a code or a refresh token for new tokens."""
    try:
        tokens = await _grant_tokens(request, state_of(request))
    except OAuthError as error:
        body = {"error": error.error, "error_description": error.description}
        return web.json_response(body, status=error.status)
    return web.json_response(tokens, headers={"Cache-Control": "no-store"})


def create_auth_app() -> web.Application:
    """Build the token sub-application (mounted at `/smartcar/auth`)."""
    app = web.Application(middlewares=[latency_middleware, injected_reply_middleware])
    app.router.add_post(TOKEN_PATH, token)
    return app
