"""Plain text and Markdown as paragraphs: hard-wrapped lines rejoined, addresses unified.

Newsletters converted from their plain-text email come hard-wrapped at about 72
to 80 characters, with their links written out in one of three ways
(``<https://…>``, ``( https://… )`` or a bare address on its own line between
parentheses). ``text_lines`` gives one line per paragraph, heading or list item
whatever the source did:

- the addresses become ``<https://…>`` wherever they stood, so one reader
  counts them as links;
- a text is hard-wrapped when none of its lines, without their addresses, is
  longer than a hundred characters, or almost none while many fill most of that;
  its lines are then rejoined into paragraphs. A paragraph ends at a blank
  line, before a heading or a list item, before an indented line (a cell of the
  email's layout) and after a line of addresses only (the item's own link),
  after a line that stops well short of the width (a headline, or the last line
  of a paragraph) and after an image's caption (from a line opening with the
  image's address to its credit, "Photographer: …"),
  except where the next line plainly continues the sentence (it opens in lower
  case or with punctuation);
- a short line over or under a rule of dashes, equals signs or stars
  (``What I'm reading`` / ``-----``) is a heading, as in Markdown, and a line
  opening with a pictograph (``📄 Patching…``) is a list item.
"""

from __future__ import annotations

import re

_PAREN_URL = re.compile(r"(?<!\])\(\s*(https?://[^\s()<>]+)\s*\)")
_URL = re.compile(r"<https?://[^>\s]*>|\[\s*https?://[^\]\s]*\s*\]|\]\([^)]*\)|https?://\S+")
_RULE = re.compile(r"^\s*([-=*_—–])(?:\s*\1){2,}\s*$")
_HEADING = re.compile(r"^\s*#{1,6}\s")
_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+\S")
_CONTINUES = re.compile(r"^[a-z,.;:)\]’”/]|^[—–](?![—–-])|^-(?![-])\s")
# "📄 Patching the Wii News Channel…", "😱 * PANIC RECOVERY": a pictograph for a bullet
_PICTOGRAPH_BULLET = re.compile(
    r"^\s*([\U0001F300-\U0001FAFF\u2600-\u27BF][\ufe0f\u200d\U0001F300-\U0001FAFF]*)\s*"
    r"(?:[-*+•]\s+)?(?=[^\s*+•-])"
)
_CAPTION_CELL = re.compile(r"^\s*<https?://[^>\s]*>\s*[A-Z“\"‘]")  # an image's link, its caption
_LINK_GOES_ON = re.compile(r"^\s*<https?://[^>\s]*>\s*[,.;:)]")  # "<https://…>. That makes…"
_CREDIT = re.compile(r"(?i:Photograph(?:er)?|Illustration|Photo|Image|Credit)s?:|/[A-Z][\w ]+\s*$")

WRAP_WIDTH = 100  # a hard-wrapped text has (almost) no line longer than this
MIN_FULL_LINES = 10  # ... and at least this many lines of 60 characters or more


def unify_addresses(text: str) -> str:
    """``( https://… )``, also over three lines, written as ``<https://…>``."""
    if "(" not in text:
        return text

    def spaced(match: re.Match[str]) -> str:  # no space where it opens a line: no indent
        glued = match.start() > 0 and text[match.start() - 1] not in " \n"
        return f"{' ' if glued else ''}<{match.group(1)}>"

    return _PAREN_URL.sub(spaced, text)


def _width(line: str) -> int:
    return len(_URL.sub("", line).rstrip())


