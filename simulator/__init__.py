"""Local simulator of the connected-car providers (Smartcar, Volvo Cars, High Mobility) for tests."""

from simulator.app import SIMULATOR_STATE, create_app
from simulator.config import SimulatorConfig

__all__ = ["SIMULATOR_STATE", "SimulatorConfig", "create_app"]
