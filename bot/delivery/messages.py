"""The messages the outbox sender sends: digests in the reader's language, with buttons.

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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from bot.delivery.threads import split_by_thread
from bot.ui import keyboards
from bot.ui.i18n import Translator
from bot.ui.render import render_digest, split_message
from storage.models import Story
from storage.outbox import PlannedDigest
from storage.states import DigestKind

# Digest texts kept for reuse during one drain, the oldest going first; a batch may
# add its own on top until the next one.
TEXTS_KEPT = 1024

# What a digest's text is made of besides its stories: list, kind, day, "and N more",
# language and forum routes. Digests that share all of these read the same.
TextKey = tuple[int | None, DigestKind, date | None, int, str, tuple[tuple[str, int], ...]]
# One thread's share of a digest's text: thread, the text in pieces, its stories' numbers.
ShareText = tuple[int | None, tuple[str, ...], tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class Part:
    """One message of a planned row: the forum thread it goes to (None: the chat itself),
    its text cut to Telegram's limits, and the buttons under its last piece as the Bot
    API's JSON."""

    thread_id: int | None
    pieces: tuple[str, ...]
    markup: str | None = None


def text_message(text: str) -> list[Part]:
    """A plain outbox text (an operator's alert) as the one message it is."""
    return [Part(None, tuple(split_message(text)))]


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


class DigestTexts:
    """Digest texts rendered during one drain, by ``TextKey`` (see the module doc)."""

    def __init__(self, emojis: Mapping[str, str]) -> None:
        self.emojis = dict(emojis)  # topic emojis in catalogue order
        self._texts: dict[TextKey, list[ShareText]] = {}

    @staticmethod
    def key(digest: PlannedDigest, t: Translator, routes: Mapping[str, int] | None) -> TextKey:
        return (digest.list_id, digest.kind, digest.local_date, digest.more_count, t.language,
                tuple(sorted((routes or {}).items())))  # fmt: skip

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
    ) -> list[Part]:
        """A planned digest as HTML with a button per story: one message, or one per
        forum thread keeping the digest's numbers. ``lists``: stories by list id, for
        texts not rendered yet."""
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

    def _share_texts(
        self, digest: PlannedDigest, stories: list[Story], t: Translator, routes: Mapping[str, int]
    ) -> list[ShareText]:
        shares = split_by_thread(stories, list(self.emojis), routes)
        general = next((s for s in shares if s.thread_id is None), shares[0])
        texts: list[ShareText] = []
        for share in shares:
            text = render_digest(
                share.stories,
                self.emojis,
                heading=heading(digest, len(share.stories), t),
                more_count=digest.more_count if share is general else 0,
                t=t,
                numbers=share.numbers,
            )
            texts.append((share.thread_id, tuple(split_message(text)), tuple(share.numbers)))
        return texts
