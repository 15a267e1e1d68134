"""The command line, as an operator meets it."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from bot.cli.main import main
from bot.cli.support import run_async
from jobs.catalogue import load_feeds
from storage import db
from tests.conftest import POSTGRES_URL, ROOT, postgres_problem

CONTRACT = ["run", "ingest", "parse", "preview", "digest", "feeds", "topics", "db"]


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working directory of its own, no token, and a SQLite file in it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    return tmp_path


def all_commands(group: click.Group = main, prefix: str = "") -> list[str]:
    names = []
    for name, command in group.commands.items():
        names.append(f"{prefix}{name}")
        if isinstance(command, click.Group):
            names.extend(all_commands(command, f"{prefix}{name} "))
    return names


def test_help_lists_every_command_of_the_contract() -> None:
    result = CliRunner().invoke(main, ["--help"])

    assert result.exit_code == 0
    listed = re.findall(r"^  (\w+)", result.output, flags=re.MULTILINE)
    assert set(CONTRACT) <= set(listed)


@pytest.mark.parametrize("command", all_commands())
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    result = CliRunner().invoke(main, [*command.split(), "--help"])

    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert f"briefbot {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_db_upgrade_twice_changes_nothing_the_second_time(cli_env: Path) -> None:
    runner = CliRunner()

    first = runner.invoke(main, ["db", "upgrade"])
    second = runner.invoke(main, ["db", "upgrade"])

    assert first.exit_code == 0, first.output
    assert "upgraded from empty" in first.output
    assert second.exit_code == 0
    assert "up to date" in second.output and "nothing to do" in second.output
    assert (cli_env / "b.db").exists()


def test_db_upgrade_says_when_it_seeds_a_database_already_at_the_newest_revision(
    cli_env: Path,
) -> None:
    async def migrate_only() -> None:
        engine = db.create_engine(f"sqlite+aiosqlite:///{cli_env / 'b.db'}")
        await db.upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate_only())

    first = CliRunner().invoke(main, ["db", "upgrade"])
    second = CliRunner().invoke(main, ["db", "upgrade"])

    assert first.exit_code == 0, first.output
    defaults = len(load_feeds(ROOT / "seeds" / "feeds.toml"))
    assert f"up to date (revision {db.head_revision()}); added {defaults} feeds" in first.output
    assert "nothing to do" in second.output


def test_a_wrong_setting_gives_one_clear_line(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFBOT_ADMIN_IDS", "12,me")

    result = CliRunner().invoke(main, ["db", "upgrade"])

    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert lines == [
        "Error: bad setting: BRIEFBOT_ADMIN_IDS: 'me' is not a Telegram user id; "
        "give numbers separated by commas"
    ]


def test_run_without_a_token_explains_botfather_and_fails(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["run"])

    assert result.exit_code != 0
    assert "@BotFather" in result.output
    assert "TELEGRAM_BOT_TOKEN" in result.output


def unreachable_urls(tmp_path: Path) -> dict[str, str]:
    """Databases that cannot be reached, each with what the one line should say."""
    (tmp_path / "a-file").write_text("not a folder")
    server = make_url(POSTGRES_URL)
    return {
        "postgresql://nobody@127.0.0.1:1/none": "Connect call failed",
        f"sqlite:///{tmp_path / 'a-file' / 'b.db'}": "cannot create",
        server.set(username="briefbot_no_such_role").render_as_string(hide_password=False): (
            'role "briefbot_no_such_role" does not exist'
        ),
        server.set(database="briefbot_no_such_database").render_as_string(hide_password=False): (
            'database "briefbot_no_such_database" does not exist'
        ),
    }


@pytest.mark.parametrize("case", range(4), ids=["refused", "no-folder", "no-role", "no-database"])
def test_an_unreachable_database_is_one_line_not_a_traceback(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, case: int
) -> None:
    url, says = list(unreachable_urls(cli_env).items())[case]
    if case >= 2 and (problem := asyncio.run(postgres_problem())):
        pytest.skip(problem)
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", url)

    result = CliRunner().invoke(main, ["db", "upgrade"])

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: cannot reach the database (")
    assert says in result.output
    assert "check BRIEFBOT_DATABASE_URL" in result.output


def test_a_file_that_is_not_a_database_is_not_called_unreachable(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cli_env / "notes.db").write_bytes(b"these are my notes, not a database\n" * 200)
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", f"sqlite:///{cli_env / 'notes.db'}")

    result = CliRunner().invoke(main, ["feeds", "list"])

    assert result.exit_code == 1
    assert "cannot reach" not in result.output
    assert result.output.strip() == (
        "Error: the database answered with an error (file is not a database); "
        "check BRIEFBOT_DATABASE_URL"
    )


def test_an_os_error_that_is_not_about_the_database_is_not_blamed_on_it() -> None:
    async def export_to_a_folder() -> None:
        raise IsADirectoryError(21, "Is a directory", "feeds.opml")

    with pytest.raises(IsADirectoryError):
        run_async(export_to_a_folder())


def test_topics_lists_the_seed_topics(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["topics"])

    assert result.exit_code == 0
    for slug in ("ukraine", "gaza", "trade", "middle-east", "us-politics", "economy"):
        assert re.search(rf"\b{slug}\b", result.output)


def test_feeds_can_be_added_listed_and_removed(cli_env: Path) -> None:
    runner = CliRunner()

    added = runner.invoke(main, ["feeds", "add", "https://example.org/brief.xml"])
    again = runner.invoke(main, ["feeds", "add", "https://example.org/brief.xml"])
    listed = runner.invoke(main, ["feeds", "list"])
    removed = runner.invoke(main, ["feeds", "remove", "https://example.org/brief.xml"])
    missing = runner.invoke(main, ["feeds", "remove", "https://example.org/brief.xml"])

    assert added.exit_code == 0 and "added" in added.output
    assert "already there" in again.output
    assert "https://example.org/brief.xml" in listed.output
    assert "not fetched yet" in listed.output
    assert removed.exit_code == 0
    assert missing.exit_code != 0 and "feeds list" in missing.output


def test_adding_a_feed_that_is_not_a_url_is_refused(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["feeds", "add", "example.org/feed"])

    assert result.exit_code != 0
    assert "not an http(s) URL" in result.output


def test_feeds_round_trip_through_opml(cli_env: Path) -> None:
    runner = CliRunner()
    (cli_env / "in.opml").write_text(
        '<opml version="2.0"><body><outline text="Brief" '
        'xmlUrl="https://example.org/brief.xml"/></body></opml>'
    )

    first = runner.invoke(main, ["feeds", "import", "in.opml"])
    again = runner.invoke(main, ["feeds", "import", "in.opml"])
    exported = runner.invoke(main, ["feeds", "export", "-o", "out.opml"])

    assert first.exit_code == 0 and "1 feeds, 1 added" in first.output
    assert "0 added, 1 already there" in again.output
    assert exported.exit_code == 0
    out = (cli_env / "out.opml").read_text()
    assert 'xmlUrl="https://example.org/brief.xml"' in out and 'text="Brief"' in out


def test_importing_a_file_that_is_not_opml_says_so(cli_env: Path) -> None:
    (cli_env / "feed.xml").write_text("<rss><channel/></rss>")

    result = CliRunner().invoke(main, ["feeds", "import", "feed.xml"])

    assert result.exit_code == 1
    assert "not an OPML file" in result.output


def test_run_without_a_token_can_preview_the_seed_brief_instead(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--preview-if-no-token"])

    assert result.exit_code == 0
    assert "@BotFather" in result.output
    for title in ("Is Europe on Its Own?", "Renewing war.", "Odds and Ends"):
        assert title in result.output
    assert "<b>" not in result.output  # plain text for a terminal, not Telegram HTML


def test_preview_from_a_file_shows_only_the_followed_topics(cli_env: Path) -> None:
    seed = ROOT / "seeds" / "world-brief_2025-02-12.txt"

    result = CliRunner().invoke(main, ["preview", "--topics", "gaza", "--source", str(seed)])

    assert result.exit_code == 0, result.output
    assert "1. 🕊️🏛️ Renewing war." in result.output
    assert "Modi comes to Washington" not in result.output


def test_preview_refuses_an_unknown_topic(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["preview", "--topics", "ukrane"])

    assert result.exit_code == 1
    assert "unknown topic(s): ukrane" in result.output


def test_preview_from_the_database_lists_stored_stories(cli_env: Path) -> None:
    runner = CliRunner()
    seed = ROOT / "seeds" / "world-brief_2025-02-12.txt"
    stored = runner.invoke(main, ["ingest", str(seed)])
    assert stored.exit_code == 0, stored.output

    result = runner.invoke(main, ["preview", "--topics", "trade"])

    assert result.exit_code == 0, result.output
    assert "Modi comes to Washington." in result.output
    assert "Odds and Ends" in result.output
    assert "Renewing war." not in result.output


def test_feeds_add_refuses_an_internal_address_in_one_line(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["feeds", "add", "http://169.254.169.254/latest/meta-data/"])

    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: http://169.254.169.254/latest/meta-data/: refused: 169.254.169.254 is not a "
        "public address; set BRIEFBOT_ALLOW_PRIVATE_FEEDS=true to fetch an internal feed on "
        "purpose"
    ]
    assert "169.254" not in CliRunner().invoke(main, ["feeds", "list"]).output


def test_feeds_add_takes_an_internal_feed_when_the_operator_allows_it(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFBOT_ALLOW_PRIVATE_FEEDS", "true")

    result = CliRunner().invoke(main, ["feeds", "add", "http://10.0.0.5/feed.xml"])

    assert result.exit_code == 0 and "added http://10.0.0.5/feed.xml" in result.output


def test_opml_import_skips_internal_addresses_and_says_so(cli_env: Path) -> None:
    (cli_env / "in.opml").write_text(
        '<opml version="2.0"><body>'
        '<outline text="Brief" xmlUrl="https://example.org/brief.xml"/>'
        '<outline text="Meta" xmlUrl="http://169.254.169.254/latest/meta-data/"/>'
        '<outline text="Local" xmlUrl="http://2130706433:8080/admin"/>'
        "</body></opml>"
    )

    result = CliRunner().invoke(main, ["feeds", "import", "in.opml"])
    listed = CliRunner().invoke(main, ["feeds", "list"]).output

    assert result.exit_code == 0
    assert "1 feeds, 1 added, 0 already there, 2 skipped (internal addresses" in result.output
    assert "https://example.org/brief.xml" in listed
    assert "169.254" not in listed and "2130706433" not in listed


def test_opml_import_refuses_an_oversized_file_before_reading_it(cli_env: Path) -> None:
    with (cli_env / "big.opml").open("wb") as out:
        out.truncate(5 * 1024 * 1024)

    result = CliRunner().invoke(main, ["feeds", "import", "big.opml"])

    assert result.exit_code == 1
    assert "OPML files over 4,194,304 bytes are refused" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_opml_import_of_many_outlines_adds_them_in_bulk(cli_env: Path) -> None:
    outlines = "".join(
        f'<outline text="F{n}" xmlUrl="https://example.org/{n}.xml"/>' for n in range(5000)
    )
    (cli_env / "many.opml").write_text(f'<opml version="2.0"><body>{outlines}</body></opml>')

    started = time.monotonic()
    result = CliRunner().invoke(main, ["feeds", "import", "many.opml"])
    again = CliRunner().invoke(main, ["feeds", "import", "many.opml"])

    assert result.exit_code == 0 and "5000 feeds, 5000 added" in result.output
    assert "0 added, 5000 already there" in again.output
    assert time.monotonic() - started < 15


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql+asyncpg://nobody_here@127.0.0.1:5432/test", 'role "nobody_here"'),
        ("postgresql+asyncpg://postgres@127.0.0.1:5432/no_such_db", '"no_such_db" does not'),
        ("sqlite+aiosqlite:///junk.db", "file is not a database"),
    ],
)
@pytest.mark.parametrize("command", [["db", "upgrade"], ["run"], ["feeds", "list"]])
def test_a_database_that_refuses_at_start_is_one_line_naming_the_variable(
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    url: str,
    reason: str,
    command: list[str],
) -> None:
    if url.startswith("postgresql"):
        request.getfixturevalue("postgres_databases")  # skips, saying why, without a server
    (cli_env / "junk.db").write_bytes(b"this is not a database file " * 200)
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9")
    monkeypatch.setenv("BRIEFBOT_BOT_API_URL", "http://127.0.0.1:9/bot")

    result = CliRunner().invoke(main, command)

    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and reason in errors[0], result.output
    assert errors[0].endswith("check BRIEFBOT_DATABASE_URL")
    assert "Traceback" not in result.output
