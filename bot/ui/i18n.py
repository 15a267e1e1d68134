"""The bot's languages: message catalogues read from .po files at start, one translator each.

Every text the bot sends is marked with ``_()`` (or ``N_()`` where it is defined,
``ngettext`` for counts) and looked up in ``bot/locale/<lang>/LC_MESSAGES/briefbot.po``.
The .po files are read with Babel and compiled in memory, so there is no build
step. Unknown languages fall back to English: "de" and "pt-br" get English,
"uk" and "uk-UA" get Ukrainian.
"""

from __future__ import annotations

import functools
import gettext
import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "briefbot"
LOCALE_DIR = Path(__file__).parent.parent / "locale"
DEFAULT_LANGUAGE = "en"
LANGUAGES: dict[str, str] = {"en": "English", "uk": "Українська"}


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; translate it where it is used."""
    return message


def catalogue_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def normalise(code: str | None) -> str:
    """The supported language for a Telegram language code ("uk-UA" -> "uk", "de" -> "en")."""
    base = (code or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def load(path: Path) -> gettext.GNUTranslations:
    """A .po file as gettext translations (untranslated and fuzzy entries left out)."""
    with path.open("rb") as po:
        catalog = read_po(po, ignore_obsolete=True)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Translator:
    """One language's gettext and ngettext; untranslated messages come out in English."""

    language: str
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)


@functools.cache
def translator(code: str | None = None) -> Translator:
    """The translator for a language code; unknown languages get English."""
    language = normalise(code)
    path = catalogue_path(language)
    translations = load(path) if path.exists() else gettext.NullTranslations()
    return Translator(language, translations)
