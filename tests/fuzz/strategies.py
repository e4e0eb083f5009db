"""Bodies a server can send: JSON of the documented shape with any value in any field, any JSON,
bytes, Latin-1 pages, deep nesting and huge numbers, under any status and content type."""

import json
from typing import Any

from hypothesis import strategies as st

from .conftest import Reply

# A Latin-1 proxy page: not UTF-8, hence not JSON.
LATIN1_PAGE = "<html><body>Passerelle indisponible, réessayez</body></html>".encode("latin-1")
# Nesting deeper than Python's json parses (about 60,000 levels in 3.14).
DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
HUGE = 10**400  # beyond a float
CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin-1",
    "application/json; charset=no-such-charset",
    "application/problem+json",
    "text/html; charset=iso-8859-1",
    "text/plain",
    "application/octet-stream",
    None,
)
RETRY_AFTERS = ("60", "²", "9" * 40, "Wed, 21 Oct 2015 07:28:00 GMT", "soon", "-1", "")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([HUGE, -HUGE, 2**63, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
# Any JSON value (with NaN and Infinity, which Python's json writes and reads).
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def number(*valid: float) -> st.SearchStrategy[Any]:
    """A numeric field: plausible numbers (most often), numbers out of any range, anything else."""
    plausible = st.sampled_from(valid)
    return st.one_of(
        plausible,
        plausible,
        st.floats(-1e4, 1e7, allow_nan=False),
        st.sampled_from([200, -1, 361, 1e400, float("nan"), True, "42", "far", None, HUGE]),
        json_values,
    )


def word(*valid: str) -> st.SearchStrategy[Any]:
    """A field of words: the documented ones (most often), other words, and anything else."""
    documented = st.sampled_from(valid)
    return st.one_of(documented, documented, st.text(max_size=12), json_values)


def shaped(
    required: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[Any]:
    """A JSON object of the documented keys with any value, at times not an object at all."""
    objects = st.fixed_dictionaries(required, optional=optional)
    return st.one_of(objects, objects, objects, json_values)


def dumps(value: Any) -> bytes:
    """JSON as Python writes it: NaN and Infinity included, any integer."""
    return json.dumps(value, allow_nan=True).encode()


junk_bodies = st.one_of(
    st.binary(max_size=64),
    st.just(LATIN1_PAGE),
    st.sampled_from([DEEP, DEEP_OBJECT, b"[" * 2_000 + b"]" * 2_000]),
    st.just(b"1" + b"0" * 5_000),  # more digits than int() takes
    st.sampled_from([b"1e400", b"-Infinity", b"NaN", b"", b"null", b"[]", b'"text"']),
    json_values.map(dumps),
)


def replies(body: st.SearchStrategy[Any]) -> st.SearchStrategy[Reply]:
    """Answers with a body of the documented shape (or not), mostly 200, any content type."""
    return st.builds(
        Reply,
        status=st.one_of(
            st.just(200),
            st.just(200),
            st.sampled_from([201, 204, 400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503]),
            st.integers(200, 599),
        ),
        content_type=st.sampled_from(CONTENT_TYPES),
        body=st.one_of(body.map(dumps), junk_bodies),
        retry_after=st.one_of(st.none(), st.sampled_from(RETRY_AFTERS)),
    )


def json_reply(value: Any, status: int = 200, content_type: str = "application/json") -> Reply:
    """An explicit answer for @example: this value as JSON."""
    return Reply(status=status, content_type=content_type, body=dumps(value))
