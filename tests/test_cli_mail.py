"""`briefbot parse` and `briefbot ingest` read a saved newsletter message (.eml)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from tests.mailbuild import ONLY_A_PICTURE, STORIES, message
from tests.mailserver import PASSWORD, Dovecot


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("BRIEFBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    (tmp_path / "feeds.toml").write_text("")
    monkeypatch.setenv("BRIEFBOT_FEEDS_FILE", str(tmp_path / "feeds.toml"))
    return tmp_path


def briefbot(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_parse_json_prints_the_subject_and_the_stories_of_a_saved_message(cli_env: Path) -> None:
    (cli_env / "issue.eml").write_bytes(message().as_bytes())
    code, output = briefbot("parse", "issue.eml", "--json")
    assert code == 0
    brief = json.loads(output)
    assert brief["title"] == "The Daily Brief: talks in Cairo"
    assert [s["title"] for s in brief["stories"]] == [t for t, _ in STORIES]
    assert "gaza" in brief["stories"][0]["topics"]


def test_parse_prints_a_saved_message_as_numbered_stories_with_their_topics(
    cli_env: Path,
) -> None:
    (cli_env / "issue.eml").write_bytes(message().as_bytes())
    code, output = briefbot("parse", "issue.eml")
    assert code == 0
    assert output.startswith("# The Daily Brief: talks in Cairo\n  1. Ceasefire talks in Cairo.\n")
    assert "  3. Drones over Kyiv.\n     topics: ukraine (Ukraine, Kyiv, Russian drones)" in output


def test_ingest_stores_a_saved_message_once(cli_env: Path) -> None:
    (cli_env / "issue.eml").write_bytes(message(message_id="<1@news.test>").as_bytes())
    (cli_env / "again.eml").write_bytes(message(message_id="<1@news.test>").as_bytes())
    code, output = briefbot("ingest", "issue.eml")
    assert code == 0 and "3 new" in output
    code, output = briefbot("ingest", "again.eml")
    assert code == 0 and "0 new" in output


def test_a_broken_message_gets_one_line_and_no_traceback(cli_env: Path) -> None:
    (cli_env / "bad.eml").write_bytes(b"no headers here, only words")
    code, output = briefbot("parse", "bad.eml")
    assert code == 1 and "bad.eml: no mail headers" in output
    code, output = briefbot("ingest", "bad.eml")
    assert code == 1 and "bad.eml: error: no mail headers" in output


def test_a_message_over_25_mb_is_refused_before_it_is_read(cli_env: Path) -> None:
    path = cli_env / "big.eml"
    with path.open("wb") as out:
        out.truncate(26 * 1024 * 1024)
    code, output = briefbot("ingest", "big.eml")
    assert code == 1 and "over the 26,214,400-byte limit" in output


def test_sources_list_shows_a_polled_mailbox_with_its_newsletters_and_its_health(
    cli_env: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFBOT_IMAP_INSECURE", "true")
    monkeypatch.setenv("BRIEFBOT_IMAP_PASSWORD", PASSWORD)
    assert briefbot("sources", "add", dovecot.url("INBOX"))[0] == 0
    evening = message(sender="Evening Wire <wire@evening.test>", list_id=None)
    dovecot.put(message().as_bytes(), evening.as_bytes(), ONLY_A_PICTURE)
    code, output = briefbot("ingest")
    assert code == 0 and "3 new stories" in output and "<picture@news.test>" in output
    code, output = briefbot("sources", "list")
    assert code == 0
    mailbox, daily, wire = output.splitlines()
    assert f"mailbox  {dovecot.url('INBOX')}  [ok at " in mailbox
    assert mailbox.endswith("; 2 messages stored, 1 left unread]")
    assert "newsletter  The Daily Brief <daily.news.test>  [1 issue, the last at " in daily
    assert "newsletter  Evening Wire <wire@evening.test>  [1 issue, the last at " in wire

    monkeypatch.setenv("BRIEFBOT_IMAP_PASSWORD", "not-the-password")
    code, output = briefbot("ingest")
    assert code == 1 and "login as reader failed" in output
    mailbox = briefbot("sources", "list")[1].splitlines()[0]
    assert "[failing (1x): login as reader failed" in mailbox
    assert "not-the-password" not in mailbox
