"""`briefbot events`: the events among given files' stories, or among the stored ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from tests.feedserver import Item, rss

SCHOOL_BBC = Item(
    "Israeli strike on Gaza school kills at least 16",
    "An Israeli air strike hit the Mustafa Hafez school in Gaza City on Thursday, killing at "
    "least 16 people sheltering there, the Hamas-run civil defence agency said.",
)
SCHOOL_NYT = Item(
    "At Least 16 Killed in Israeli Strikes Near Gaza School Buildings",
    "Israeli strikes near the Mustafa Hafez school compound in Gaza City killed at least 16 "
    "people, Palestinian officials said; Israel said Hamas fighters were operating there.",
)
KURSK = Item(
    "Ukraine advances into Russia's Kursk region",
    "Ukrainian troops pushed deeper into the Kursk region on Thursday, the governor said, as "
    "Moscow declared a state of emergency in the border area near Sudzha.",
)


@pytest.fixture
def feeds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """Two outlets' feeds in files, a SQLite file, and no seed feeds."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    (tmp_path / "feeds.toml").write_text("")
    monkeypatch.setenv("BRIEFBOT_FEEDS_FILE", str(tmp_path / "feeds.toml"))
    bbc, nyt = tmp_path / "bbc.xml", tmp_path / "nyt.xml"
    bbc.write_text(rss("BBC", [SCHOOL_BBC], link="https://bbc.example/"))
    nyt.write_text(rss("NYT", [SCHOOL_NYT, KURSK], link="https://nyt.example/"))
    return [bbc, nyt]


def events_json(*args: str) -> list[dict[str, list[dict[str, str]]]]:
    result = CliRunner().invoke(main, ["events", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_two_files_reporting_one_strike_print_it_as_one_event_beside_a_singleton(feeds):
    found = events_json(*map(str, feeds))

    assert sorted([s["source"] for s in e["stories"]] for e in found) == [
        ["bbc.xml", "nyt.xml"],
        ["nyt.xml"],
    ]
    school = next(e for e in found if len(e["stories"]) == 2)
    assert school["stories"][0] == {
        "source": "bbc.xml",
        "title": SCHOOL_BBC.title,
        "url": "https://bbc.example/" + SCHOOL_BBC.title.replace(" ", "%20"),
    }


def test_without_sources_the_stored_stories_of_the_window_are_grouped(feeds):
    ingested = CliRunner().invoke(main, ["ingest", *map(str, feeds)])
    assert ingested.exit_code == 0, ingested.output
    # The items are dated 12 February 2025 and were stored just now: they are in the window.
    found = events_json()
    assert sorted(len(e["stories"]) for e in found) == [1, 2]


def test_an_unreadable_source_is_named_without_a_traceback(feeds):
    result = CliRunner().invoke(main, ["events", "--json", "missing.xml"])
    assert result.exit_code != 0 and "cannot read missing.xml" in result.output
    assert "Traceback" not in result.output
