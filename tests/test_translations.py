"""Every strings.json key is used, every translation key the code raises exists, en.json is current."""

import ast
from datetime import UTC, datetime
import importlib.util
import json
from pathlib import Path
import string

from homeassistant.helpers import issue_registry as ir
import yaml

from custom_components.connected_car.api.errors import REFUSAL_REASONS
from custom_components.connected_car.api.model import ChargingState
from custom_components.connected_car.api.smartcar import CONNECT_ERRORS
from custom_components.connected_car.binary_sensor import BINARY_SENSORS
from custom_components.connected_car.button import COMMAND_BUTTONS, REFRESH
from custom_components.connected_car.clearance import REASON_ISSUES
from custom_components.connected_car.const import DOMAIN
from custom_components.connected_car.cover import CHARGE_PORT
from custom_components.connected_car.device_tracker import LOCATION
from custom_components.connected_car.image import PICTURE
from custom_components.connected_car.issues import FIXES, OTHER_ACCOUNT_ISSUE, V2_END_ISSUE, Fix
from custom_components.connected_car.lock import LOCK
from custom_components.connected_car.number import CHARGE_LIMIT
from custom_components.connected_car.providers.high_mobility import (
    ACCOUNT_ISSUES as HIGH_MOBILITY_ACCOUNT_ISSUES,
)
from custom_components.connected_car.providers.smartcar import ACCOUNT_ISSUES
from custom_components.connected_car.push import NO_URL_ISSUE
from custom_components.connected_car.sensor import DATA_ACCESS, PUSH_SENSORS, SENSORS
from custom_components.connected_car.switch import CHARGING
from custom_components.connected_car.tokens import CREDENTIALS_ISSUE

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "connected_car"
STRINGS = json.loads((INTEGRATION / "strings.json").read_text())
PLATFORMS = {
    "sensor": (*SENSORS, *PUSH_SENSORS),
    "binary_sensor": BINARY_SENSORS,
    "button": (REFRESH, *COMMAND_BUTTONS),
    "cover": (CHARGE_PORT,),
    "device_tracker": (LOCATION,),
    "image": (PICTURE,),
    "lock": (LOCK,),
    "number": (CHARGE_LIMIT,),
    "switch": (CHARGING,),
}
# Issues not of a car, raised with a constant's key: the constant's name -> the issue key.
ACCOUNT_LEVEL = {
    "CREDENTIALS_ISSUE": CREDENTIALS_ISSUE,
    "NO_URL_ISSUE": NO_URL_ISSUE,
    "V2_END_ISSUE": V2_END_ISSUE,
}
# Entities without a description: sensor -> their translation keys.
OWN_ENTITIES = {"sensor": {DATA_ACCESS}}
# The reasons fix flows end with instead of "repaired".
REPAIR_ABORTS = {"reauth_started"}
ENTITY_KEYS = {d.translation_key for ds in PLATFORMS.values() for d in ds if d.translation_key}
ENTITY_KEYS |= {key for keys in OWN_ENTITIES.values() for key in keys}
# Fix flows that ask for something have their own errors and placeholders.
FIX_ERRORS = {
    Fix.RECHECK: {"still_there"},
    Fix.CUSTOMER_NAME: {"refused", "cannot_connect"},
}
FIX_PLACEHOLDERS = {Fix.CUSTOMER_NAME: {"description"}}
# Abort reasons of fix flows (in the issues' strings, not the config flow's).
FIX_ABORTS = {"entry_not_loaded", "move_started"}
# Abort reasons of the options flow alone.
OPTIONS_ABORTS = {"move_in_reconfigure"}


def _literals(call_or_keyword: str, position: int = 0) -> set[str]:
    """String literals given as keyword `translation_key=` or an argument of a named call."""
    found: set[str] = set()
    for path in INTEGRATION.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == call_or_keyword:
                # A literal, or either literal of `"a" if moving else "b"`.
                values = (
                    [node.value.body, node.value.orelse]
                    if isinstance(node.value, ast.IfExp)
                    else [node.value]
                )
                found |= {
                    v.value
                    for v in values
                    if isinstance(v, ast.Constant) and isinstance(v.value, str)
                }
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == call_or_keyword
                and len(node.args) > position
                and isinstance(node.args[position], ast.Constant)
            ):
                found.add(node.args[position].value)
    return found


