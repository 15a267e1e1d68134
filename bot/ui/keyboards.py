"""Inline keyboards and their callback data.

Callback data is a tiny versioned scheme, ``"1|action|arg|arg"``, always under
Telegram's 64 bytes. A tap on a button from an older scheme (another version
prefix) parses to None, and the bot answers it with a hint instead of guessing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from bot.ui.i18n import LANGUAGES, N_, Translator, translator
from storage.models import Subscriber, Topic
from storage.mutes import Mutes
from storage.states import DeliveryMode, SubscriberState

VERSION = "1"
MAX_CALLBACK_BYTES = 64

TOGGLE_TOPIC = "t"
TOPICS_DONE = "td"
OPEN_TOPICS = "o"
OPEN_STORY = "s"
WHY_STORY = "w"
SET_MODE = "m"
PAUSE = "p"
RESUME = "r"
FORGET = "f"
MUTE_MENU = "mq"  # the ways to hear less like story N of a digest
MUTE_TOPIC = "mt"
MUTE_KEYWORD = "mk"  # "fewer like this": mute a word of the story
UNMUTE_TOPIC = "ut"
UNMUTE_KEYWORD = "uk"
SET_LANGUAGE = "l"
OPEN_CHANNELS = "oc"  # /settings: the channels you manage
CHANNEL_CARD = "cc"  # a channel's settings, by chat id
CHANNEL_TOPICS = "cp"  # a channel's topic picker
CHANNEL_TOGGLE = "cg"  # a topic toggled in it
CHANNEL_DONE = "cd"
CHANNEL_ACTIONS = (CHANNEL_CARD, CHANNEL_TOPICS, CHANNEL_TOGGLE, CHANNEL_DONE)
# The picker under /start's welcome carries which greeting it is under, so that a tap
# redraws the whole message: for a new subscriber, for one who came back.
WELCOME_NEW, WELCOME_BACK = "n", "b"


@dataclass(frozen=True, slots=True)
class Callback:
    action: str
    args: tuple[str, ...]


def callback_data(action: str, *args: object) -> str:
    """Encode a button's action; raises ValueError past Telegram's 64 bytes."""
    data = "|".join([VERSION, action, *(str(a) for a in args)])
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data {data!r} is longer than {MAX_CALLBACK_BYTES} bytes")
    return data


def parse_callback(data: str | None) -> Callback | None:
    """Decode callback data of this version, or None for anything else."""
    if not data:
        return None
    version, _, rest = data.partition("|")
    if version != VERSION or not rest:
        return None
    action, *args = rest.split("|")
    return Callback(action, tuple(args))


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _button(text: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callback_data(action, *args))


def topic_picker(
    topics: Sequence[Topic],
    followed: Sequence[str],
    names: Mapping[str, str] | None = None,
    t: Translator | None = None,
    greeting: str | None = None,
) -> InlineKeyboardMarkup:
    """Every topic as a toggle (``names``: display names by slug, in the reader's
    language), two per row, a check mark on followed ones, then Done. ``greeting``
    (WELCOME_NEW or WELCOME_BACK): the picker is under /start's welcome."""
    chosen = set(followed)
    names = names or {}
    under = (greeting,) if greeting else ()
    buttons = [
        _button(
            f"{'✅' if topic.slug in chosen else '▫️'} "
            + names.get(topic.slug, f"{topic.emoji} {topic.name}".strip()),
            TOGGLE_TOPIC,
            topic.slug,
            *under,
        )
        for topic in topics
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button((t or translator()).gettext("Done"), TOPICS_DONE, *under)])
    return InlineKeyboardMarkup(rows)


def story_buttons(
    digest_id: int, count: int, numbers: Sequence[int] | None = None
) -> InlineKeyboardMarkup:
    """Per story of a digest, "📖 N" to open it and "🔇 N" under it to hear less like it.

    ``numbers``: the stories' numbers when the message holds only some of the digest.
    """
    return _story_keyboard(str(digest_id), count, numbers)


def story_buttons_json(digest_id: int, count: int, numbers: Sequence[int] | None = None) -> str:
    """``story_buttons`` as the JSON text the Bot API takes for ``reply_markup``.

    For the broadcast sender: building twenty buttons as PTB objects and serialising
    them again for each digest costs about 0.2 ms, more than the rest of a digest's
    rendering. The JSON is made once per keyboard shape, by PTB from ``story_buttons``
    itself, and the digest id is put into it.
    """
    pieces = _story_keyboard_template(count, tuple(numbers) if numbers is not None else None)
    return str(digest_id).join(pieces)


# Stands for the digest id in a keyboard template; JSON escapes it, so no label holds it.
_DIGEST_MARK = "\x1f"
_DIGEST_MARK_JSON = json.dumps(_DIGEST_MARK)[1:-1]


@lru_cache(maxsize=1024)
def _story_keyboard_template(count: int, numbers: tuple[int, ...] | None) -> tuple[str, ...]:
    """The JSON of a digest's keyboard, cut where the digest id goes."""
    keyboard = _story_keyboard(_DIGEST_MARK, count, numbers).to_dict()
    return tuple(json.dumps(keyboard).split(_DIGEST_MARK_JSON))


def _story_keyboard(digest: str, count: int, numbers: Sequence[int] | None) -> InlineKeyboardMarkup:
    every = list(numbers) if numbers is not None else list(range(1, count + 1))
    rows = []
    for first in range(0, len(every), 5):
        chunk = every[first : first + 5]
        rows.append([_button(f"📖 {n}", OPEN_STORY, digest, n) for n in chunk])
        rows.append([_button(f"🔇 {n}", MUTE_MENU, digest, n) for n in chunk])
    return InlineKeyboardMarkup(rows)


