"""A mailbox as a source: every unread message in one IMAP folder becomes a brief.

IMAPClient does the protocol; its calls block, so each runs in a worker
thread with a socket timeout and the event loop never waits on the server.
A poll logs in, lists the unread messages' sizes and Message-IDs, and then, a
few messages at a time: fetches them without marking them read, reads,
splits and tags them (each with its newsletter's template, ``newsletters``),
stores them under their newsletters in one transaction together with their
Message-IDs (unique per mailbox), and only then flags them \\Seen (or moves
them to a folder). A poll cut short between storing and flagging reads those
messages again next time, finds their Message-IDs stored and only flags them.
A message over the size cap or that cannot be read is recorded as skipped,
named once in the report and left unread for a person to look at.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

from imapclient import IMAPClient
from imapclient.tls import IMAP4_TLS
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jobs.errors import MailboxError, MailError
from jobs.ingest.emails import MAX_MESSAGE_BYTES, Envelope, open_message
from jobs.ingest.newsletters import newsletter_templates, read_issues, store_issues
from jobs.ingest.reports import FeedReport
from jobs.ingest.store import DEFAULT_OPTIONS, Counts, IngestOptions, failed, one_line
from jobs.ingest.store import report as ok_report
from jobs.ingest.tag import KeywordMatcher, Tagger
from storage import feeds as feed_store
from storage.mailboxes import known_messages, record_message
from storage.models import Feed

log = logging.getLogger(__name__)

SCHEMES = {"imaps": 993, "imap": 143}
BATCH = 20  # messages fetched, stored and flagged at a time
_SIZE, _HEADER = b"RFC822.SIZE", b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class MailboxAddress:
    """Where a mailbox is: ``imaps://USER@HOST[:PORT]/FOLDER`` (TLS), or ``imap://`` on
    port 143 with STARTTLS. Never holds a password."""

    user: str
    host: str
    port: int
    folder: str
    starttls: bool

    @property
    def url(self) -> str:
        scheme = "imap" if self.starttls else "imaps"
        return f"{scheme}://{quote(self.user, safe='')}@{self.host}:{self.port}/" + quote(
            self.folder, safe="/"
        )


def is_mailbox_url(url: str) -> bool:
    return url.split("://", 1)[0].lower() in SCHEMES


def mailbox_address(url: str) -> MailboxAddress:
    """Read a mailbox URL; ``MailboxError`` says what is wrong with it."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise MailboxError(f"{url!r}: a mailbox URL starts with imaps:// (or imap:// for STARTTLS)")
    where = parts.netloc
    if "@" not in where:
        raise MailboxError(f"{url!r}: name the user, as imaps://USER@HOST/FOLDER")
    user, _, hostport = where.rpartition("@")
    if ":" in user:
        raise MailboxError(
            "put the mailbox password in BRIEFBOT_IMAP_PASSWORD or BRIEFBOT_IMAP_PASSWORD_FILE, "
            "not in the URL"
        )
    host, _, port_text = hostport.partition(":")
    if not host or (port_text and not port_text.isdigit()):
        raise MailboxError(f"{url!r}: expected imaps://USER@HOST[:PORT]/FOLDER")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    port = int(port_text) if port_text else SCHEMES[scheme]
    return MailboxAddress(unquote(user), host.lower(), port, folder, scheme == "imap")


@dataclass(frozen=True, slots=True)
class MailOptions:
    """How mailboxes are read: the password (from the settings), whether to skip the
    certificate check (a local test server only), where read messages go."""

    password: str | None = field(default=None, repr=False)
    insecure: bool = False
    move_to: str | None = None
    timeout: float = 60.0
    max_bytes: int = MAX_MESSAGE_BYTES


@dataclass(slots=True)
class _Unread:
    uid: int
    size: int
    message_id: str | None


class _TimedTLS(IMAP4_TLS):
    """IMAPClient's TLS connection, with its connect timeout applied to the TCP connect
    and the TLS handshake too: its own passes no timeout down, so a server that
    accepts and never answers would hold a worker thread for good."""

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return super()._create_socket(self._timeout if timeout is None else timeout)


class _Client(IMAPClient):
    def _create_IMAP4(self) -> Any:
        if self.ssl and not self.stream:
            connect = getattr(self._timeout, "connect", None)
            return _TimedTLS(self.host, self.port, self.ssl_context, connect)
        return super()._create_IMAP4()


