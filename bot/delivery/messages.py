"""The messages the bot sends and the two ways they are sent: replies and broadcasts.

``send_part`` sends a ``Part`` (a text cut to Telegram's limits, its keyboard
under the last piece) through PTB: in HTML parse mode without link previews,
and, when Telegram cannot parse the entities, once more as plain text, so a
message with broken markup still reaches its reader. Replies make their parts
with ``html_part``. ``broadcast_part`` does the same on the lean request path
(``bot.delivery.wire``), with the same fallbacks: for the outbox sender, and for
replies of a running bot (``BriefbotContext.reply``).

A planned digest is rendered at send time, in its reader's language and, in a
forum group with topic routes, as one message per thread (``bot.delivery.threads``). The
text of a digest depends only on its story list, kind, day, "and N more", the
language and the routes (``TextKey``), and planning gives every subscriber with
the same topics and history the same list, so in a broadcast most digests read
exactly like one already rendered. ``DigestTexts`` keeps those texts for one drain:
each is rendered (and cut to Telegram's limits) once, a list's stories are loaded
only to render it, and only the buttons, which carry the digest's id, are made per
digest, as the Bot API's JSON (``keyboards.story_buttons_json``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple, TypeVar

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.delivery.threads import split_by_thread
from bot.delivery.wire import Wire
from bot.ui import keyboards
from bot.ui.events import collapse, render_events_digest
from bot.ui.i18n import Translator
from bot.ui.render import html_to_plain, render_channel_digest, split_message
from jobs.events.grouper import brings_news
from storage import events as event_store
from storage import preferred as preferred_store
from storage.events import SeenEvent, Version
from storage.models import Story
from storage.outbox import PlannedDigest
from storage.states import DigestKind

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# rate_limit_args of the limiter's broadcast queue. A chat told to wait longer than
# max_wait gets its digest later, from the outbox, rather than hold the batch (and the
# batch after it) for its retry_after.
BROADCAST = {"priority": "broadcast", "max_wait": 5.0}

# A keyboard: PTB's objects (replies), or already the Bot API's JSON (broadcasts).
Keyboard = InlineKeyboardMarkup | str | None
Sent = TypeVar("Sent")
# Sends one piece: its text, keyboard, thread, and whether the text is HTML.
PieceSender = Callable[[str, Keyboard, int | None, bool], Awaitable[Sent]]

# Digest texts kept for reuse during one drain, the oldest going first; a batch may
# add its own on top until the next one.
TEXTS_KEPT = 1024


class Seen(NamedTuple):
    """A digest's event rules for its reader: the stories left out and those marked
    "update" (by story id), and the sources whose story shows an event (feed ids, most
    preferred first)."""

    hidden: frozenset[int] = frozenset()
    updates: frozenset[int] = frozenset()
    preferred: tuple[int, ...] = ()


NOTHING_SEEN = Seen()
# What a digest's text is made of besides its stories: list, kind, day, "and N more",
# language, forum routes and event rules. Digests that share all of these read the same.
TextKey = tuple[int | None, DigestKind, date | None, int, str, tuple[tuple[str, int], ...], Seen]
# One thread's share of a digest's text: thread, the text in pieces, its stories' numbers.
ShareText = tuple[int | None, tuple[str, ...], tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class Part:
    """One message of a planned row: the forum thread it goes to (None: the chat itself),
    its text cut to Telegram's limits, and the buttons under its last piece."""

    thread_id: int | None
    pieces: tuple[str, ...]
    markup: Keyboard = None


def html_part(text: str, markup: Keyboard = None, thread_id: int | None = None) -> Part:
    """HTML text as the message it becomes, split into pieces Telegram accepts."""
    return Part(thread_id, tuple(split_message(text)), markup)


def text_message(text: str) -> list[Part]:
    """A plain outbox text (an operator's alert) as the one message it is."""
    return [html_part(text)]


async def send_part(
    bot: Bot,
    chat_id: int,
    part: Part,
    *,
    thread_id: int | None = None,
    broadcast: bool = False,
) -> Message:
    """Send every piece of ``part``, its keyboard under the last; the last message.

    The part goes to its own thread, else to ``thread_id`` (None: the chat itself);
    when Telegram says the part's own thread is gone (a routed forum thread was
    deleted), to ``thread_id`` instead. ``broadcast``: the sends queue behind
    replies to people in our rate limiter (``bot.delivery.limiter``).
    """
    options: dict[str, Any] = {"link_preview_options": NO_PREVIEW}
    if broadcast and getattr(bot, "rate_limiter", None):  # PTB refuses it without one
        options["rate_limit_args"] = BROADCAST

    async def piece(text: str, markup: Keyboard, thread: int | None, html: bool) -> Message:
        mode: dict[str, Any] = {"parse_mode": ParseMode.HTML} if html else {}
        return await bot.send_message(
            chat_id, text, message_thread_id=thread, **mode, **_keyboard(markup), **options
        )

    return await _send_pieces(chat_id, part, thread_id, piece)


