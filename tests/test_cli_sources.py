"""`briefbot sources`: feeds and mailboxes in one list; a mailbox URL never holds a password."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from jobs.errors import MailboxError
from jobs.ingest.mailbox import mailbox_address


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


def test_mailbox_urls_get_their_default_ports_and_folder() -> None:
    tls = mailbox_address("imaps://me@gmail.com@IMAP.gmail.com/Newsletters")
    assert (tls.user, tls.host, tls.port, tls.folder, tls.starttls) == (
        "me@gmail.com", "imap.gmail.com", 993, "Newsletters", False,
    )  # fmt: skip
    assert tls.url == "imaps://me%40gmail.com@imap.gmail.com:993/Newsletters"
    starttls = mailbox_address("imap://reader@mail.example.test")
    assert (starttls.port, starttls.folder, starttls.starttls) == (143, "INBOX", True)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("imaps://me:hunter2@mail.test/INBOX", "BRIEFBOT_IMAP_PASSWORD"),
        ("imaps://mail.test/INBOX", "name the user"),
        ("imaps://me@mail.test:abc/INBOX", "expected imaps://USER@HOST"),
    ],
)
def test_a_wrong_mailbox_url_says_what_to_fix(url: str, says: str) -> None:
    with pytest.raises(MailboxError, match=says):
        mailbox_address(url)


def test_feeds_and_mailboxes_are_listed_together(cli_env: Path) -> None:
    assert briefbot("sources", "add", "https://news.test/feed.xml")[0] == 0
    code, output = briefbot("sources", "add", "imaps://reader@mail.test/Briefs")
    assert code == 0 and "added imaps://reader@mail.test:993/Briefs" in output
    code, output = briefbot("sources", "add", "imaps://reader@mail.test:993/Briefs")
    assert "already there" in output
    code, output = briefbot("sources", "list")
    assert "feed     https://news.test/feed.xml  [not polled yet]" in output
    assert "mailbox  imaps://reader@mail.test:993/Briefs  [not polled yet; 0 messages" in output
    assert "imaps://reader@mail.test" in briefbot("feeds", "list")[1]
    assert "imaps" not in briefbot("feeds", "export")[1]
    assert briefbot("sources", "remove", "imaps://reader@mail.test:993/Briefs")[0] == 0
    assert "imaps" not in briefbot("sources", "list")[1]


def test_a_password_in_the_url_is_refused_and_not_echoed(cli_env: Path) -> None:
    code, output = briefbot("sources", "add", "imaps://me:hunter2@mail.test/INBOX")
    assert code == 1 and "hunter2" not in output and "BRIEFBOT_IMAP_PASSWORD" in output


def test_the_mailbox_password_comes_from_its_file_and_is_never_shown(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot.runtime.background import mail_options
    from bot.settings import load_settings

    (tmp_path / "imap-password").write_text("app-pass-123\n")
    monkeypatch.setenv("BRIEFBOT_IMAP_PASSWORD_FILE", str(tmp_path / "imap-password"))
    monkeypatch.setenv("BRIEFBOT_IMAP_MOVE_TO", "Stored")
    options = mail_options(load_settings(env_file=None))
    assert (options.password, options.move_to, options.insecure) == (
        "app-pass-123",
        "Stored",
        False,
    )
    assert "app-pass-123" not in repr(options)


def test_sources_add_refuses_a_feed_on_an_internal_address_as_feeds_add_does(
    cli_env: Path,
) -> None:
    code, output = briefbot("sources", "add", "http://169.254.169.254/latest/meta-data/")
    assert code == 1 and "169.254.169.254 is not a public address" in output
    assert "BRIEFBOT_ALLOW_PRIVATE_FEEDS" in output
    assert "169.254" not in briefbot("sources", "list")[1]
