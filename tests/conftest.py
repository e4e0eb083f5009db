"""Fixtures shared by every test: the simulator on loopback and Home Assistant pointed at it."""

# Keep first: pytest-homeassistant-custom-component's config dir has its own custom_components package.
import custom_components  # noqa: F401  # isort: skip

from collections.abc import AsyncIterator

from aiohttp import web
import pytest

from simulator.app import create_app
from simulator.config import SimulatorConfig

# The redirect URI Home Assistant uses in tests (the `current_request_with_host` fixture's host).
TEST_REDIRECT_URI = "https://example.com/auth/external/callback"
# The simulator's clock stands still unless a test moves it, so states are reproducible.
SIMULATOR_START = 1_795_000_000.0


class SimulatorClock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        """Start at SIMULATOR_START."""
        self.now = SIMULATOR_START

    def __call__(self) -> float:
        """The simulated time."""
        return self.now


@pytest.fixture
def simulator_clock() -> SimulatorClock:
    """The simulator's clock."""
    return SimulatorClock()


@pytest.fixture
def simulator_config(simulator_clock: SimulatorClock) -> SimulatorConfig:
    """The simulator's settings: Home Assistant's test redirect URI and the still clock."""
    return SimulatorConfig(redirect_uris=[TEST_REDIRECT_URI], clock=simulator_clock)


@pytest.fixture
async def simulator_url(simulator_config: SimulatorConfig) -> AsyncIterator[str]:
    """The Smartcar simulator serving on a free loopback port for one test."""
    runner = web.AppRunner(create_app(simulator_config), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