async def broadcast_part(
    wire: Wire, chat_id: int, part: Part, thread_id: int | None, *, broadcast: bool = True
) -> int:
    """``send_part`` on the lean request path (``bot.delivery.wire``): the same pieces,
    threads and fallbacks; the last message's id. ``broadcast=False``: a reply, which
    goes ahead of broadcasts in the rate limiter."""
    limit_args = BROADCAST if broadcast else None

    async def piece(text: str, markup: Keyboard, thread: int | None, html: bool) -> int:
        if isinstance(markup, InlineKeyboardMarkup):
            markup = markup.to_json()
        return await wire.send_message(
            chat_id, text, html=html, thread_id=thread, markup=markup, rate_limit_args=limit_args
        )

    return await _send_pieces(chat_id, part, thread_id, piece)


async def _send_pieces(
    chat_id: int, part: Part, thread_id: int | None, piece: PieceSender[Sent]
) -> Sent:
    last = len(part.pieces) - 1
    sent: Sent | None = None
    for i, text in enumerate(part.pieces):
        markup = part.markup if i == last else None
        try:
            sent = await _send_piece(chat_id, text, markup, part.thread_id or thread_id, piece)
        except BadRequest as exc:
            if part.thread_id is None or "thread not found" not in exc.message.lower():
                raise
            log.warning(
                "chat %d: thread %d is gone; sent to its general thread", chat_id, part.thread_id
            )
            sent = await _send_piece(chat_id, text, markup, thread_id, piece)
    assert sent is not None, "a part has at least one piece"
    return sent


async def _send_piece(
    chat_id: int, text: str, markup: Keyboard, thread_id: int | None, piece: PieceSender[Sent]
) -> Sent:
    """One message in HTML; as plain text when Telegram cannot parse its entities."""
    try:
        return await piece(text, markup, thread_id, True)
    except BadRequest as exc:
        if "can't parse entities" not in exc.message.lower():
            raise
        log.warning(
            "Telegram could not parse a message to chat %s (%s); sent as plain text",
            chat_id,
            exc.message,
        )
        return await piece(html_to_plain(text), markup, thread_id, False)


def _keyboard(markup: Keyboard) -> dict[str, Any]:
    """The keyboard as a send's arguments: JSON goes as a raw parameter, which PTB passes
    on unchanged (building and serialising PTB's objects per digest costs more than
    rendering the digest)."""
    if isinstance(markup, str):
        return {"api_kwargs": {"reply_markup": markup}}
    return {"reply_markup": markup}


async def edit_text(query: CallbackQuery, text: str, markup: Keyboard = None) -> None:
    """Replace the text of the message a button was tapped on with the first piece of
    ``text`` (unchanged text is fine); as plain text when Telegram cannot parse it."""
    keyboard = _keyboard(markup)
    piece = html_part(text).pieces[0]
    try:
        try:
            await query.edit_message_text(
                piece, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW, **keyboard
            )
        except BadRequest as exc:
            if "can't parse entities" not in exc.message.lower():
                raise
            log.warning("Telegram could not parse an edit (%s); sent as plain text", exc.message)
            await query.edit_message_text(
                html_to_plain(piece), link_preview_options=NO_PREVIEW, **keyboard
            )
    except BadRequest as exc:
        if "message is not modified" not in exc.message.lower():
            raise


def heading(digest: PlannedDigest, count: int, t: Translator) -> str:
    """The first line of a digest message, in the reader's language."""
    if digest.kind is DigestKind.INSTANT:
        return t.gettext("⚡ <b>New on your topics</b> · {count}").format(count=count)
    if count == 0:
        return t.gettext("📰 <b>Nothing new on your topics today.</b>")
    if digest.local_date is None:
        return t.ngettext(
            "📰 <b>Your digest</b> · {count} story",
            "📰 <b>Your digest</b> · {count} stories",
            count,
        ).format(count=count)
    day = format_date(digest.local_date, "EEEE d MMMM", locale=t.language)
    return t.ngettext(
        "📰 <b>Your digest</b> · {day} · {count} story",
        "📰 <b>Your digest</b> · {day} · {count} stories",
        count,
    ).format(day=day, count=count)


def seen_rules(
    seen: Mapping[int, Sequence[SeenEvent]],
    muted: Mapping[int, set[int]],
    preferred: Mapping[int, tuple[int, ...]] | None = None,
) -> dict[int, Seen]:
    """By digest: which of its stories to leave out (of events the reader got before that
    bring nothing new, or of events the reader muted a story of), which bring
    something new and are marked "update", and the reader's preferred sources."""
    preferred = preferred or {}
    rules = {}
    for digest_id in set(seen) | set(muted) | set(preferred):
        stories = seen.get(digest_id, ())
        news = {s.story_id for s in stories if brings_news(s.title, s.text, s.earlier)}
        out = {s.story_id for s in stories} - news | muted.get(digest_id, set())
        rules[digest_id] = Seen(frozenset(out), frozenset(news - out), preferred.get(digest_id, ()))
    return rules


