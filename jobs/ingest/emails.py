"""Reading one email message (a newsletter issue) into a brief.

Pure: the message's bytes in, a ``MailBrief`` out. The MIME tree is taken as
it comes (multipart/alternative and mixed, quoted-printable, base64, any
charset Python knows); the HTML part is preferred and the plain-text part is
the fallback; attachments are left out, and inline images and tracking
pixels carry no text, so the splitter, which reads text, passes them by (the
HTML is not parsed twice to take them out first).
The newsletter is named by its List-Id, else its sender; the subject is the
brief's title and the Date header its date. What cannot be read raises
``MailError`` with one line that says why; the message itself is untouched.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from jobs.errors import MailError
from jobs.ingest.drafts import BriefDraft
from jobs.ingest.parse import Reading
from jobs.ingest.split.segment import split_html, split_text

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
_LIST_ID = re.compile(r"<([^<>]+)>")
# A part's opening line in a body: "--" and a boundary, then a header on the next line.
_BOUNDARY_LINE = re.compile(r"^--([^\s]{1,200})[ \t]*\r?\n(?=[A-Za-z][\w-]*:)", re.M)


@dataclass(frozen=True, slots=True)
class MailBrief:
    """A message read as a brief: ``message_id`` is its identity, ``source`` the key of
    its newsletter (List-Id, else sender) and ``newsletter`` the newsletter's name."""

    message_id: str
    source: str
    brief: BriefDraft
    newsletter: str = ""


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed message before it is split: who sent it is known, so the newsletter's
    template can be looked up for the splitter."""

    message: EmailMessage
    message_id: str
    source: str
    newsletter: str
    name: str


def read_message(
    data: bytes, *, name: str = "the message", template: frozenset[str] = frozenset()
) -> MailBrief:
    """The brief in one message's bytes (RFC 5322, as saved in an .eml file or fetched)."""
    return brief_of(open_message(data, name=name), template)


def open_message(data: bytes, *, name: str = "the message") -> Envelope:
    """Parse a message and read its envelope: Message-ID and newsletter."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise MailError(
            f"{name} is {len(data):,} bytes, over the {MAX_MESSAGE_BYTES:,}-byte limit; "
            "it was left as it is"
        )
    if not data.strip():
        raise MailError(f"{name}: empty message, nothing to read")
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # the parser is lenient; anything it still raises is a broken tree
        raise MailError(f"{name}: broken MIME message ({type(exc).__name__})") from None
    assert isinstance(message, EmailMessage)
    if not message.keys():
        raise MailError(f"{name}: no mail headers; is this an email message?")
    message = _with_its_boundary(message)
    message_id = _header(message, "message-id") or _derived_id(data)
    source = newsletter(message)
    return Envelope(message, message_id, source, newsletter_name(message) or source, name)


def brief_of(envelope: Envelope, template: frozenset[str] = frozenset()) -> MailBrief:
    """Split a parsed message into its stories, ``template`` being its newsletter's
    recurring blocks."""
    message, message_id = envelope.message, envelope.message_id
    subject = _header(message, "subject") or "(no subject)"
    html, text = _bodies(message, envelope.name)
    if html is not None:
        brief = split_html(html, url=None, key=message_id, template=template)
    elif text is not None:
        brief = split_text(text, url=None, key=message_id, template=template)
    else:
        raise MailError(f"{envelope.name}: no text or HTML part in the message")
    brief = replace(brief, title=subject, published_at=_date(message), key=message_id)
    return MailBrief(message_id, envelope.source, brief, envelope.newsletter)


def newsletter(message: EmailMessage) -> str:
    """Which newsletter sent the message: its List-Id, else the sender's address."""
    list_id = _header(message, "list-id")
    if list_id:
        found = _LIST_ID.search(list_id)
        return (found.group(1) if found else list_id).strip().lower()
    for field in ("from", "sender", "return-path"):
        addresses = [a for _, a in getaddresses([_header(message, field)]) if "@" in a]
        if addresses:
            return addresses[0].lower()
    return "unknown sender"


def newsletter_name(message: EmailMessage) -> str:
    """The newsletter's name as people read it: the List-Id's phrase, else the sender's
    name, else empty."""
    list_id = _header(message, "list-id")
    phrase = _LIST_ID.sub("", list_id).strip().strip('"').strip() if "<" in list_id else ""
    if phrase:
        return phrase[:256]
    for field in ("from", "sender"):
        for display, address in getaddresses([_header(message, field)]):
            if display.strip() and "@" in address:
                return display.strip()[:256]
    return ""


def _with_its_boundary(message: EmailMessage) -> EmailMessage:
    """A multipart whose declared boundary is missing or not the one its parts use,
    parsed again with the boundary its body does use (the message as it is otherwise)."""
    if message.get_content_maintype() != "multipart" or message.is_multipart():
        return message
    payload = message.get_payload()
    found = _BOUNDARY_LINE.search(payload) if isinstance(payload, str) else None
    if found is None:
        return message  # no parts at all: its body is its text (``_bodies``)
    try:
        message.set_boundary(found.group(1))
        repaired = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    except Exception:  # a tree beyond repair is read as it came
        return message
    assert isinstance(repaired, EmailMessage)
    return repaired if repaired.is_multipart() else message


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the policy cannot parse: take its raw text
        raw = message.get_all(name, failobj=[]) if hasattr(message, "get_all") else []
        value = str(raw[0]) if raw else None
    return " ".join(str(value).split()) if value is not None else ""


def _derived_id(data: bytes) -> str:
    return "<sha256-" + hashlib.sha256(data).hexdigest() + "@briefbot>"


def _date(message: EmailMessage) -> datetime | None:
    value = _header(message, "date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _bodies(message: EmailMessage, name: str) -> tuple[str | None, str | None]:
    """The first HTML and plain-text body parts, attachments and images left out."""
    html = text = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind not in {"text/html", "text/plain"}:
            continue
        content = _content(part, name)
        if kind == "text/html" and html is None:
            html = content
        elif kind == "text/plain" and text is None:
            text = content
    if html is None and text is None and not message.is_multipart():
        # a multipart without a boundary (a broken tree): its body is still the text
        payload = message.get_payload()
        text = payload if isinstance(payload, str) and payload.strip() else None
    return html, text


def _content(part: EmailMessage, name: str) -> str:
    """A part's text in its declared charset; an unknown charset is read as UTF-8, else
    Windows-1252, so nothing is dropped."""
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:
        raise MailError(f"{name}: a body part cannot be decoded ({type(exc).__name__})") from None
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        pass
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("cp1252", errors="replace")


def is_message_file(name: str) -> bool:
    """Whether a file named on the command line is a saved email message."""
    return name.lower().endswith(".eml")


def message_reading(data: bytes, *, name: str) -> tuple[str, Reading]:
    """A saved message as the ingester reads any source: its origin (the newsletter,
    so a Message-ID is stored once per newsletter) and its one brief."""
    mail = read_message(data, name=name)
    return f"mail:{mail.source}", Reading(mail.newsletter, [mail.brief])
