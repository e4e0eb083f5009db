"""`make e2e`: check the running demo like a person would, in Home Assistant's own UI.

Runs on the host's Python with Playwright driving Debian's chromium. It logs in, opens a car's
device page (screenshot in .demo/), checks that the lock, battery and location show, unlocks the car
through the REST API and locks it again by asking Assist, checking the simulated car each time.
Then the Smartcar v3 user's car (the Ford F-150, connected with the v3 application): its device
page shows its fuel level, odometer and location, the browser locks and unlocks it, and its data
came from the simulator's v3 API.
Then the Volvo: unlock and lock it with the lock's own dialog in the browser, use up Volvo's daily
quota through the simulator's control API, press Refresh (it must say so), and find the quota repair
under Repairs.
Then High Mobility: the pending car's entities appear once its data access is approved (watched
through the REST API, then seen on its device page), and the rejected car's repair opens and says
what to do.
Last, Assist is asked about the cars (/api/conversation/process) and its answers checked: each
question reaches the entity asked about, none the lock, and a command the car refuses fails.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
import json
import re
import shutil
import sys
import time
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from playwright.sync_api import Page, expect, sync_playwright

from .settings import (
    HA_URL,
    HM_PENDING_FOR,
    PASSWORD,
    SCREENSHOT,
    SIMULATOR_URL,
    SMARTCAR_V3_MODEL,
    STATE,
    TOKEN_FILE,
    USERNAME,
)

CAR = "Toyota RAV4 Prime"
VOLVO = "Volvo EX30"
V3_CAR = f"Ford {SMARTCAR_V3_MODEL}"
V3_SCREENSHOT = STATE / "smartcar_v3.png"
VOLVO_SCREENSHOT = STATE / "volvo.png"
# High Mobility's demo cars are named by their brand and the VIN's last four (its fleet API names
# no model).
HM_PENDING_CAR = "Mercedes-Benz 3456"
HM_REJECTED_CAR = "Renault 1234"
HM_REPAIR = f"{HM_REJECTED_CAR}: activation failed at the maker"
HM_SCREENSHOT = STATE / "high_mobility.png"
# The pending car is approved HM_PENDING_FOR seconds after the demo starts; the fleet is read
# every 5 minutes while a car is new and pending.
HM_APPROVAL_WAIT = HM_PENDING_FOR + 7 * 60
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def call(url: str, payload: Any = None, token: str | None = None, method: str | None = None) -> Any:
    """GET, or POST (or method) payload as JSON, and return the decoded answer."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if payload is None else json.dumps(payload).encode()
    request = Request(url, data=data, headers=headers, method=method)  # noqa: S310
    with urlopen(request, timeout=30) as response:  # noqa: S310
        body = response.read().decode()
    return json.loads(body) if body.startswith(("{", "[")) else body


def entity_of(token: str, domain: str, object_id: str) -> str:
    """The entity id of one of the cars' entities, as named now or before (older demos keep those).

    object_id is a regular expression: `toyota_rav4_prime(_door_lock)?` finds the lock of either.
    """
    pattern = f"^{domain}\\\\.{object_id}$"
    template = (
        f"{{{{ integration_entities('connected_car') | select('match', '{pattern}') | first }}}}"
    )
    return str(call(f"{HA_URL}/api/template", {"template": template}, token)).strip()


def patch_car(model: str, **state: Any) -> None:
    """Change the simulator's car of model."""
    cars = call(f"{SIMULATOR_URL}/_simulator/vehicles")
    car_id = next(c["id"] for c in cars if c["model"] == model)
    call(f"{SIMULATOR_URL}/_simulator/vehicles/{car_id}", state, method="PATCH")


def ask(token: str, sentence: str) -> dict[str, Any]:
    """Assist's answer to sentence."""
    answer = call(f"{HA_URL}/api/conversation/process", {"text": sentence, "language": "en"}, token)
    response: dict[str, Any] = answer["response"]
    return response


def said(response: dict[str, Any]) -> str:
    """What Assist says in response."""
    return str(response["speech"]["plain"]["speech"]).strip()


def targets(response: dict[str, Any]) -> list[str]:
    """The entities response read or acted on."""
    return [target["id"] for target in response["data"].get("success", [])]


def simulated_car_locked(model: str = "RAV4 Prime") -> bool:
    """Whether the simulator's car of model is locked."""
    cars = call(f"{SIMULATOR_URL}/_simulator/vehicles")
    return bool(next(c for c in cars if c["model"] == model)["state"]["locked"])


