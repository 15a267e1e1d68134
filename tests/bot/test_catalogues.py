"""The message catalogues: every message in the source is translated in every language,
with the same placeholders and tags; and the translators pick languages and plurals right."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.ui.i18n import LANGUAGES, LOCALE_DIR, catalogue_path, load, normalise, translator

ROOT = Path(__file__).resolve().parents[2]
_TAG = re.compile(r"</?[a-z]+[^>]*>")

Msgid = str | tuple[str, str]


def source_messages() -> list[Msgid]:
    """Every message marked in bot/ (_, N_, gettext, ngettext, t.gettext ...), as Babel finds it."""
    found: dict[str, Msgid] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "bot"), [("**.py", "python")]
    ):
        msgid: Msgid = message if isinstance(message, str) else (message[0], message[1])
        found[msgid if isinstance(msgid, str) else msgid[0]] = msgid
    return list(found.values())


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def catalogue_problems(path: Path, messages: list[Msgid]) -> list[str]:
    """What is wrong with one .po file: missing, empty or fuzzy translations, and
    placeholders or HTML tags that differ from the message's."""
    with path.open("rb") as po:
        catalog = read_po(po)
    problems = []
    for msgid in messages:
        key = msgid if isinstance(msgid, str) else msgid[0]
        entry = catalog.get(key)
        if entry is None:
            problems.append(f"{path}: missing {key!r}")
            continue
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy or not forms or not all(forms):
            problems.append(f"{path}: no translation for {key!r}")
            continue
        originals = msgid if isinstance(msgid, tuple) else (msgid,)
        if isinstance(msgid, tuple) and len(forms) != catalog.num_plurals:
            problems.append(f"{path}: {key!r} needs {catalog.num_plurals} plural forms")
        wanted = set().union(*map(_fields, originals))
        tags = sorted(_TAG.findall(originals[0]))
        for form in forms:
            if _fields(form) != wanted:
                problems.append(f"{path}: placeholders of {key!r}: {_fields(form)} != {wanted}")
            if sorted(_TAG.findall(form)) != tags:
                problems.append(f"{path}: HTML tags of {key!r} differ")
    return problems


def test_the_source_marks_the_bots_messages_for_translation() -> None:
    keys = {m if isinstance(m, str) else m[0] for m in source_messages()}

    assert "What I can do" in keys
    assert "📰 <b>Your stories</b> · {count} new" in keys  # ngettext, through t.ngettext
    assert "your matching stories now" in keys  # N_ in the command list
    assert len(keys) > 150


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_catalogue_translates_every_message_with_the_same_placeholders(
    language: str,
) -> None:
    assert catalogue_problems(catalogue_path(language), source_messages()) == []


def _write(path: Path, language: str, entries: dict[str, str]) -> Path:
    catalog = Catalog(locale=language)
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po:
        write_po(po, catalog)
    return path


def test_a_catalogue_missing_a_translation_or_a_placeholder_fails_the_check(
    tmp_path: Path,
) -> None:
    messages: list[Msgid] = ["Done", "Mode: {mode}", "Saved", "<b>Your settings</b>"]
    path = _write(
        tmp_path / "uk.po",
        "uk",
        {
            "Done": "Готово",
            "Mode: {mode}": "Режим: {режим}",
            "<b>Your settings</b>": "Налаштування",
        },
    )

    problems = catalogue_problems(path, messages)

    assert problems == [
        f"{path}: placeholders of 'Mode: {{mode}}': {{'режим'}} != {{'mode'}}",
        f"{path}: missing 'Saved'",
        f"{path}: HTML tags of '<b>Your settings</b>' differ",
    ]
    _write(path, "uk", {"Done": "Готово", "Mode: {mode}": "", "Saved": "Збережено"})
    assert catalogue_problems(path, messages[:3]) == [
        f"{path}: no translation for 'Mode: {{mode}}'"
    ]


def test_an_untranslated_message_comes_out_in_english(tmp_path: Path) -> None:
    path = _write(tmp_path / "uk.po", "uk", {"Done": "Готово", "Saved": ""})

    translations = load(path)

    assert translations.gettext("Done") == "Готово"
    assert translations.gettext("Saved") == "Saved"


@pytest.mark.parametrize(
    ("code", "language"),
    [("uk", "uk"), ("uk-UA", "uk"), ("uk_UA", "uk"), ("en", "en"), ("en-GB", "en"),
     ("de", "en"), ("pt-br", "en"), ("", "en"), (None, "en")],
)  # fmt: skip
def test_telegram_language_codes_choose_a_catalogue(code: str | None, language: str) -> None:
    assert normalise(code) == language
    assert translator(code).language == language


def test_ukrainian_counts_take_three_plural_forms() -> None:
    t = translator("uk")
    one, few, many = "Призупинено на {count} день", "на {count} дні", "на {count} днів"

    def paused(n: int) -> str:
        return t.ngettext(
            "Paused for {count} day. /digest still works whenever you want it.",
            "Paused for {count} days. /digest still works whenever you want it.",
            n,
        ).format(count=n)

    assert paused(1).startswith(one.format(count=1))
    assert paused(21).startswith(one.format(count=21))
    assert few.format(count=3) in paused(3)
    assert few.format(count=24) in paused(24)
    assert many.format(count=5) in paused(5)
    assert many.format(count=11) in paused(11)
    assert many.format(count=12) in paused(12)


def test_the_catalogues_live_where_the_package_ships_them() -> None:
    assert LOCALE_DIR == ROOT / "bot" / "locale"
    assert sorted(p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/*.po")) == sorted(
        LANGUAGES
    )