def _quiet_reasons() -> set[str]:
    """The reasons commands are refused while the provider asked to wait."""
    source = (INTEGRATION / "coordinator.py").read_text()
    return {reason for reason in ("rate_limited", "budget_used_up") if f'"{reason}"' in source}


def test_exception_keys_match() -> None:
    """Raised exception keys exist, and every exception string is raised somewhere."""
    raised = (
        _literals("translation_key")
        | _literals("translated", position=1)
        | _quiet_reasons()
        | {f"vehicle_state_{reason}" for reason in REFUSAL_REASONS}
    )
    assert raised - ENTITY_KEYS == set(STRINGS["exceptions"])


def test_issue_keys_match() -> None:
    """Every repair the code raises has strings, and every issue string is raised."""
    raised = (
        set(ACCOUNT_ISSUES.values())
        | set(HIGH_MOBILITY_ACCOUNT_ISSUES.values())
        | set(REASON_ISSUES.values())
        | _literals("Problem")
        | {OTHER_ACCOUNT_ISSUE}
        | set(ACCOUNT_LEVEL.values())
    )
    assert raised == set(STRINGS["issues"])
    for key, issue in STRINGS["issues"].items():
        assert ("fix_flow" in issue) is (key in FIXES), key


def test_issue_has_description_or_fix_flow() -> None:
    """An issue has a title and exactly one of description and fix_flow (hassfest's rule).

    A fixable issue's text is its fix flow's confirm step, the form the owner reads before
    pressing Submit; a recheck adds the error shown while the problem is still there.
    """
    for key, issue in STRINGS["issues"].items():
        assert "title" in issue, key
        assert ("description" in issue) != ("fix_flow" in issue), key
        if key in FIXES:
            confirm = issue["fix_flow"]["step"]["confirm"]
            assert confirm["title"], key
            assert confirm["description"], key
            errors = set(issue["fix_flow"].get("error", {}))
            assert errors == FIX_ERRORS.get(FIXES[key], set()), key
            assert set(issue["fix_flow"].get("abort", {})) <= FIX_ABORTS | REPAIR_ABORTS, key


def _fields(text: str) -> set[str]:
    """The placeholders a translation uses."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _maybe_empty(value: ast.expr) -> bool:
    """Whether a placeholder's value may be "": `x or ""`, or the literal "" itself."""
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
        return _maybe_empty(value.values[-1])
    return isinstance(value, ast.Constant) and value.value == ""


def _issue_placeholders() -> dict[str, dict[str, bool]]:
    """Per issue key, the placeholders the code passes and whether each may be empty.

    Read from the source: every issue gets the constant keys of async_create_issue's
    translation_placeholders (the car); a Problem adds the keys of its placeholders dict. A Problem
    whose key is not a literal (the provider's account error) may be any issue no literal names.
    """
    common: dict[str, bool] = {}
    by_key: dict[str | None, dict[str, bool]] = {}
    for path in INTEGRATION.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            name = node.func.id if isinstance(node.func, ast.Name) else name
            keywords = {k.arg: k.value for k in node.keywords}
            if name == "async_create_issue":
                given = keywords["translation_placeholders"]
                assert isinstance(given, ast.Dict), path
                # An issue not of a car (its key is a constant) passes its own placeholders.
                issue = keywords["translation_key"]
                own = (
                    by_key.setdefault(ACCOUNT_LEVEL[issue.id], {})
                    if isinstance(issue, ast.Name) and issue.id in ACCOUNT_LEVEL
                    else common
                )
                for k, v in zip(given.keys, given.values, strict=True):
                    if isinstance(k, ast.Constant):
                        own[k.value] = _maybe_empty(v)
            if name == "Problem" and node.args:
                first = node.args[0]
                key = first.value if isinstance(first, ast.Constant) else None
                given = node.args[2] if len(node.args) > 2 else keywords.get("placeholders")
                passed = by_key.setdefault(key, {})
                if given is not None:
                    assert isinstance(given, ast.Dict), (
                        f"{path}: placeholders must be a dict literal"
                    )
                    for k, v in zip(given.keys, given.values, strict=True):
                        assert isinstance(k, ast.Constant), path
                        passed[k.value] = passed.get(k.value, False) or _maybe_empty(v)
    assert common, "no async_create_issue call found"
    dynamic = by_key.pop(None, {})
    return {
        key: by_key[key] if key in ACCOUNT_LEVEL.values() else common | by_key.get(key, dynamic)
        for key in STRINGS["issues"]
    }