def volvo_locked_is(locked: bool) -> bool:
    """Whether the simulator's EX30 is locked as expected."""
    return simulated_car_locked("EX30") is locked


def v3_locked_is(locked: bool) -> bool:
    """Whether the simulator's car of the Smartcar v3 user is locked as expected."""
    return simulated_car_locked(SMARTCAR_V3_MODEL) is locked


def wait_for(condition: Callable[[], bool], seconds: float = 15) -> bool:
    """Whether condition becomes true within seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def check_assist(token: str) -> list[tuple[str, bool]]:
    """Ask Assist about the cars: each question must reach its own entity, none the lock."""
    results: list[tuple[str, bool]] = []

    def expect(
        sentence: str, speech: str, entity_id: str | None, car_ok: Callable[[], bool] | None = None
    ) -> None:
        response = ask(token, sentence)
        right = said(response) == speech and targets(response) == ([entity_id] if entity_id else [])
        if not right:
            print(f"Assist, {sentence!r}: {said(response)!r} {targets(response)}", file=sys.stderr)  # noqa: T201
        results.append(
            (f"Assist: {sentence!r} -> {speech!r}", right and (car_ok is None or car_ok()))
        )

    battery = entity_of(token, "sensor", "toyota_rav4_prime_battery(_level)?")
    expect(f"what is the {CAR} battery level", f"{CAR.capitalize()} battery level is 35 %", battery)
    expect(
        "what is the battery level of the Tesla Model 3",
        "Sorry, I am not aware of any device called battery level of the Tesla Model 3",
        None,
    )
    expect(
        "where is the Volkswagen ID.4",
        "Sorry, I am not aware of any device called Volkswagen ID.4",
        None,
    )
    expect(
        "is the Tesla Model 3 door lock locked",
        "Yes",
        entity_of(token, "lock", "tesla_model_3(_door_lock)?"),
    )
    # Once the lock carried the bare car name, and "turn off" unlocked it.
    expect(
        f"turn off the {CAR}",
        f"Sorry, I am not aware of any device called {CAR}",
        None,
        simulated_car_locked,
    )
    # A refusal: Home Assistant's intent handler answers every failed action with its generic error.
    patch_car("F-150", moving=True)
    try:
        expect(
            "lock the Ford F-150 door lock",
            "An unexpected error occurred",
            None,
            lambda: not simulated_car_locked("F-150"),
        )
    finally:
        patch_car("F-150", moving=False)
    return results


def log_in(page: Page) -> None:
    """Log in as the demo's owner."""
    page.goto(HA_URL)
    username = page.get_by_label("Username")
    expect(username).to_be_visible(timeout=60_000)
    username.fill(USERNAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(
        lambda url: "/auth/" not in url and "auth_callback" not in url, timeout=60_000
    )
    expect(page.get_by_text("Overview").first).to_be_visible(timeout=60_000)


def check_device_page(page: Page, device_id: str) -> None:
    """Open the car's device page, screenshot it, and see lock, battery and location."""
    page.goto(f"{HA_URL}/config/devices/device/{device_id}")
    expect(page.get_by_text(CAR).first).to_be_visible(timeout=60_000)
    for label in ("Battery level", "Location"):
        expect(page.get_by_text(label, exact=True).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(r"35\s?%")).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Unlock", exact=True).first).to_be_visible(timeout=30_000)  # the lock
    page.wait_for_timeout(1000)  # let the cards finish drawing before the picture
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def check_v3_car(page: Page, token: str) -> list[tuple[str, bool]]:
    """The Smartcar v3 user's car: its device page shows its lock, battery and location, the
    browser unlocks and locks it with its lock's dialog, and the simulator's v3 API served it."""
    results: list[tuple[str, bool]] = []
    lock = entity_of(token, "lock", "ford_f_150(_door_lock)?")
    device_id = call(
        f"{HA_URL}/api/template", {"template": f"{{{{ device_id('{lock}') }}}}"}, token
    ).strip()
    name = f"the Smartcar v3 user's {V3_CAR} shows its fuel level, odometer and location"
    try:
        page.goto(f"{HA_URL}/config/devices/device/{device_id}")
        expect(page.get_by_text(V3_CAR).first).to_be_visible(timeout=60_000)
        for label in ("Fuel level", "Odometer", "Location"):
            expect(page.get_by_text(label, exact=True).first).to_be_visible(timeout=30_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(V3_SCREENSHOT), full_page=True)
        results.append((name, True))
    except AssertionError as err:
        page.screenshot(path=str(V3_SCREENSHOT), full_page=True)
        print(err, file=sys.stderr)  # noqa: T201
        results.append((name, False))
    # The F-150 stands unlocked, and Assist's checks expect it so afterwards.
    for action, locked in (("Lock", True), ("Unlock", False)):
        name = f"the browser {action.lower()}s the Smartcar v3 user's {V3_CAR}"
        try:
            page.goto(f"{HA_URL}/config/devices/device/{device_id}")
            expect(page.get_by_text(V3_CAR).first).to_be_visible(timeout=60_000)
            page.get_by_text(action, exact=True).first.click()
            ok = wait_for(partial(v3_locked_is, locked))
        except AssertionError as err:
            print(err, file=sys.stderr)  # noqa: T201
            ok = False
        results.append((name, ok))
    stats = call(f"{SIMULATOR_URL}/_simulator/stats?provider=smartcar_v3")
    results.append(
        (f"the {V3_CAR} is read through Smartcar's v3 API", stats["totals"]["requests"] > 0)
    )
    return results


def check_push_live(page: Page) -> bool:
    """On the car's device page: a change on the simulated car shows by push, no poll read it.

    `make demo` wired the simulator's Smartcar webhook to Home Assistant (demo/push.py).
    """
    cars = call(f"{SIMULATOR_URL}/_simulator/vehicles")
    car_id = next(c["id"] for c in cars if c["model"] == "RAV4 Prime")

    def reads() -> int:
        usage = call(f"{SIMULATOR_URL}/_simulator/stats")["vehicles"].get(car_id, {})
        return int(usage.get("requests", 0))

    before = reads()
    patch_car("RAV4 Prime", battery={"percent": 0.57})
    try:
        expect(page.get_by_text(re.compile(r"57\s?%")).first).to_be_visible(timeout=10_000)
    finally:
        patch_car("RAV4 Prime", battery={"percent": 0.35})
    return reads() == before


def toggle_volvo_lock(page: Page, device_id: str, action: str) -> None:
    """On the Volvo's device page, open its lock's dialog and press action (Lock or Unlock)."""
    page.goto(f"{HA_URL}/config/devices/device/{device_id}")
    expect(page.get_by_text(VOLVO).first).to_be_visible(timeout=60_000)
    page.get_by_text(action, exact=True).first.click()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(VOLVO_SCREENSHOT), full_page=True)


