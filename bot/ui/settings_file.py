"""The settings file /export sends and the bot reads back: JSON, validated in full (pure).

A file looks like::

    {"format": "briefbot-settings", "version": 1, "exported_at": "2026-11-29T01:00:00Z",
     "topics": ["gaza", "ukraine"], "keywords": ["drones"], "timezone": "Europe/Kyiv",
     "digest_time": "07:30", "mode": "digest", "quiet_hours": "23:00-07:00",
     "language": "uk", "muted": {"topics": ["europe"], "keywords": ["crypto"]},
     "preferred_sources": ["BBC News: World", "The Guardian: World news"]}

``quiet_hours`` is a range, "off", or "default" (the operator's hours);
``language`` is left out while the chat follows its Telegram language;
``preferred_sources`` are sources by name, most preferred first.

Reading it either yields every setting it holds, checked, or raises
``SettingsFileError`` with one line for the user: nothing is half-applied.
A setting the file leaves out stays as it is; unknown topics and sources are
dropped with a note (the operator may have retired them, or another bot may not
have them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, Literal

from bot.clock import lookup_timezone, parse_time, parse_time_range
from bot.errors import SettingsFileError
from bot.ui.i18n import LANGUAGES, N_, Translator, translator
from bot.ui.sources import MAX_PREFERRED, resolve
from bot.ui.wording import FILE_UNREADABLE, TOO_DEEP, keyword_problem, lone_surrogates
from storage.models import Subscriber
from storage.mutes import Mutes
from storage.states import DeliveryMode
from storage.subscribers import (
    MAX_KEYWORD_LENGTH,
    QUIET_DEFAULT,
    Preferences,
    normalise_keyword,
)

FORMAT = "briefbot-settings"
VERSION = 1
FILE_NAME = "briefbot-settings.json"
MAX_FILE_BYTES = 64 * 1024
MAX_WORDS = 50  # keywords, and muted keywords, per file (as /follow allows)


Gettext = Callable[[str], str]

# Messages about one list in the file, by the list: (not a list of words, too many).
_LIST_ERRORS = {
    "topics": (
        N_("The file's topics must be a list of words; nothing was changed."),
        N_("The file lists {count} topics; the most I keep is {max}."),
    ),
    "keywords": (
        N_("The file's keywords must be a list of words; nothing was changed."),
        N_("The file lists {count} keywords; the most I keep is {max}."),
    ),
    "muted keywords": (
        N_("The file's muted keywords must be a list of words; nothing was changed."),
        N_("The file lists {count} muted keywords; the most I keep is {max}."),
    ),
    "sources": (
        N_("The file's preferred sources must be a list of names; nothing was changed."),
        N_("The file lists {count} preferred sources; the most I keep is {max}."),
    ),
}
_TOO_LONG = {
    "keywords": N_("One of the file's keywords is longer than {max} characters."),
    "muted keywords": N_("One of the file's muted keywords is longer than {max} characters."),
}


@dataclass(frozen=True, slots=True)
class Loaded:
    preferences: Preferences
    notes: list[str] = field(default_factory=list)  # what was skipped, for the user


def dump_settings(
    subscriber: Subscriber, mutes: Mutes, now: datetime, sources: Sequence[str] = ()
) -> bytes:
    """A subscriber's settings as the JSON file /export sends (``sources``: the preferred
    ones by name, most preferred first)."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "topics": subscriber.topic_slugs,
        "keywords": subscriber.keyword_list,
        "timezone": subscriber.timezone,
        "digest_time": f"{subscriber.digest_time:%H:%M}",
        "mode": subscriber.mode.value,
        "quiet_hours": quiet_text(subscriber),
        "muted": {"topics": mutes.topics, "keywords": mutes.keywords},
        "preferred_sources": list(sources),
    }
    if subscriber.language:
        document["language"] = subscriber.language
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def load_settings(
    data: bytes,
    known_topics: Collection[str],
    t: Translator | None = None,
    known_sources: Mapping[int, str] | None = None,
) -> Loaded:
    """Every setting in the file, validated; raises SettingsFileError for anything wrong
    (its message, and the notes, in ``t``'s language). ``known_sources``: the bot's
    sources by id, to which the file's preferred sources are matched by name."""
    _ = (t or translator()).gettext
    if len(data) > MAX_FILE_BYTES:
        raise SettingsFileError(
            _(
                "That file is too big for a settings file ({size} KB; mine are under {max} KB)."
            ).format(size=len(data) // 1024, max=MAX_FILE_BYTES // 1024)
        )
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except RecursionError:
        raise SettingsFileError(_(TOO_DEEP)) from None
    except (UnicodeDecodeError, ValueError):
        raise SettingsFileError(
            _(
                "That file is not a briefbot settings file (it is not JSON). "
                "Send the file /export gave you."
            )
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SettingsFileError(
            _("That JSON file is not a briefbot settings file. Send the file /export gave you.")
        )
    version = document.get("version")
    if version != VERSION:
        raise SettingsFileError(
            _("That settings file has version {version}; I can read version {supported}.").format(
                version=_shown(version), supported=VERSION
            )
        )
    if lone_surrogates(document):
        raise SettingsFileError(_(FILE_UNREADABLE))
    notes: list[str] = []
    topics = _topics(document, "topics", known_topics, notes, _)
    muted = document.get("muted")
    if muted is not None and not isinstance(muted, dict):
        raise SettingsFileError(_("The file's “muted” must be an object with topics and keywords."))
    mutes = None
    if muted is not None:
        mutes = Mutes(
            _topics(muted, "topics", known_topics, notes, _) or [],
            _words(muted, "keywords", "muted keywords", _) or [],
        )
    preferences = Preferences(
        topics=topics,
        keywords=_words(document, "keywords", "keywords", _),
        timezone=_timezone(document.get("timezone"), _),
        digest_time=_time(document.get("digest_time"), _),
        mode=_mode(document.get("mode"), _),
        mutes=mutes,
        language=_language(document.get("language"), _),
        quiet_hours=_quiet(document.get("quiet_hours"), _),
        sources=_sources(document, known_sources or {}, notes, _),
    )
    return Loaded(preferences, notes)


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:40]


def _strings(
    document: dict[str, Any], key: str, what: str, _: Gettext, most: int = MAX_WORDS
) -> list[str] | None:
    value = document.get(key)
    if value is None:
        return None
    not_words, too_many = _LIST_ERRORS[what]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsFileError(_(not_words))
    if len(value) > most:
        raise SettingsFileError(_(too_many).format(count=len(value), max=most))
    return value


def _sources(
    document: dict[str, Any], known: Mapping[int, str], notes: list[str], _: Gettext
) -> list[int] | None:
    names = _strings(document, "preferred_sources", "sources", _, MAX_PREFERRED)
    if names is None:
        return None
    resolved = resolve([name[:100] for name in names], known)
    if missed := resolved.unknown + list(resolved.ambiguous):
        listed = ", ".join(name[:40] for name in missed[:5])
        notes.append(_("Skipped sources I don't have: {sources}.").format(sources=listed))
    return resolved.ids


def _topics(
    document: dict[str, Any], key: str, known: Collection[str], notes: list[str], _: Gettext
) -> list[str] | None:
    slugs = _strings(document, key, "topics", _)
    if slugs is None:
        return None
    unknown = [s for s in slugs if s not in known]
    if unknown:
        listed = ", ".join(s[:32] for s in unknown[:5])
        notes.append(_("Skipped topics I don't have any more: {topics}.").format(topics=listed))
    return list(dict.fromkeys(s for s in slugs if s in known))


def _words(document: dict[str, Any], key: str, what: str, _: Gettext) -> list[str] | None:
    words = _strings(document, key, what, _)
    if words is None:
        return None
    if any(len(w.strip()) > MAX_KEYWORD_LENGTH for w in words):
        raise SettingsFileError(_(_TOO_LONG[what]).format(max=MAX_KEYWORD_LENGTH))
    if problem := keyword_problem(w for w in words if normalise_keyword(w)):
        raise SettingsFileError(_(problem))
    return list(dict.fromkeys(k for k in map(normalise_keyword, words) if k))


def _timezone(value: Any, _: Gettext) -> str | None:
    if value is None:
        return None
    found = lookup_timezone(value) if isinstance(value, str) and len(value) <= 64 else None
    if found is None or found.zone is None:
        raise SettingsFileError(
            _("The file's time zone {zone} is not one I know; nothing was changed.").format(
                zone=_shown(value)
            )
        )
    return found.zone


def _time(value: Any, _: Gettext) -> time | None:
    if value is None:
        return None
    at = parse_time(value) if isinstance(value, str) and len(value) <= 8 else None
    if at is None:
        raise SettingsFileError(
            _("The file's digest time {time} is not a time like 07:30.").format(time=_shown(value))
        )
    return at


def _mode(value: Any, _: Gettext) -> DeliveryMode | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in {m.value for m in DeliveryMode}:
        raise SettingsFileError(
            _("The file's mode {mode} is not digest, instant or both.").format(mode=_shown(value))
        )
    return DeliveryMode(value)


def quiet_text(subscriber: Subscriber) -> str:
    """Quiet hours as settings files and the Mini App write them: a range, off or default."""
    start, end = subscriber.quiet_start, subscriber.quiet_end
    if start is None or end is None:
        return QUIET_DEFAULT
    return "off" if start == end else f"{start:%H:%M}-{end:%H:%M}"


def read_quiet(value: Any) -> tuple[time, time] | Literal["default"] | None:
    """Quiet hours as ``quiet_text`` writes them ("off": equal ends); None for anything else."""
    if value == QUIET_DEFAULT:
        return QUIET_DEFAULT
    if value == "off":
        return (time(0), time(0))
    return parse_time_range(value) if isinstance(value, str) and len(value) <= 32 else None


def _quiet(value: Any, _: Gettext) -> tuple[time, time] | Literal["default"] | None:
    if value is None:
        return None
    hours = read_quiet(value)
    if hours is None:
        raise SettingsFileError(
            _("The file's quiet hours {hours} are not like 23:00-07:00, off or default.").format(
                hours=_shown(value)
            )
        )
    return hours


def _language(value: Any, _: Gettext) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in LANGUAGES:
        raise SettingsFileError(
            _("The file's language {language} is not one I speak ({languages}).").format(
                language=_shown(value), languages=", ".join(LANGUAGES)
            )
        )
    return value
