"""Every strings.json key is used, every translation key the code raises exists, en.json is current."""

import ast
import importlib.util
import json
from pathlib import Path

import yaml

from custom_components.connected_car.api.model import ChargingState
from custom_components.connected_car.api.smartcar import CONNECT_ERRORS
from custom_components.connected_car.binary_sensor import BINARY_SENSORS
from custom_components.connected_car.button import REFRESH
from custom_components.connected_car.device_tracker import LOCATION
from custom_components.connected_car.errors import VEHICLE_STATE_CODES
from custom_components.connected_car.number import CHARGE_LIMIT
from custom_components.connected_car.repairs import ACCOUNT_ISSUES, FIXES, OTHER_ACCOUNT_ISSUE
from custom_components.connected_car.sensor import SENSORS
from custom_components.connected_car.switch import CHARGING

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "connected_car"
STRINGS = json.loads((INTEGRATION / "strings.json").read_text())
PLATFORMS = {
    "sensor": SENSORS,
    "binary_sensor": BINARY_SENSORS,
    "button": (REFRESH,),
    "device_tracker": (LOCATION,),
    "number": (CHARGE_LIMIT,),
    "switch": (CHARGING,),
}
ENTITY_KEYS = {d.translation_key for ds in PLATFORMS.values() for d in ds if d.translation_key}


def _literals(call_or_keyword: str) -> set[str]:
    """String literals given as keyword `translation_key=` or first argument of a named call."""
    found: set[str] = set()
    for path in INTEGRATION.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.keyword)
                and node.arg == call_or_keyword
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found.add(node.value.value)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == call_or_keyword
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def _quiet_reasons() -> set[str]:
    """The reasons commands are refused while the provider asked to wait."""
    source = (INTEGRATION / "coordinator.py").read_text()
    return {reason for reason in ("rate_limited", "budget_used_up") if f'"{reason}"' in source}


def test_exception_keys_match() -> None:
    """Raised exception keys exist, and every exception string is raised somewhere."""
    raised = (
        _literals("translation_key")
        | _literals("_error")
        | _quiet_reasons()
        | {f"vehicle_state_{code.lower()}" for code in VEHICLE_STATE_CODES}
    )
    assert raised - ENTITY_KEYS == set(STRINGS["exceptions"])


def test_issue_keys_match() -> None:
    """Every repair the code raises has strings, and every issue string is raised."""
    raised = set(ACCOUNT_ISSUES.values()) | _literals("Problem") | {OTHER_ACCOUNT_ISSUE}
    assert raised == set(STRINGS["issues"])
    for key, issue in STRINGS["issues"].items():
        assert ("fix_flow" in issue) is (key in FIXES), key


def test_entity_keys_match() -> None:
    """Each entity's translation key has a name, and no name is left without an entity."""
    used = {
        platform: {d.translation_key for d in descriptions if d.translation_key}
        for platform, descriptions in PLATFORMS.items()
    }
    assert used == {platform: set(keys) for platform, keys in STRINGS["entity"].items()}
    states = STRINGS["entity"]["sensor"]["charging_state"]["state"]
    assert set(states) == {state.value for state in ChargingState}


def test_config_flow_keys_match() -> None:
    """Abort reasons: Connect's errors, our own, and the ones Home Assistant's helpers use."""
    ours = _literals("reason") | set(CONNECT_ERRORS)
    helpers = {"already_configured", "reauth_successful", "reconfigure_successful"}
    helpers |= {"missing_configuration"}
    assert ours | helpers == set(STRINGS["config"]["abort"])


def test_services_match() -> None:
    """The action and its fields have strings."""
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    assert set(services) == set(STRINGS["services"])
    for name, service in services.items():
        assert set(service["fields"]) == set(STRINGS["services"][name]["fields"])


def test_english_translation_is_current() -> None:
    """translations/en.json is strings.json with its references resolved (make translations)."""
    spec = importlib.util.spec_from_file_location(
        "translations", Path(__file__).parent.parent / "scripts" / "translations.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (INTEGRATION / "translations" / "en.json").read_text() == module.rendered()
    assert "[%key:" not in module.rendered()
