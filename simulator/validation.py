"""Checks for JSON sent to the control API; failures become 400 answers."""

from collections.abc import Collection
import json
from typing import Any

from aiohttp import web


class BadRequestError(Exception):
    """The control API request is invalid; the message says why."""


async def read_json(request: web.Request) -> Any:
    """The request's JSON body; BadRequestError when it is not JSON."""
    try:
        return await request.json()
    except json.JSONDecodeError as error:
        raise BadRequestError("body must be JSON") from error


def expect_object(value: Any, name: str, allowed: Collection[str]) -> dict[str, Any]:
    """Return `value` if it is an object with only `allowed` keys."""
    if not isinstance(value, dict):
        raise BadRequestError(f"{name} must be an object")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise BadRequestError(f"{name}: unknown keys {', '.join(unknown)}")
    return value


def expect_bool(value: Any, name: str) -> bool:
    """Return `value` if it is true or false."""
    if not isinstance(value, bool):
        raise BadRequestError(f"{name} must be true or false")
    return value


def expect_number(value: Any, name: str, low: float, high: float) -> float:
    """Return `value` if it is a number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise BadRequestError(f"{name} must be a number from {low} to {high}")
    return float(value)


def expect_int(value: Any, name: str, low: int, high: int) -> int:
    """Return `value` if it is an integer within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequestError(f"{name} must be an integer from {low} to {high}")
    return value


def expect_choice(value: Any, name: str, choices: Collection[str]) -> str:
    """Return `value` if it is one of `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise BadRequestError(f"{name} must be one of {', '.join(sorted(choices))}")
    return value