def story_navigation(
    digest_id: int,
    n: int,
    count: int,
    mute: Sequence[InlineKeyboardButton] = (),
    t: Translator | None = None,
) -> InlineKeyboardMarkup:
    """Previous / why / next under a story opened from a digest, then its mute buttons."""
    row = []
    if n > 1:
        row.append(_button(f"⬅️ {n - 1}", OPEN_STORY, digest_id, n - 1))
    row.append(_button((t or translator()).gettext("Why this?"), WHY_STORY, digest_id, n))
    if n < count:
        row.append(_button(f"{n + 1} ➡️", OPEN_STORY, digest_id, n + 1))
    return InlineKeyboardMarkup([row, list(mute)] if mute else [row])


def keyword_token(keyword: str) -> str:
    """A short stand-in for a keyword in callback data (keywords can pass 64 bytes)."""
    return hashlib.sha256(keyword.encode()).hexdigest()[:12]


def mute_buttons(
    story_id: int, topics: Mapping[str, str], fewer: str | None, t: Translator | None = None
) -> list[InlineKeyboardButton]:
    """ "🔇 Gaza" for each topic (slug: name) of a story, and "👎 Fewer “word”" for one word."""
    buttons = [_button(f"🔇 {name}", MUTE_TOPIC, slug) for slug, name in topics.items()]
    if fewer:
        label = (t or translator()).gettext("👎 Fewer “{word}”").format(word=_short(fewer))
        buttons.append(_button(label, MUTE_KEYWORD, story_id))
    return buttons


def unmute_rows(mutes: Mutes, names: Mapping[str, str]) -> list[list[InlineKeyboardButton]]:
    """One "🔈" button per muted topic or keyword, two to a row."""
    buttons = [_button(f"🔈 {names.get(slug, slug)}", UNMUTE_TOPIC, slug) for slug in mutes.topics]
    buttons += [
        _button(f"🔈 “{_short(k)}”", UNMUTE_KEYWORD, keyword_token(k)) for k in mutes.keywords
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


MODE_LABELS = {
    DeliveryMode.DIGEST: N_("Digest"),
    DeliveryMode.INSTANT: N_("Instant"),
    DeliveryMode.BOTH: N_("Both"),
}


WEBAPP_BUTTON = N_("⚙️ Settings")


def webapp_row(url: str | None, chat_type: str | None, t: Translator) -> list[InlineKeyboardButton]:
    """The button that opens the settings Mini App: in private chats (the only ones where
    Telegram opens one from a message), when BRIEFBOT_WEBAPP_URL is set."""
    if url is None or chat_type != "private":
        return []
    return [InlineKeyboardButton(t.gettext(WEBAPP_BUTTON), web_app=WebAppInfo(url))]


def settings_buttons(
    subscriber: Subscriber,
    mutes: Mutes | None = None,
    names: Mapping[str, str] | None = None,
    t: Translator | None = None,
    webapp_url: str | None = None,
) -> InlineKeyboardMarkup:
    """Change topics, delivery mode, pause or resume, unmute, or forget, from /settings
    (and open the Mini App, given its URL)."""
    t = t or translator()
    _ = t.gettext
    modes = [
        _button(("• " if subscriber.mode is mode else "") + _(MODE_LABELS[mode]), SET_MODE, mode)
        for mode in DeliveryMode
    ]
    if subscriber.state is SubscriberState.PAUSED:
        hold = _button(_("▶️ Resume"), RESUME)
    else:
        hold = _button(_("⏸ Pause 1 day"), PAUSE, 1)
    first = [_button(_("🗂 Topics"), OPEN_TOPICS)]
    if subscriber.chat_type == "private":
        first.append(_button(_("📣 Channels"), OPEN_CHANNELS))
    webapp = webapp_row(webapp_url, subscriber.chat_type, t)
    return InlineKeyboardMarkup(
        [
            *([webapp] if webapp else []),
            first,
            modes,
            *unmute_rows(mutes or Mutes(), names or {}),
            [hold, _button(_("🗑 Forget me"), FORGET, "ask")],
        ]
    )


def forget_confirmation(t: Translator | None = None) -> InlineKeyboardMarkup:
    _ = (t or translator()).gettext
    return InlineKeyboardMarkup(
        [[_button(_("Yes, delete everything"), FORGET, "yes"), _button(_("Cancel"), FORGET, "no")]]
    )


def language_picker(current: str) -> InlineKeyboardMarkup:
    """One button per language, each in its own name; a dot marks the current one."""
    return InlineKeyboardMarkup(
        [
            [
                _button(("• " if code == current else "") + name, SET_LANGUAGE, code)
                for code, name in LANGUAGES.items()
            ]
        ]
    )


def channel_topic_picker(
    topics: Sequence[Topic], channel: Subscriber, names: Mapping[str, str], t: Translator
) -> InlineKeyboardMarkup:
    """A channel's topics as toggles, two per row, then Done (back to its settings)."""
    chosen = set(channel.topic_slugs)
    buttons = [
        _button(
            f"{'✅' if topic.slug in chosen else '▫️'} {names.get(topic.slug, topic.name)}",
            CHANNEL_TOGGLE,
            channel.chat_id,
            topic.slug,
        )
        for topic in topics
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button(t.gettext("Done"), CHANNEL_DONE, channel.chat_id)])
    return InlineKeyboardMarkup(rows)
