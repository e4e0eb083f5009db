"""The simulator application: every provider host as a path prefix, plus the control API."""

import asyncio
from collections.abc import AsyncIterator
import contextlib

from aiohttp import web
from aiohttp.typedefs import Handler

from simulator.config import SimulatorConfig
from simulator.control import create_control_app
from simulator.high_mobility.api import create_high_mobility_app
from simulator.high_mobility.cloud import PRODUCTION, SANDBOX
from simulator.smartcar.api import create_api_app
from simulator.smartcar.auth import create_auth_app
from simulator.smartcar.connect import create_connect_app
from simulator.smartcar_v3.api import create_vehicle_api_app
from simulator.smartcar_v3.iam import create_iam_app
from simulator.smartcar_v3.management import create_management_app
from simulator.state import SIMULATOR_STATE, SimulatorState
from simulator.volvo.api import create_volvo_api_app
from simulator.volvo.volvo_id import create_volvo_id_app
from simulator.webhook_delivery import run_deliveries

# Real host -> path prefix on the simulator.
ORIGINS = {
    "connect.smartcar.com": "/smartcar/connect",
    "auth.smartcar.com": "/smartcar/auth",
    "api.smartcar.com": "/smartcar/api",
    "iam.smartcar.com": "/smartcar/iam",
    "vehicle.api.smartcar.com": "/smartcar/vehicle",
    "management.api.smartcar.com": "/smartcar/management",
    "volvoid.eu.volvocars.com": "/volvo/id",
    "api.volvocars.com": "/volvo/api",
    "api.high-mobility.com": "/high_mobility/api",
    "sandbox.api.high-mobility.com": "/high_mobility/sandbox",
}

__all__ = ["ORIGINS", "SIMULATOR_STATE", "create_app"]


async def _release_hanging_requests(app: web.Application) -> None:
    app[SIMULATOR_STATE].faults.clear()


@web.middleware
async def wake_webhooks(request: web.Request, handler: Handler) -> web.StreamResponse:
    """After any request (a command, a control API change, the clock moved), look for changes
    to push."""
    try:
        return await handler(request)
    finally:
        request.app[SIMULATOR_STATE].webhook_wake.set()


async def _deliver_webhooks(app: web.Application) -> AsyncIterator[None]:
    state = app[SIMULATOR_STATE]
    task = asyncio.create_task(run_deliveries(state, state.webhook_wake))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def create_app(config: SimulatorConfig | None = None) -> web.Application:
    """Build the simulator; its state is `app[SIMULATOR_STATE]`."""
    app = web.Application(middlewares=[wake_webhooks])
    app[SIMULATOR_STATE] = SimulatorState(config or SimulatorConfig())
    app.add_subapp(ORIGINS["connect.smartcar.com"], create_connect_app())
    app.add_subapp(ORIGINS["auth.smartcar.com"], create_auth_app())
    app.add_subapp(ORIGINS["api.smartcar.com"], create_api_app())
    app.add_subapp(ORIGINS["iam.smartcar.com"], create_iam_app())
    app.add_subapp(ORIGINS["vehicle.api.smartcar.com"], create_vehicle_api_app())
    app.add_subapp(ORIGINS["management.api.smartcar.com"], create_management_app())
    app.add_subapp(ORIGINS["volvoid.eu.volvocars.com"], create_volvo_id_app())
    app.add_subapp(ORIGINS["api.volvocars.com"], create_volvo_api_app())
    app.add_subapp(ORIGINS["api.high-mobility.com"], create_high_mobility_app(PRODUCTION))
    app.add_subapp(ORIGINS["sandbox.api.high-mobility.com"], create_high_mobility_app(SANDBOX))
    app.add_subapp("/_simulator", create_control_app())
    app.on_shutdown.append(_release_hanging_requests)
    app.cleanup_ctx.append(_deliver_webhooks)
    return app