def press_refresh(token: str, entity_id: str) -> str:
    """Press a Refresh button through the REST API: what it says when it cannot refresh, else ""."""
    try:
        call(f"{HA_URL}/api/services/button/press", {"entity_id": entity_id}, token)
    except HTTPError as err:
        return str(json.loads(err.read().decode())["message"])
    return ""


def state_of(token: str, entity_id: str) -> str | None:
    """The entity's state, or None while it does not exist."""
    try:
        return str(call(f"{HA_URL}/api/states/{entity_id}", token=token)["state"])
    except HTTPError as err:
        if err.code == 404:
            return None
        raise


def check_pending_car_appears(page: Page, token: str) -> list[tuple[str, bool]]:
    """Watch High Mobility's pending car: once approved, its data entities appear without a
    reload, and its device page shows them."""
    access = "sensor.mercedes_benz_3456_data_access"
    odometer = "sensor.mercedes_benz_3456_odometer"
    was = state_of(token, access), state_of(token, odometer)
    print(f"High Mobility's pending car at the start: {was}", file=sys.stderr)  # noqa: T201
    # A demo started before approves the car at once (it keeps its entities across restarts).
    watched = was == ("pending", None)
    appeared = wait_for(
        lambda: (
            state_of(token, access) == "approved"
            and state_of(token, odometer) not in (None, "unavailable", "unknown")
        ),
        HM_APPROVAL_WAIT,
    )
    results = [
        (
            "the pending High Mobility car's entities appear once it is approved"
            + ("" if watched else " (approved in an earlier run)"),
            appeared and (watched or was[0] == "approved"),
        )
    ]
    name = f"the {HM_PENDING_CAR} device page shows its data access and odometer"
    try:
        device_id = call(
            f"{HA_URL}/api/template", {"template": f"{{{{ device_id('{access}') }}}}"}, token
        ).strip()
        page.goto(f"{HA_URL}/config/devices/device/{device_id}")
        for label in ("Data access", "Odometer"):
            expect(page.get_by_text(label, exact=True).first).to_be_visible(timeout=30_000)
        results.append((name, True))
    except AssertionError as err:
        print(err, file=sys.stderr)  # noqa: T201
        results.append((name, False))
    return results