def test_issue_texts_fill_every_placeholder() -> None:
    """Each issue text uses only placeholders the code passes, names the car, links where it can.

    A placeholder that may be empty (a link Smartcar did not send) may only be a Markdown link's
    target, so the sentence reads right without it. A fix flow's form fills in every placeholder
    of the issue and always a link; its texts must not leave any of them empty.
    """
    english = json.loads((INTEGRATION / "translations" / "en.json").read_text())["issues"]
    for key, passed in _issue_placeholders().items():
        issue = english[key]
        assert _fields(issue["title"]) <= {
            k for k, maybe_empty in passed.items() if not maybe_empty
        }
        assert "{car}" in issue["title"] or key in ACCOUNT_LEVEL.values(), key
        if "description" in issue:
            text = issue["description"]
            assert _fields(text) <= set(passed), key
            assert "{car}" in text or key in ACCOUNT_LEVEL.values(), key
            for name, maybe_empty in passed.items():
                if maybe_empty:
                    assert text.count(f"{{{name}}}") == text.count(f"]({{{name}}})"), (key, name)
            if "url" in passed:
                assert "{url}" in text, key
            continue
        entry = ir.IssueEntry(
            active=True,
            breaks_in_ha_version=None,
            created=datetime.now(UTC),
            data=None,
            dismissed_version=None,
            domain=DOMAIN,
            is_fixable=True,
            is_persistent=False,
            issue_domain=None,
            issue_id=key,
            learn_more_url=None,
            severity=ir.IssueSeverity.ERROR,
            translation_key=key,
            translation_placeholders={k: "" if e else "x" for k, e in passed.items()},
        )
        form = dict(entry.translation_placeholders or {})
        form |= dict.fromkeys(FIX_PLACEHOLDERS.get(FIXES[key], ()), "x")
        flow = issue["fix_flow"]
        step = flow["step"]["confirm"]
        for text in (step["title"], step["description"], *flow.get("error", {}).values()):
            assert all(form.get(name) for name in _fields(text)), (key, text)
        assert "{car}" in step["description"] or key in ACCOUNT_LEVEL.values(), key
        assert "{url}" in step["description"], key


def test_entity_keys_match() -> None:
    """Each entity's translation key has a name, and no name is left without an entity."""
    used = {
        platform: {d.translation_key for d in descriptions if d.translation_key}
        | OWN_ENTITIES.get(platform, set())
        for platform, descriptions in PLATFORMS.items()
    }
    assert used == {platform: set(keys) for platform, keys in STRINGS["entity"].items()}
    states = STRINGS["entity"]["sensor"]["charging_state"]["state"]
    assert set(states) == {state.value for state in ChargingState}


def test_config_flow_keys_match() -> None:
    """Abort reasons: Connect's errors, our own, and the ones Home Assistant's helpers use."""
    ours = (_literals("reason") - FIX_ABORTS - REPAIR_ABORTS - OPTIONS_ABORTS) | set(CONNECT_ERRORS)
    helpers = {"already_configured", "reauth_successful", "reconfigure_successful"}
    helpers |= {"missing_credentials"}
    assert ours | helpers == set(STRINGS["config"]["abort"])


def test_options_aborts_have_texts() -> None:
    """The options flow's own abort reasons have texts there."""
    assert set(STRINGS["options"]["abort"]) >= OPTIONS_ABORTS


def test_repair_aborts_have_texts() -> None:
    """A fix flow that hands over to reauthentication says so in its issue's words."""
    for key, fix in FIXES.items():
        if fix is Fix.REAUTH:
            assert set(STRINGS["issues"][key]["fix_flow"]["abort"]) == REPAIR_ABORTS, key


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
