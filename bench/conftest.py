"""Benchmarks reuse the integration tests' fixtures: Home Assistant against the simulator."""

import pytest

from simulator.config import SimulatorConfig
from tests.conftest import *  # noqa: F403
from tests.conftest import TEST_REDIRECT_URI, SimulatorClock
from tests.integration.conftest import *  # noqa: F403


@pytest.fixture
def simulator_config(simulator_clock: SimulatorClock, cars: int) -> SimulatorConfig:
    """A garage of `cars` cars."""
    return SimulatorConfig(redirect_uris=[TEST_REDIRECT_URI], clock=simulator_clock, cars=cars)