async def event_rules(
    session: AsyncSession,
    digest_ids: Sequence[int],
    preferred: Mapping[int, tuple[int, ...]] | None = None,
) -> dict[int, Seen]:
    """``seen_rules`` of these digests, from what their readers got before, muted and
    prefer: the one rule for digests the sender delivers and those asked for with /digest.
    ``preferred``: the readers' preferred sources by digest, when the caller has them."""
    if preferred is None:
        preferred = await preferred_store.preferred_by_digest(session, digest_ids)
    return seen_rules(
        await event_store.seen_before(session, digest_ids),
        await event_store.muted_by_event(session, digest_ids),
        preferred,
    )


class DigestTexts:
    """Digest texts rendered during one drain, by ``TextKey`` (see the module doc)."""

    def __init__(self, emojis: Mapping[str, str], bot_username: str = "") -> None:
        self.emojis = dict(emojis)  # topic emojis in catalogue order
        self.bot_username = bot_username  # for channels' links to their stories in the bot
        self._texts: dict[TextKey, list[ShareText]] = {}
        # The events' versions of the stories of the lists loaded for the batch being rendered.
        self.versions: Mapping[int, Sequence[Version]] = {}
        # By digest of the batch: its stories of events the reader got before that bring
        # nothing new (left out) and those that do (marked "update").
        self.seen: Mapping[int, Seen] = {}

    def key(
        self, digest: PlannedDigest, t: Translator, routes: Mapping[str, int] | None
    ) -> TextKey:
        return (
            digest.list_id,
            digest.kind,
            digest.local_date,
            digest.more_count,
            t.language,
            tuple(sorted((routes or {}).items())),
            self.seen.get(digest.id, NOTHING_SEEN),
        )

    def missing(
        self, wanted: Iterable[tuple[PlannedDigest, Translator, Mapping[str, int] | None]]
    ) -> set[int]:
        """The story lists to load before ``render`` can make these digests.

        Room is made here, before a batch, never while rendering it: a text found
        here must still be there when its digest is rendered."""
        while len(self._texts) > TEXTS_KEPT:
            del self._texts[next(iter(self._texts))]  # the oldest
        return {
            digest.list_id
            for digest, t, routes in wanted
            if digest.list_id is not None and self.key(digest, t, routes) not in self._texts
        }

    def render(
        self,
        digest: PlannedDigest,
        t: Translator,
        routes: Mapping[str, int] | None,
        lists: Mapping[int, list[Story]],
        cap: int | None = None,
    ) -> list[Part]:
        """A planned digest as HTML with a button per story: one message, or one per
        forum thread keeping the digest's numbers. ``lists``: stories by list id, for
        texts not rendered yet. ``cap``: a channel's digest, its first ``cap`` stories."""
        if cap is not None:
            return self._channel(digest, t, lists, cap)
        key = self.key(digest, t, routes)
        shares = self._texts.get(key)
        if shares is None:
            stories = lists[digest.list_id] if digest.list_id is not None else []
            shares = self._share_texts(digest, stories, t, routes or {})
            self._texts[key] = shares
        count = sum(len(numbers) for _, _, numbers in shares)
        return [
            Part(thread, pieces, keyboards.story_buttons_json(digest.id, count, numbers))
            if numbers
            else Part(thread, pieces)
            for thread, pieces, numbers in shares
        ]

    def _channel(
        self, digest: PlannedDigest, t: Translator, lists: Mapping[int, list[Story]], cap: int
    ) -> list[Part]:
        """A channel's digest, without buttons; a day without stories posts nothing."""
        stories = lists.get(digest.list_id, [])[:cap] if digest.list_id is not None else []
        preferred = self.seen.get(digest.id, NOTHING_SEEN).preferred
        # each event once
        stories = [e.story for e in collapse(stories, self.versions, preferred=preferred)]
        if not stories:
            return []
        heading = t.gettext("📰 <b>The day's stories</b>")
        if digest.local_date is not None:
            day = format_date(digest.local_date, "EEEE d MMMM", locale=t.language)
            heading = f"{heading} · {day}"
        text = render_channel_digest(
            stories, self.emojis, heading=heading, bot_username=self.bot_username, t=t
        )
        return [html_part(text)]

    def _share_texts(
        self, digest: PlannedDigest, stories: list[Story], t: Translator, routes: Mapping[str, int]
    ) -> list[ShareText]:
        shares = split_by_thread(stories, list(self.emojis), routes)
        general = next((s for s in shares if s.thread_id is None), shares[0])
        texts: list[ShareText] = []
        for share in shares:
            hidden, updates, preferred = self.seen.get(digest.id, NOTHING_SEEN)
            events = len(collapse(share.stories, self.versions, share.numbers, hidden))
            text, shown = render_events_digest(
                share.stories,
                self.versions,
                self.emojis,
                heading=heading(digest, events, t),
                more_count=digest.more_count if share is general else 0,
                t=t,
                numbers=share.numbers,
                hidden=hidden,
                updates=updates,
                preferred=preferred,
            )
            texts.append((share.thread_id, tuple(split_message(text)), tuple(shown)))
        return texts
