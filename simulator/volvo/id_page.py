"""HTML of the simulated Volvo ID sign-in."""

from collections.abc import Mapping
from html import escape

from simulator.vehicle import Vehicle

_STYLE = (
    "body{font-family:sans-serif;max-width:32em;margin:2em auto}label{display:block;margin:.5em 0}"
)


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def render_sign_in(params: Mapping[str, str], vehicles: list[Vehicle]) -> str:
    """Return the sign-in page: the account's cars (all checked), Sign in and Cancel."""
    hidden = "".join(
        f"<input type='hidden' name='{escape(key)}' value='{escape(value)}'>"
        for key, value in params.items()
    )
    cars = (
        "".join(
            f"<label><input type='checkbox' name='vin' value='{escape(car.vin)}' checked> "
            f"{car.year} Volvo {escape(car.model)} ({escape(car.vin)})</label>"
            for car in vehicles
        )
        or "<p>No cars on this account.</p>"
    )
    scope = escape(params.get("scope", ""))
    body = (
        f"<p>The application asks for: <code>{scope}</code></p>"
        f"<form method='post'><p>Cars on the account:</p>{hidden}{cars}"
        "<button name='decision' value='allow'>Sign in</button> "
        "<button name='decision' value='deny'>Cancel</button></form>"
    )
    return _page("Volvo ID (simulator)", body)


def render_error(message: str) -> str:
    """Return the page shown when Volvo ID cannot send the user back."""
    return _page("Volvo ID: error", f"<p>{escape(message)}</p>")
