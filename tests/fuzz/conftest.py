"""Hypothesis profiles for the fuzz tests, and a loopback server that answers what a test says.

`make test` runs the `quick` profile: a bounded number of examples, after replaying the failures
kept in tests/fuzz/corpus/ (read only, so a test run leaves the tree alone). `make fuzz` runs
`long` (HYPOTHESIS_PROFILE=long): many more examples, and the failures it finds are saved in the
corpus (the ones that pass by then are dropped from it) to be committed.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
import os
from pathlib import Path

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase, ReadOnlyDatabase
import pytest

CORPUS = Path(__file__).parent / "corpus"

settings.register_profile(
    "quick",
    max_examples=80,
    deadline=None,
    database=ReadOnlyDatabase(DirectoryBasedExampleDatabase(CORPUS)),
    # One server per test serves every example; examples are whole HTTP exchanges.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
settings.register_profile(
    "long",
    parent=settings.get_profile("quick"),
    max_examples=3000,
    database=DirectoryBasedExampleDatabase(CORPUS),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status, Content-Type (None: aiohttp's default), body and Retry-After."""

    status: int = 200
    content_type: str | None = "application/json"
    body: bytes = b"{}"
    retry_after: str | None = None

    def response(self) -> web.Response:
        response = web.Response(status=self.status, body=self.body)
        if self.content_type is not None:
            response.headers["Content-Type"] = self.content_type
        if self.retry_after is not None:
            response.headers["Retry-After"] = self.retry_after
        return response


# What the server answers a request: a Reply, or one made from the request (paging by offset).
type Answer = Reply | Callable[[web.Request], Reply]


@dataclass
class FakeServer:
    """Answers each path as `answers` says (404 `{}` otherwise) and counts the requests."""

    url: str
    answers: dict[str, Answer] = field(default_factory=dict)
    requests: int = 0

    def serve(self, answers: dict[str, Answer]) -> None:
        """Answer these from now on, counting from zero."""
        self.answers = answers
        self.requests = 0


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[FakeServer]:
    """The fake server on loopback, for every example of a test.

    Asyncio's debug mode (on in Home Assistant's tests) records a traceback for every future and
    task: two thirds of the time of thousands of requests. It is off while fuzzing.
    """
    loop = asyncio.get_running_loop()
    debug = loop.get_debug()
    loop.set_debug(False)
    fake = FakeServer("")

    async def handler(request: web.Request) -> web.Response:
        fake.requests += 1
        answer = fake.answers.get(request.path, Reply(404))
        return (answer if isinstance(answer, Reply) else answer(request)).response()

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    test_server = TestServer(app, host="127.0.0.1", port=0)
    await test_server.start_server()
    fake.url = f"http://127.0.0.1:{test_server.port}"
    try:
        yield fake
    finally:
        await test_server.close()
        loop.set_debug(debug)


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    async with ClientSession() as client_session:
        yield client_session
