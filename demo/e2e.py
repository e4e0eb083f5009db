"""`make e2e`: check the running demo like a person would, in Home Assistant's own UI.

Runs on the host's Python with Playwright driving Debian's chromium. It logs in, opens a car's
device page (screenshot in .demo/), checks that the lock, battery and location show, unlocks the car
through the REST API and locks it again by asking Assist, checking the simulated car each time.
"""

from __future__ import annotations

from collections.abc import Callable
import json
import re
import shutil
import sys
import time
from typing import Any
from urllib.request import Request, urlopen

from playwright.sync_api import Page, expect, sync_playwright

from .settings import HA_URL, PASSWORD, SCREENSHOT, SIMULATOR_URL, TOKEN_FILE, USERNAME

CAR = "Toyota RAV4 Prime"
LOCK = "lock.toyota_rav4_prime"
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


def simulated_car_locked() -> bool:
    """Whether the simulator's RAV4 is locked."""
    cars = call(f"{SIMULATOR_URL}/_simulator/vehicles")
    return bool(next(c for c in cars if c["model"] == "RAV4 Prime")["state"]["locked"])


def wait_for(condition: Callable[[], bool], seconds: float = 15) -> bool:
    """Whether condition becomes true within seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def check_device_page(page: Page, device_id: str) -> None:
    """Log in, open the car's device page, screenshot it, and see lock, battery and location."""
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
    page.goto(f"{HA_URL}/config/devices/device/{device_id}")
    expect(page.get_by_text(CAR).first).to_be_visible(timeout=60_000)
    for label in ("Battery", "Location"):
        expect(page.get_by_text(label, exact=True).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(r"35\s?%")).first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Unlock", exact=True).first).to_be_visible(timeout=30_000)  # the lock
    page.wait_for_timeout(1000)  # let the cards finish drawing before the picture
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def main() -> int:
    """Run the checks; print each and a closing count."""
    token = TOKEN_FILE.read_text().strip()
    device_id = call(
        f"{HA_URL}/api/template", {"template": f"{{{{ device_id('{LOCK}') }}}}"}, token
    ).strip()
    results: list[tuple[str, bool]] = []

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is not installed"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        try:
            check_device_page(page, device_id)
            results.append((f"device page shows {CAR}'s lock, battery and location", True))
        except AssertionError as err:
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            print(err, file=sys.stderr)  # noqa: T201
            results.append((f"device page shows {CAR}'s lock, battery and location", False))
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
