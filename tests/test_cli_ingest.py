"""`briefbot ingest`, as an operator runs it, against a feed server on 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from tests.conftest import SEEDS
from tests.feedserver import FeedServer, Item, rss, serving_in_thread

GAZA = (
    "Israel and Hamas traded accusations over the ceasefire in Gaza on Tuesday, as "
    "mediators in Cairo tried to keep the truce alive and aid convoys waited at the "
    "Rafah crossing for permission to enter the territory before nightfall."
)
TRADE = (
    "India's prime minister arrives in Washington hoping to avoid a trade war with the "
    "United States, bringing offers to buy more American energy and to lower tariffs on "
    "motorcycles and bourbon whiskey, officials in New Delhi said on Tuesday evening."
)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working directory of its own, a SQLite file, and no seed feeds (no internet)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    (tmp_path / "feeds.toml").write_text("")
    monkeypatch.setenv("BRIEFBOT_FEEDS_FILE", str(tmp_path / "feeds.toml"))
    monkeypatch.setenv("BRIEFBOT_ALLOW_PRIVATE_FEEDS", "true")  # the test server is local
    return tmp_path


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with serving_in_thread() as server:
        yield server


def briefbot(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_ingest_prints_a_line_per_feed_and_succeeds_when_some_failed(
    cli_env: Path, server: FeedServer
) -> None:
    good = server.add("world.xml", rss("World", [Item("Gaza truce", GAZA), Item("Modi", TRADE)]))
    broken = server.url("status/500")
    briefbot("feeds", "add", good)
    briefbot("feeds", "add", broken)

    status, output = briefbot("ingest")
    again_status, again = briefbot("ingest")

    assert status == 0, output
    assert f"{good}: 2 new stories, 0 duplicates skipped" in output
    assert re.search(
        rf"{re.escape(broken)}: error: HTTP 500 Internal Server Error \(next try", output
    )
    assert "1 of 2 failed; the others were stored" in output
    assert again_status == 0
    assert f"{good}: 0 new stories, 2 duplicates skipped" in again
    _, listed = briefbot("feeds", "list")
    assert "failing (2x): HTTP 500 Internal Server Error" in listed


def test_ingest_fails_when_every_feed_failed(cli_env: Path, server: FeedServer) -> None:
    briefbot("feeds", "add", server.url("status/503"))
    briefbot("feeds", "add", server.url("loop/0"))

    status, output = briefbot("ingest")

    assert status == 1
    assert "HTTP 503 Service Unavailable" in output
    assert "more than 5 redirects (a redirect loop?)" in output
    assert "Error: every feed failed; nothing was stored" in output


def test_ingest_without_feeds_says_how_to_add_one(cli_env: Path) -> None:
    status, output = briefbot("ingest")

    assert status == 0
    assert "briefbot feeds add URL" in output


def test_ingest_of_the_seed_brief_stores_its_five_stories_once(cli_env: Path) -> None:
    brief = str(SEEDS / "world-brief_2025-02-12.txt")

    status, output = briefbot("ingest", brief)
    again_status, again = briefbot("ingest", brief)

    assert status == 0, output
    assert f"{brief}: 5 new stories, 0 duplicates skipped" in output
    assert again_status == 0
    assert f"{brief}: 0 new stories, 5 duplicates skipped" in again


def test_ingest_of_sources_reports_each_one(cli_env: Path, server: FeedServer) -> None:
    url = server.add("feed.xml", rss("Feed", [Item("Gaza truce", GAZA)]))
    missing = str(cli_env / "missing.txt")

    result = CliRunner().invoke(main, ["ingest", url, missing])

    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{url}: 1 new story, 0 duplicates skipped",
        f"{missing}: error: cannot read {missing}: No such file or directory",
        "2 sources: 1 new story, 0 duplicates skipped, 1 failed",
        "1 of 2 failed; the others were stored (exit status 0)",
    ]
