"""`make e2e`: check the running demo like a person would, in Home Assistant's own UI.

Runs on the host's Python with Playwright driving Debian's chromium. It logs in, opens a car's
device page (screenshot in .demo/), checks that the lock, battery and location show, unlocks the car
through the REST API and locks it again by asking Assist, checking the simulated car each time.
Then the Volvo: unlock and lock it with the lock's own dialog in the browser, use up Volvo's daily
quota through the simulator's control API, press Refresh, and find the quota repair under Repairs.
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
from urllib.request import Request, urlopen

from playwright.sync_api import Page, expect, sync_playwright

from .settings import HA_URL, PASSWORD, SCREENSHOT, SIMULATOR_URL, STATE, TOKEN_FILE, USERNAME

CAR = "Toyota RAV4 Prime"
LOCK = "lock.toyota_rav4_prime"
VOLVO = "Volvo EX30"
VOLVO_LOCK = "lock.volvo_ex30"
VOLVO_SCREENSHOT = STATE / "volvo.png"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def call(url: str, payload: Any = None, token: str | None = None) -> Any:
    """GET, or POST payload as JSON, and return the decoded answer."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if payload is None else json.dumps(payload).encode()
    with urlopen(Request(url, data=data, headers=headers), timeout=30) as response:  # noqa: S310
        body = response.read().decode()
    return json.loads(body) if body.startswith(("{", "[")) else body


def simulated_car_locked(model: str = "RAV4 Prime") -> bool:
    """Whether the simulator's car of model is locked."""
    cars = call(f"{SIMULATOR_URL}/_simulator/vehicles")
    return bool(next(c for c in cars if c["model"] == model)["state"]["locked"])


def volvo_locked_is(locked: bool) -> bool:
    """Whether the simulator's EX30 is locked as expected."""
    return simulated_car_locked("EX30") is locked


def wait_for(condition: Callable[[], bool], seconds: float = 15) -> bool:
    """Whether condition becomes true within seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


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
    for label in ("Battery", "Location"):
        expect(page.get_by_text(label, exact=True).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(r"35\s?%")).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Unlock", exact=True).first).to_be_visible(timeout=30_000)  # the lock
    page.wait_for_timeout(1000)  # let the cards finish drawing before the picture
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def toggle_volvo_lock(page: Page, device_id: str, action: str) -> None:
    """On the Volvo's device page, open its lock's dialog and press action (Lock or Unlock)."""
    page.goto(f"{HA_URL}/config/devices/device/{device_id}")
    expect(page.get_by_text(VOLVO).first).to_be_visible(timeout=60_000)
    page.get_by_text(action, exact=True).first.click()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(VOLVO_SCREENSHOT), full_page=True)


def check_quota_repair(page: Page, token: str) -> None:
    """Use up Volvo's quota, refresh the car, and find the repair that says polling pauses."""
    call(f"{SIMULATOR_URL}/_simulator/volvo/quota", {"used": 10_000})
    call(f"{HA_URL}/api/services/button/press", {"entity_id": "button.volvo_ex30_refresh"}, token)
    page.goto(f"{HA_URL}/config/repairs")
    expect(page.get_by_text(f"{VOLVO}: Volvo Cars API calls used up").first).to_be_visible(
        timeout=30_000
    )


def main() -> int:
    """Run the checks; print each and a closing count."""
    token = TOKEN_FILE.read_text().strip()
    device_id = call(
        f"{HA_URL}/api/template", {"template": f"{{{{ device_id('{LOCK}') }}}}"}, token
    ).strip()
    volvo_device_id = call(
        f"{HA_URL}/api/template", {"template": f"{{{{ device_id('{VOLVO_LOCK}') }}}}"}, token
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
        for action, locked in (("Unlock", False), ("Lock", True)):
            name = f"the browser {action.lower()}s the {VOLVO}"
            try:
                toggle_volvo_lock(page, volvo_device_id, action)
                ok = wait_for(partial(volvo_locked_is, locked))
            except AssertionError as err:
                print(err, file=sys.stderr)  # noqa: T201
                ok = False
            results.append((name, ok))
        try:
            check_quota_repair(page, token)
            results.append(("a used-up Volvo quota shows its repair", True))
        except AssertionError as err:
            print(err, file=sys.stderr)  # noqa: T201
            results.append(("a used-up Volvo quota shows its repair", False))
        finally:
            browser.close()

    call(f"{HA_URL}/api/services/lock/unlock", {"entity_id": LOCK}, token)
    results.append(("REST unlock reaches the car", wait_for(lambda: not simulated_car_locked())))

    answer = call(
        f"{HA_URL}/api/conversation/process",
        {"text": f"lock the {CAR}", "language": "en"},
        token,
    )
    done = answer["response"]["response_type"] == "action_done"
    results.append(("Assist locks the car by its name", done and wait_for(simulated_car_locked)))

    for name, ok in results:
        print(f"{'PASS' if ok else 'FAIL'}: {name}")  # noqa: T201
    passed = sum(ok for _, ok in results)
    print(f"screenshot: {SCREENSHOT}")  # noqa: T201
    print(f"e2e: {passed} passed, {len(results) - passed} failed")  # noqa: T201
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
