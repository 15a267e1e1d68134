"""The bot token never reaches the log, even at DEBUG, over a whole conversation."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.runtime.logs import configure_logging
from tests.bot.conftest import (  # noqa: F401  (fixtures)
    TOKEN,
    World,
    admin_ids,
    limits,
    more_settings,
    pacing,
    template_database,
    world,
)
from tests.bot.seed import insert_seed_brief


@pytest.fixture
def everything_logged() -> Iterator[io.StringIO]:
    """All log output at DEBUG, through briefbot's own handler and token filter."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("DEBUG", TOKEN)
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    for noisy in ("httpx", "httpcore"):  # the libraries that log request URLs
        logging.getLogger(noisy).setLevel(logging.DEBUG)
    yield stream
    root.handlers[:], level = saved
    root.setLevel(level)


async def test_a_full_conversation_logs_no_token(
    world: World,  # noqa: F811
    everything_logged: io.StringIO,
) -> None:
    async with world.sessions.begin() as session:
        await insert_seed_brief(session)

    for text in ("/start", "/topics ukraine gaza", "/digest", "/story 2", "/why 1", "/nonsense"):
        await world.say(text)
    world.api.fail_next("sendMessage", 500, "Internal Server Error")
    await world.say("/help")  # an error, logged with its traceback

    output = everything_logged.getvalue()
    assert "sendMessage" in output, "the conversation was not logged at all"
    assert "Traceback" in output or "Internal Server Error" in output
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
