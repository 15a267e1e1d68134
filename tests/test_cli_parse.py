"""``briefbot parse``: files and URLs in, stories out, never a traceback."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from jobs.ingest.fetch import FetchLimits
from tests.conftest import CORPUS, SEEDS, corpus_files

FETCH_MAX_BYTES = FetchLimits().max_bytes

SEED = SEEDS / "world-brief_2025-02-12.txt"
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><guid>1</guid><title>Tariffs on steel</title><link>https://w.test/1</link>
<description>New tariffs on steel imports start Monday.</description></item>
<item><guid>2</guid><title>Rain in Kyiv</title><link>https://w.test/2</link>
<description>Heavy rain fell on Kyiv overnight.</description></item></channel></rss>"""


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", "sqlite+aiosqlite:////nonexistent/dir/never.db")
    monkeypatch.setenv("BRIEFBOT_ALLOW_PRIVATE_FEEDS", "true")  # the test server is local
    return CliRunner()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/feed.xml":
            self._send(200, FEED, "application/rss+xml")
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/feed.xml")
            self.end_headers()
        elif self.path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", f"/loop{len(self.path)}")
            self.end_headers()
        elif self.path == "/huge":
            self._send(200, b"<rss>" + b" " * (FETCH_MAX_BYTES + 10), "application/rss+xml")
        else:
            self._send(404, b"not here", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_seed_brief_parses_to_five_tagged_stories_as_json_without_a_database(cli):
    result = cli.invoke(main, ["parse", str(SEED), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["title"] == "Hegseth Rules Out U.S. Peacekeeping in Ukraine"
    assert [s["title"] for s in data["stories"]][:2] == ["Is Europe on Its Own?", "Renewing war."]
    assert [set(s["topics"]) for s in data["stories"]] == [
        {"ukraine", "us-politics", "europe"}, {"gaza", "us-politics"},
        {"trade", "us-politics", "asia"}, {"europe"}, {"trade", "us-politics", "americas"},
    ]  # fmt: skip
    assert not Path("never.db").exists()


def test_parse_json_lists_what_the_splitter_dropped_with_the_reason(cli):
    result = cli.invoke(main, ["parse", str(SEED), "--json"])
    data = json.loads(result.output)
    assert data["whole"] is False
    reasons = {d["reason"] for d in data["dropped"]}
    assert {"footer", "caption", "section", "boilerplate"} <= reasons
    most_read = [d for d in data["dropped"] if d["text"] == "Today’s Most Read"]
    assert most_read and most_read[0]["reason"] == "section"


def test_without_json_each_story_is_listed_with_its_topics_and_first_line(cli):
    result = cli.invoke(main, ["parse", str(SEED)])
    assert result.exit_code == 0
    assert "  5. Odds and Ends" in result.output
    odds = "topics: trade (tariff, import), us-politics (Trump, White House, Beltway, U.S.)"
    assert odds in result.output
    [americas] = [line for line in result.output.splitlines() if "americas (" in line]
    terms = americas.split("americas (")[1].split(")")[0].split(", ")
    assert sorted(terms) == ["Canada", "Canadian", "Canadians", "Doug Ford", "Ontario"]
    assert "Along with the 12 other Canadian provincial" in result.output


def test_a_feed_url_is_fetched_and_gives_one_object_per_item(cli, server):
    result = cli.invoke(main, ["parse", f"{server}/moved", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [d["title"] for d in data] == ["Tariffs on steel", "Rain in Kyiv"]
    assert data[0]["stories"][0]["topics"] == ["trade"]
    assert data[1]["stories"][0]["url"] == "https://w.test/2"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/missing", "HTTP 404"),
        ("/loop", "more than 5 redirects"),
        ("/huge", "over the 10,485,760-byte limit"),
    ],
)
def test_url_failures_give_one_line_and_exit_code_1(cli, server, path, words):
    result = cli.invoke(main, ["parse", f"{server}{path}", "--json"])
    assert result.exit_code == 1
    assert words in result.output and result.output.count("\n") == 1


def test_a_missing_file_is_one_line(cli):
    result = cli.invoke(main, ["parse", "no-such-file.txt"])
    assert result.exit_code == 1 and "cannot read no-such-file.txt" in result.output


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")
def test_every_corpus_file_goes_through_parse_json_without_a_traceback(cli):
    paths = corpus_files("feeds", "*/*") + corpus_files("briefs")
    assert len(paths) > 130
    for path in paths:
        result = cli.invoke(main, ["parse", str(path), "--json"])
        assert result.exception is None or isinstance(result.exception, SystemExit), path.name
        assert "Traceback" not in result.output, path.name
        if result.exit_code == 0:
            json.loads(result.stdout)
        else:
            assert result.exit_code == 1 and result.output.startswith("Error: "), path.name
            assert path.parent.name == "bad", path.name