def is_hard_wrapped(lines: list[str]) -> bool:
    """Whether the lines were wrapped at a fixed width rather than one per paragraph."""
    widths = [_width(line) for line in lines if line.strip()]
    long_lines = sum(w > WRAP_WIDTH for w in widths)
    full = sum(60 <= w <= WRAP_WIDTH for w in widths)
    return not long_lines or (full >= MIN_FULL_LINES and long_lines <= len(widths) // 50)


def _only_addresses(line: str) -> bool:
    return bool(line.strip()) and not _URL.sub("", line).strip(" <>.")


def _setext(lines: list[str]) -> list[str]:
    """Lines with Markdown's underlined headings written as ``## Title``."""
    out: list[str] = []
    for line in lines:
        if _RULE.match(line) and out and out[-1].strip():
            title = out[-1].strip()
            before = out[-2] if len(out) >= 2 else ""
            if (
                len(title.split()) <= 12
                and not _RULE.match(title)
                and (not before.strip() or _RULE.match(before))
            ):
                out[-1] = f"## {title}"
                if before.strip():
                    out[-2] = ""  # the rule over it
                continue
        out.append(line)
    return out


def _is_linked_title(line: str) -> bool:
    """A line that is a short title and its link ("Weekend Essay <https://…>")."""
    text = _URL.sub("", line).strip()
    return (
        bool(text)
        and len(text.split()) <= 10
        and text[-1] not in ".,;:"
        and bool(re.search(r"<https?://[^>\s]*>\s*$", line))
    )


_SOFT_BREAK_AFTER = re.compile(r"[a-z0-9,;]$")  # a line that stops mid-sentence
_SOFT_GOES_ON = re.compile(r"^[a-z0-9(]")  # ... and the next goes on with it


def _soft_joined(lines: list[str]) -> list[str]:
    """Markdown's soft line breaks undone: a line of a wrapped width (60 to 100 characters)
    that stops mid-sentence and the line right under it ("…after two" / "days of talks…")
    are one paragraph, as a Markdown reader shows them."""
    out: list[str] = []
    above = ""  # the line above, as written
    for line in lines:
        if (
            out
            and 60 <= len(above.rstrip()) <= WRAP_WIDTH
            and _SOFT_BREAK_AFTER.search(above.rstrip())
            and not (_HEADING.match(above) or _ITEM.match(above) or _RULE.match(above))
            and _SOFT_GOES_ON.match(line)
            and not (_ITEM.match(line) or _RULE.match(line))
        ):
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        else:
            out.append(line)
        above = line
    return out


def text_lines(text: str) -> list[str]:
    """The paragraphs, headings and list items of a text, one per line."""
    lines = unify_addresses(text).split("\n")
    if not is_hard_wrapped(text.split("\n")):  # widths as written, before addresses moved
        return _soft_joined(lines)
    widths = sorted(w for line in lines if (w := _width(line)))
    short = 0.6 * widths[len(widths) * 9 // 10] if widths else 0  # well short of the wrap
    paragraphs: list[str] = []
    group: list[str] = []
    after_short = False  # the line before stopped well short of the width: its paragraph ended
    after_address = False  # the line before was addresses only
    caption = False  # the paragraph is an image's caption
    credited = False  # ... and its credit has been read: the caption ends there
    for line in [*_setext(lines), ""]:
        bullet = _PICTOGRAPH_BULLET.match(line)
        if bullet:
            line = f"* {bullet.group(1)} {line[bullet.end() :]}"
        stripped = line.strip()
        continues = bool(_CONTINUES.match(stripped) or _LINK_GOES_ON.match(line))
        starts_new = bool(
            not stripped
            or _HEADING.match(line)
            or _ITEM.match(line)
            or _RULE.match(line)
            or (
                not continues
                and (
                    after_address
                    or (after_short and not stripped.startswith("<"))  # its link goes with it
                    or credited
                    or (line[:1] in " \t" and not caption)
                )
                and group
            )
        )
        if starts_new and group:
            paragraphs.append(" ".join(group))
            group = []
            caption = credited = False
        if not stripped:
            paragraphs.append("")
        elif _RULE.match(line):
            paragraphs.append(stripped)
        else:
            group.append(stripped)
        after_address = _only_addresses(line)
        after_short = bool(stripped) and (
            (_width(line) < short and stripped[-1] not in ",;:(—–-" and not _URL.search(line))
            or _is_linked_title(line)  # a card's title and its link, "Weekend Essay <https://…>"
        )
        caption = caption or (len(group) == 1 and bool(_CAPTION_CELL.match(line)))
        credited = caption and (credited or bool(_CREDIT.search(_URL.sub("", line))))
    return paragraphs