def check_rejected_car_repair(page: Page) -> bool:
    """Open the rejected High Mobility car's repair under Repairs: it says what to do."""
    page.goto(f"{HA_URL}/config/repairs")
    repair = page.get_by_text(HM_REPAIR).first
    expect(repair).to_be_visible(timeout=60_000)
    repair.click()
    expect(page.get_by_text("Contact High Mobility's support").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("invalid OEM state").first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(HM_SCREENSHOT), full_page=True)
    return True


def check_quota_repair(page: Page, token: str) -> bool:
    """Use up Volvo's quota and press Refresh: whether it says so; then find the repair."""
    call(f"{SIMULATOR_URL}/_simulator/volvo/quota", {"used": 10_000})
    answer = press_refresh(token, "button.volvo_ex30_refresh")
    page.goto(f"{HA_URL}/config/repairs")
    expect(page.get_by_text(f"{VOLVO}: Volvo Cars API calls used up").first).to_be_visible(
        timeout=30_000
    )
    return answer.startswith("This car's Volvo Cars API calls for this period are used up.")


def main() -> int:
    """Run the checks; print each and a closing count."""
    token = TOKEN_FILE.read_text().strip()
    lock = entity_of(token, "lock", "toyota_rav4_prime(_door_lock)?")
    device_id = call(
        f"{HA_URL}/api/template", {"template": f"{{{{ device_id('{lock}') }}}}"}, token
    ).strip()
    volvo_lock = entity_of(token, "lock", "volvo_ex30(_door_lock)?")
    volvo_device_id = call(
        f"{HA_URL}/api/template", {"template": f"{{{{ device_id('{volvo_lock}') }}}}"}, token
    ).strip()
    results: list[tuple[str, bool]] = []

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is not installed"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        try:
            log_in(page)
            check_device_page(page, device_id)
            results.append((f"device page shows {CAR}'s lock, battery and location", True))
        except AssertionError as err:
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            print(err, file=sys.stderr)  # noqa: T201
            results.append((f"device page shows {CAR}'s lock, battery and location", False))
        # Still on the RAV4 Prime's device page.
        name = "a change on the simulated car shows in the browser without a poll (push)"
        try:
            results.append((name, check_push_live(page)))
        except AssertionError as err:
            print(err, file=sys.stderr)  # noqa: T201
            results.append((name, False))
        results.extend(check_v3_car(page, token))
        for action, locked in (("Unlock", False), ("Lock", True)):
            name = f"the browser {action.lower()}s the {VOLVO}"
            try:
                toggle_volvo_lock(page, volvo_device_id, action)
                ok = wait_for(partial(volvo_locked_is, locked))
            except AssertionError as err:
                print(err, file=sys.stderr)  # noqa: T201
                ok = False
            results.append((name, ok))
        name = f"the rejected High Mobility car's repair opens ({HM_REPAIR})"
        try:
            results.append((name, check_rejected_car_repair(page)))
        except AssertionError as err:
            page.screenshot(path=str(HM_SCREENSHOT), full_page=True)
            print(err, file=sys.stderr)  # noqa: T201
            results.append((name, False))
        results.extend(check_pending_car_appears(page, token))
        try:
            explained = check_quota_repair(page, token)
            results.append(("a used-up Volvo quota shows its repair", True))
            results.append(("Refresh says the Volvo quota is used up", explained))
        except AssertionError as err:
            print(err, file=sys.stderr)  # noqa: T201
            results.append(("a used-up Volvo quota shows its repair", False))
        finally:
            browser.close()

    call(f"{HA_URL}/api/services/lock/unlock", {"entity_id": lock}, token)
    results.append(("REST unlock reaches the car", wait_for(lambda: not simulated_car_locked())))

    answer = ask(token, f"lock the {CAR} door lock")
    done = answer["response_type"] == "action_done" and targets(answer) == [lock]
    results.append(("Assist locks the car's door lock", done and wait_for(simulated_car_locked)))
    results.extend(check_assist(token))

    for name, ok in results:
        print(f"{'PASS' if ok else 'FAIL'}: {name}")  # noqa: T201
    passed = sum(ok for _, ok in results)
    print(f"screenshot: {SCREENSHOT}")  # noqa: T201
    print(f"e2e: {passed} passed, {len(results) - passed} failed")  # noqa: T201
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
