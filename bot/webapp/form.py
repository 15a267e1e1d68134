"""The settings the Mini App shows and saves, as JSON (pure).

``shown`` turns a subscriber into the JSON the page fills its form from;
``read_form`` checks what the page sends back, every field as the commands
check it (topics as /topics, keywords as /follow, the time as /time, the zone as
/timezone, mode, quiet hours, language, preferred sources as /prefer, a
channel's cap as /channel), and
either yields all of it or raises ``FormError`` with one line for the person:
nothing is half-saved. A field the page leaves out stays as it is.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any, Literal

from bot.clock import LEGACY, lookup_timezone, parse_time
from bot.handlers.topics import MAX_KEYWORDS
from bot.ui.i18n import LANGUAGES, Translator
from bot.ui.render import html_to_plain
from bot.ui.settings_file import quiet_text, read_quiet
from bot.ui.sources import MAX_NAME, MAX_PREFERRED, resolve
from bot.ui.sources import problem as source_problem
from bot.ui.wording import keyword_problem, lone_surrogates
from storage.channels import DEFAULT_DAILY_CAP, MAX_DAILY_CAP
from storage.models import Subscriber
from storage.states import DeliveryMode
from storage.subscribers import MAX_KEYWORD_LENGTH, Preferences, normalise_keyword

PRIVATE_FIELDS = frozenset(
    {"topics", "keywords", "digest_time", "timezone", "mode", "quiet_hours", "language", "sources"}
)
CHANNEL_FIELDS = frozenset(
    {"topics", "keywords", "digest_time", "timezone", "language", "cap", "sources"}
)
MAX_TOPICS = 200


class FormError(Exception):
    """A value the bot cannot take; ``field`` names it, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Form:
    """Everything the page asked to change, checked."""

    preferences: Preferences
    cap: int | None = None


def shown(subscriber: Subscriber, language: str, sources: Sequence[str] = ()) -> dict[str, Any]:
    """A subscriber's settings as the page's form holds them (``sources``: the preferred
    ones by name, most preferred first)."""
    settings: dict[str, Any] = {
        "topics": subscriber.topic_slugs,
        "keywords": subscriber.keyword_list,
        "digest_time": f"{subscriber.digest_time:%H:%M}",
        "timezone": LEGACY.get(subscriber.timezone, subscriber.timezone),
        "language": subscriber.language or language,
        "sources": list(sources),
    }
    if subscriber.chat_type == "channel":
        settings["cap"] = subscriber.daily_cap or DEFAULT_DAILY_CAP
    else:
        settings |= {"mode": subscriber.mode.value, "quiet_hours": quiet_text(subscriber)}
    return settings


def read_form(
    body: Any,
    known_topics: Collection[str],
    t: Translator,
    *,
    channel: bool = False,
    known_sources: Mapping[int, str] | None = None,
) -> Form:
    """Every setting in ``body``, checked; FormError (in ``t``'s language) for the first
    one that is wrong. ``known_sources``: the bot's sources by id, for ``sources``."""
    _ = t.gettext
    if not isinstance(body, dict):
        raise FormError("", _("The settings must be a JSON object; nothing was changed."))
    if lone_surrogates(body):
        raise FormError("", _("That holds characters I cannot read; nothing was changed."))
    allowed = CHANNEL_FIELDS if channel else PRIVATE_FIELDS
    for key in body:
        if key not in allowed:
            raise FormError(
                str(key)[:32],
                _("“{field}” is not a setting I keep here; nothing was changed.").format(
                    field=str(key)[:32]
                ),
            )
    return Form(
        Preferences(
            topics=_topics(body.get("topics"), known_topics, t),
            keywords=_keywords(body.get("keywords"), t),
            timezone=_timezone(body.get("timezone"), t),
            digest_time=_time(body.get("digest_time"), t),
            mode=_mode(body.get("mode"), t),
            language=_language(body.get("language"), t),
            quiet_hours=_quiet(body.get("quiet_hours"), t),
            sources=_sources(body.get("sources"), known_sources or {}, t),
        ),
        cap=_cap(body.get("cap"), t),
    )


