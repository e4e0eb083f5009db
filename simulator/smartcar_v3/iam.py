"""Smartcar IAM (iam.smartcar.com): client-credentials app tokens for the v3 APIs."""

import json
from typing import Any

from aiohttp import web

from simulator.faults import injected_reply_middleware
from simulator.latency import latency_middleware
from simulator.oauth import OAuthError
from simulator.state import SimulatorState, state_of

PROVIDER = "smartcar_v3"
TOKEN_PATH = "/oauth2/token"


async def _credentials(request: web.Request) -> dict[str, Any]:
    """The body as a dict: JSON (as the spec says) or a form (as the docs' curl sends)."""
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.read())
        except ValueError as error:
            raise OAuthError("invalid_request", "The body is not valid JSON.") from error
        if not isinstance(body, dict):
            raise OAuthError("invalid_request", "The body must be a JSON object.")
        return body
    return dict(await request.post())


def _required(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise OAuthError("invalid_request", f"{name} is required.")
    return value


async def _app_token(request: web.Request, state: SimulatorState) -> dict[str, Any]:
    fault = await state.faults.trigger(PROVIDER, None, TOKEN_PATH)
    if fault is not None:
        error = "invalid_client" if fault.status == 401 else "invalid_request"
        if fault.status >= 500:
            error = "server_error"
        raise OAuthError(error, f"Simulated {fault.type}:{fault.code}.", fault.status)
    body = await _credentials(request)
    grant_type = _required(body, "grant_type")
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type}.")
    client_id, secret = _required(body, "client_id"), _required(body, "client_secret")
    config = state.config
    if (client_id, secret) != (config.v3_client_id, config.v3_client_secret):
        raise OAuthError("invalid_client", "Invalid client id or secret.", 401)
    return state.smartcar_v3.issue_token()


async def token(request: web.Request) -> web.Response:
    """`POST /oauth2/token`: an app token for the application's API credential."""
    try:
        tokens = await _app_token(request, state_of(request))
    except OAuthError as error:
        body = {"error": error.error, "error_description": error.description}
        return web.json_response(body, status=error.status)
    return web.json_response(tokens, headers={"Cache-Control": "no-store"})


def create_iam_app() -> web.Application:
    """Build the IAM sub-application (mounted at `/smartcar/iam`)."""
    app = web.Application(middlewares=[latency_middleware, injected_reply_middleware])
    app.router.add_post(TOKEN_PATH, token)
    return app
