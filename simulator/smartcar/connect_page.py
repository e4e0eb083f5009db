"""HTML of the simulated Smartcar Connect."""

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


def render_approval(params: Mapping[str, str], vehicles: list[Vehicle], single: bool) -> str:
    """Return the page listing the cars to approve, with Allow and Deny buttons."""
    hidden = "".join(
        f"<input type='hidden' name='{escape(key)}' value='{escape(value)}'>"
        for key, value in params.items()
    )
    kind = "radio" if single else "checkbox"
    cars = (
        "".join(
            f"<label><input type='{kind}' name='vehicle' value='{escape(car.id)}'"
            f"{' checked' if not single or index == 0 else ''}> "
            f"{car.year} {escape(car.make)} {escape(car.model)} ({escape(car.vin)})</label>"
            for index, car in enumerate(vehicles)
        )
        or "<p>No vehicles found in this account.</p>"
    )
    scope = escape(params.get("scope", ""))
    body = (
        f"<p>The application asks for: <code>{scope}</code></p>"
        f"<form method='post'>{hidden}{cars}"
        "<button name='decision' value='allow'>Allow</button> "
        "<button name='decision' value='deny'>Deny</button></form>"
    )
    return _page("Smartcar Connect (simulator)", body)


def render_error(message: str) -> str:
    """Return the page shown when Connect cannot send the user back."""
    return _page("Smartcar Connect: error", f"<p>{escape(message)}</p>")