def _strings(value: Any, field: str, limit: int, t: Translator) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        text = t.gettext("“{field}” must be a list of words; nothing was changed.")
        raise FormError(field, text.format(field=field))
    if len(value) > limit:
        raise FormError(
            field,
            t.gettext("Too many {field}: {count}; the most I keep is {max}.").format(
                count=len(value), field=field, max=limit
            ),
        )
    return value


def _topics(value: Any, known: Collection[str], t: Translator) -> list[str] | None:
    slugs = _strings(value, "topics", MAX_TOPICS, t)
    if slugs is None:
        return None
    for slug in slugs:
        if slug not in known:
            text = t.gettext("unknown topic '{word}'; /topics lists them all.")
            raise FormError("topics", text.format(word=slug[:40]))
    return list(dict.fromkeys(slugs))


def _sources(value: Any, known: Mapping[int, str], t: Translator) -> list[int] | None:
    names = _strings(value, "sources", MAX_PREFERRED, t)
    if names is None:
        return None
    resolved = resolve([name[:MAX_NAME] for name in names], known)
    if problem := source_problem(resolved, list(known.values()), t):
        raise FormError("sources", html_to_plain(problem))
    return resolved.ids


def _keywords(value: Any, t: Translator) -> list[str] | None:
    words = _strings(value, "keywords", MAX_KEYWORDS, t)
    if words is None:
        return None
    if any(len(w.strip()) > MAX_KEYWORD_LENGTH for w in words):
        text = t.gettext("A keyword is at most {max} characters; nothing was changed.")
        raise FormError("keywords", text.format(max=MAX_KEYWORD_LENGTH))
    if problem := keyword_problem(w for w in words if normalise_keyword(w)):
        raise FormError("keywords", t.gettext(problem))
    return list(dict.fromkeys(k for k in map(normalise_keyword, words) if k))


def _timezone(value: Any, t: Translator) -> str | None:
    if value is None:
        return None
    found = lookup_timezone(value) if isinstance(value, str) and len(value) <= 64 else None
    if found is None or found.zone is None:
        name = value[:64] if isinstance(value, str) else str(value)[:64]
        if found is not None and found.suggestions:
            text = t.gettext("I don't know the time zone '{name}'. Did you mean {suggestions}?")
        else:
            text = t.gettext(
                "I don't know the time zone '{name}'. "
                "Use a name like Europe/Kyiv or America/New_York."
            )
        suggestions = ", ".join(found.suggestions) if found else ""
        raise FormError("timezone", text.format(name=name, suggestions=suggestions))
    return found.zone


def _time(value: Any, t: Translator) -> time | None:
    if value is None:
        return None
    at = parse_time(value) if isinstance(value, str) and len(value) <= 8 else None
    if at is None:
        text = t.gettext("The digest time {time} is not a time like 07:30.")
        raise FormError("digest_time", text.format(time=str(value)[:16]))
    return at


def _mode(value: Any, t: Translator) -> DeliveryMode | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in {m.value for m in DeliveryMode}:
        raise FormError("mode", t.gettext("Usage: /mode digest, /mode instant or /mode both."))
    return DeliveryMode(value)


def _quiet(value: Any, t: Translator) -> tuple[time, time] | Literal["default"] | None:
    if value is None:
        return None
    hours = read_quiet(value)
    if hours is None:
        text = t.gettext("Quiet hours {hours} are not like 23:00-07:00, off or default.")
        raise FormError("quiet_hours", text.format(hours=str(value)[:32]))
    return hours


def _language(value: Any, t: Translator) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in LANGUAGES:
        choices = ", ".join(f"/language {code}" for code in LANGUAGES)
        text = t.gettext("I don't speak “{language}” yet. Choose one: {choices}.")
        raise FormError("language", text.format(language=str(value)[:16], choices=choices))
    return value


def _cap(value: Any, t: Translator) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_DAILY_CAP:
        text = t.gettext("A channel's daily cap is 1 to {max} stories.")
        raise FormError("cap", text.format(max=MAX_DAILY_CAP))
    return value
