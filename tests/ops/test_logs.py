"""Logs: one line per event, optionally JSON, and never the bot token."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.runtime.logs import REDACTED, configure_logging

TOKEN = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    yield stream
    root.handlers[:], level = saved
    root.setLevel(level)


def route_to(stream: io.StringIO) -> None:
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)


def test_a_url_with_the_token_is_logged_without_it(captured: io.StringIO) -> None:
    configure_logging("DEBUG", TOKEN)
    route_to(captured)

    logging.getLogger("telegram.ext").info(
        "POST %s", f"https://api.telegram.org/bot{TOKEN}/getUpdates"
    )
    logging.getLogger("telegram.ext").warning("token %s in text", TOKEN)

    output = captured.getvalue()
    assert TOKEN not in output
    assert f"bot{REDACTED}/getUpdates" in output
    assert len(output.strip().splitlines()) == 2


def test_a_traceback_that_mentions_the_token_is_redacted(captured: io.StringIO) -> None:
    configure_logging("INFO", TOKEN)
    route_to(captured)

    try:
        raise ConnectionError(f"cannot connect to https://api.telegram.org/bot{TOKEN}/getMe")
    except ConnectionError:
        logging.getLogger("bot").exception("network trouble")

    assert TOKEN not in captured.getvalue()
    assert "ConnectionError" in captured.getvalue()


def test_something_shaped_like_any_token_is_redacted_too(captured: io.StringIO) -> None:
    configure_logging("INFO", None)
    route_to(captured)

    logging.getLogger("x").info("url /bot%s/sendMessage", TOKEN)

    assert TOKEN not in captured.getvalue()


def test_json_lines_carry_level_logger_and_message(captured: io.StringIO) -> None:
    configure_logging("INFO", TOKEN, json_lines=True)
    route_to(captured)

    logging.getLogger("jobs.ingest.run").info("feed %s: %d new stories", "fp", 5)

    entry = json.loads(captured.getvalue())
    assert entry["level"] == "INFO"
    assert entry["logger"] == "jobs.ingest.run"
    assert entry["message"] == "feed fp: 5 new stories"


def test_http_libraries_log_only_warnings(captured: io.StringIO) -> None:
    configure_logging("DEBUG", TOKEN)

    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("httpcore").getEffectiveLevel() == logging.WARNING
