"""An operator's feed list is theirs: removed feeds stay removed, whatever runs next."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from bot.cli.main import main
from storage import db
from storage.models import Feed, JobRun
from tests.bot.conftest import TOKEN
from tests.botapi import BotApiDouble
from tests.conftest import SEEDS
from tests.feedserver import FeedServer, Item, rss, serving
from tests.test_cli import all_commands

BRIEFBOT = str(Path(sys.executable).with_name("briefbot"))
GAZA = (
    "Israel and Hamas traded accusations over the ceasefire in Gaza on Tuesday, as "
    "mediators in Cairo tried to keep the truce alive and aid convoys waited at the "
    "Rafah crossing for permission to enter the territory before nightfall."
)
OWN = "https://example.org/own.xml"


class Operator:
    """Runs briefbot commands as an operator would, in one working directory and database."""

    def __init__(self, tmp_path: Path, api: BotApiDouble, server: FeedServer) -> None:
        self.tmp_path = tmp_path
        self.api = api
        self.database = f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
        self.defaults = [
            server.add("world.xml", rss("World", [Item("Gaza truce", GAZA)])),
            server.add("region.xml", rss("Region", [Item("Truce", GAZA)])),
        ]
        feeds_file = tmp_path / "feeds.toml"
        feeds_file.write_text("".join(f'[[feed]]\nurl = "{url}"\n' for url in self.defaults))
        self.env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "BRIEFBOT_BOT_API_URL": api.base_url,
            "BRIEFBOT_DATABASE_URL": self.database,
            "BRIEFBOT_FEEDS_FILE": str(feeds_file),
        }

    async def briefbot(self, *args: str) -> Result:
        """One command through the real CLI (in a thread: it runs its own event loop)."""
        result = await asyncio.to_thread(CliRunner().invoke, main, list(args), env=self.env)
        assert "Traceback" not in result.output, result.output
        return result

    async def feed_urls(self) -> set[str]:
        engine = db.create_engine(self.database)
        try:
            async with db.create_sessionmaker(engine)() as session:
                return set(await session.scalars(select(Feed.url)))
        finally:
            await engine.dispose()

    async def run_for_one_poll(self) -> str:
        """``briefbot run`` until its first feed poll is recorded, then SIGTERM."""
        log = self.tmp_path / "run.log"
        env = {**os.environ, **self.env}
        engine = db.create_engine(self.database)
        sessions = db.create_sessionmaker(engine)

        async def last_poll() -> datetime | None:
            async with sessions() as session:
                run = await session.get(JobRun, "ingest")  # `briefbot ingest` records it too
                return run.last_started_at if run else None

        before = await last_poll()
        process = await asyncio.create_subprocess_exec(
            BRIEFBOT, "run", cwd=self.tmp_path, env=env, stderr=log.open("wb")
        )
        try:
            for _ in range(300):
                if await last_poll() != before:
                    break
                await asyncio.sleep(0.1)
            else:
                pytest.fail("briefbot run did not poll the feeds within 30 s")
        finally:
            await engine.dispose()
            process.send_signal(signal.SIGTERM)
            await self.api.release_pollers()
            await asyncio.wait_for(process.wait(), 30)
        assert process.returncode == 0, log.read_text()
        return log.read_text()


async def test_removed_feeds_stay_removed_through_every_command_and_a_poll(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "own.opml").write_text(
        f'<opml version="2.0"><body><outline text="Own" xmlUrl="{OWN}"/></body></opml>'
    )
    seed = str(SEEDS / "world-brief_2025-02-12.txt")
    async with BotApiDouble() as api, serving() as server:
        operator = Operator(tmp_path, api, server)
        first = await operator.briefbot("db", "upgrade")
        assert "added 2 feeds" in first.output
        assert await operator.feed_urls() == set(operator.defaults)
        for feed_id in ("1", "2"):
            assert (await operator.briefbot("feeds", "remove", feed_id)).exit_code == 0

        # Every command, in turn; those that change the list on purpose are undone.
        steps: dict[str, list[list[str]]] = {
            "db upgrade": [["db", "upgrade"]],
            "feeds list": [["feeds", "list"]],
            "feeds export": [["feeds", "export"]],
            "feeds add": [["feeds", "add", OWN], ["feeds", "remove", OWN]],
            "feeds import": [["feeds", "import", "own.opml"], ["feeds", "remove", OWN]],
            "feeds remove": [["feeds", "remove", "1"]],
            "sources add": [["sources", "add", OWN], ["sources", "remove", OWN]],
            "sources list": [["sources", "list"]],
            "sources remove": [["sources", "add", OWN], ["sources", "remove", OWN]],
            "ingest": [["ingest"], ["ingest", seed]],
            "parse": [["parse", seed, "--json"]],
            "events": [["events", "--json"], ["events", "--json", seed]],
            "preview": [["preview", "--topics", "gaza"]],
            "digest": [["digest", "--now"]],
            "topics": [["topics"]],
        }
        exits = {}
        for name, commands in steps.items():
            for argv in commands:
                exits[" ".join(argv)] = (await operator.briefbot(*argv)).exit_code
            assert await operator.feed_urls() == set(), f"`briefbot {name}` brought feeds back"
        run_log = await operator.run_for_one_poll()
        after_run = await operator.feed_urls()
        listed = (await operator.briefbot("feeds", "list")).output
        hits = [server.hits(url.rsplit("/", 1)[1]) for url in operator.defaults]

    # A new command must be added to the steps (reset-defaults brings them back on purpose).
    assert set(all_commands()) - set(steps) - {"run", "feeds reset-defaults"} == {
        "feeds",
        "sources",
        "db",
    }
    assert {argv for argv, code in exits.items() if code} == {"feeds remove 1"}
    assert after_run == set(), run_log
    assert "no feeds" in listed and "reset-defaults" in listed
    assert hits == [0, 0], "a removed default feed was fetched"


async def test_reset_defaults_brings_the_defaults_back_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with BotApiDouble() as api, serving() as server:
        operator = Operator(tmp_path, api, server)
        await operator.briefbot("db", "upgrade")
        await operator.briefbot("feeds", "remove", operator.defaults[0])
        await operator.briefbot("feeds", "add", OWN)

        first = await operator.briefbot("feeds", "reset-defaults")
        second = await operator.briefbot("feeds", "reset-defaults")
        urls = await operator.feed_urls()

    assert first.exit_code == 0, first.output
    assert "2 default feeds, 1 added, 1 already there" in first.output
    assert "2 default feeds, 0 added, 2 already there" in second.output
    assert urls == {*operator.defaults, OWN}