class _Session:
    """One IMAP connection, each blocking call run in a worker thread."""

    def __init__(self, address: MailboxAddress, options: MailOptions) -> None:
        self.address, self.options = address, options
        self.client: IMAPClient | None = None

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    async def open(self) -> None:
        if not self.options.password:
            raise MailboxError(
                "no mailbox password: set BRIEFBOT_IMAP_PASSWORD or BRIEFBOT_IMAP_PASSWORD_FILE"
            )
        context = ssl.create_default_context()
        if self.options.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        a = self.address
        client: IMAPClient = await self.call(
            lambda: _Client(
                a.host,
                port=a.port,
                ssl=not a.starttls,
                ssl_context=context,
                timeout=self.options.timeout,
            )
        )
        self.client = client
        if a.starttls:
            await self.call(client.starttls, context)
        try:
            await self.call(client.login, a.user, self.options.password)
        except IMAPClient.Error as exc:
            raise MailboxError(f"login as {a.user} failed: {_text(exc)}") from None
        await self.call(client.select_folder, a.folder)

    async def unread(self) -> list[_Unread]:
        assert self.client is not None
        uids = await self.call(self.client.search, ["UNSEEN"])
        found: list[_Unread] = []
        for start in range(0, len(uids), 500):
            chunk = uids[start : start + 500]
            data = await self.call(
                self.client.fetch, chunk, ["RFC822.SIZE", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]
            )
            for uid in chunk:
                item = data.get(uid, {})
                header = item.get(_HEADER, b"").decode("ascii", "replace")
                _, _, value = header.partition(":")
                found.append(_Unread(uid, int(item.get(_SIZE, 0)), " ".join(value.split()) or None))
        return found

    async def bodies(self, uids: list[int]) -> dict[int, bytes]:
        assert self.client is not None
        data = await self.call(self.client.fetch, uids, ["BODY.PEEK[]"])
        return {uid: item.get(b"BODY[]", b"") for uid, item in data.items()}

    async def done(self, uids: list[int]) -> None:
        """Mark stored messages read, or move them away when a folder is named."""
        if not uids or self.client is None:
            return
        if self.options.move_to:
            await self.call(self.client.move, uids, self.options.move_to)
        else:
            await self.call(self.client.add_flags, uids, [b"\\Seen"])

    async def close(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            try:
                await self.call(client.logout)
            except Exception:  # the server may already have gone
                log.debug("logout failed", exc_info=True)


async def ingest_mailbox(
    sessions: async_sessionmaker[AsyncSession],
    feed_id: int,
    url: str,
    tagger: Tagger,
    matcher: KeywordMatcher | None,
    now: datetime,
    *,
    mail: MailOptions,
    options: IngestOptions = DEFAULT_OPTIONS,
) -> FeedReport:
    """Poll one mailbox: store every unread message once, then flag it; record its health."""
    try:
        address = mailbox_address(url)
    except MailboxError as exc:
        return await failed(sessions, feed_id, url, now, str(exc), options)
    name = address.url
    imap = _Session(address, mail)
    counts, skipped = Counts(), []
    try:
        await imap.open()
        unread = await imap.unread()
        async with sessions() as session:
            known = await known_messages(
                session, feed_id, (m.message_id for m in unread if m.message_id)
            )
        await imap.done(
            [m.uid for m in unread if m.message_id in known and not known[m.message_id]]
        )
        fresh = [m for m in unread if m.message_id not in known]
        for start in range(0, len(fresh), BATCH):
            batch = fresh[start : start + BATCH]
            stored, notes = await _store_batch(
                sessions, imap, feed_id, batch, tagger, matcher, now, mail, counts
            )
            skipped.extend(notes)
            await imap.done(stored)
    except Exception as exc:  # login, network, timeout, server errors: the mailbox failed
        error = _text(exc) if isinstance(exc, MailboxError) else _failure(exc)
        expected = isinstance(exc, MailboxError | OSError | IMAPClient.Error)
        log.warning("mailbox %s: %s", name, error, exc_info=not expected)
        return await failed(sessions, feed_id, name, now, error, options)
    finally:
        await imap.close()
    async with sessions.begin() as session:
        feed = await session.get(Feed, feed_id, populate_existing=True)
        if feed is not None:
            await feed_store.record_success(session, feed, now, etag=None, last_modified=None)
    result = ok_report(name, feed_id, counts)
    return replace(result, note="; ".join(skipped)[:1000]) if skipped else result


async def _store_batch(
    sessions: async_sessionmaker[AsyncSession],
    imap: _Session,
    feed_id: int,
    batch: list[_Unread],
    tagger: Tagger,
    matcher: KeywordMatcher | None,
    now: datetime,
    mail: MailOptions,
    counts: Counts,
) -> tuple[list[int], list[str]]:
    """Fetch, read and store a few messages, each under its newsletter; returns the UIDs
    stored and the skip notes."""
    skips = [
        (m, f"message {m.message_id or m.uid} is {m.size:,} bytes, "
            f"over the {mail.max_bytes:,}-byte limit; left unread")
        for m in batch
        if m.size > mail.max_bytes
    ]  # fmt: skip
    bodies = await imap.bodies([m.uid for m in batch if m.size <= mail.max_bytes])
    opened: list[tuple[_Unread, Envelope]] = []
    for m in batch:
        if m.uid not in bodies:
            continue
        try:
            envelope = await asyncio.to_thread(
                open_message, bodies[m.uid], name=f"message {m.message_id or m.uid}"
            )
        except MailError as exc:
            skips.append((m, f"{exc}; left unread"))
            continue
        opened.append((m, envelope))
    known = await newsletter_templates(sessions, [e for _, e in opened])
    read = await asyncio.to_thread(read_issues, [e for _, e in opened], known, tagger, matcher, now)
    issues = []
    for (m, _), issue in zip(opened, read, strict=True):
        if isinstance(issue, MailError):
            skips.append((m, f"{issue}; left unread"))
        else:
            issues.append((m, issue))
    async with sessions.begin() as session:
        await store_issues(session, feed_id, [issue for _, issue in issues], now, counts)
        for _, (mail_brief, prepared) in issues:
            await record_message(
                session,
                feed_id,
                mail_brief.message_id,
                source=mail_brief.source,
                now=now,
                brief_key=prepared.key,
            )
        for m, skip in skips:
            await record_message(
                session, feed_id, m.message_id or f"uid {m.uid}", source="", now=now, skipped=skip
            )
    return [m.uid for m, _ in issues], [skip for _, skip in skips]


def _text(exc: BaseException) -> str:
    text = exc.args[0] if exc.args else exc
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(str(text).split())[:300] or type(exc).__name__


def _failure(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "the server did not answer in time"
    if isinstance(exc, ssl.SSLError):
        return (
            f"TLS failed: {one_line(exc)} (a self-signed certificate? see BRIEFBOT_IMAP_INSECURE)"
        )
    if isinstance(exc, OSError):
        return f"cannot connect: {exc.strerror or one_line(exc)}"
    return f"{type(exc).__name__}: {_text(exc)}"
