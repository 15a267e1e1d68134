"""Telegram's HTML parse mode, as the Bot API applies it: text in, (plain text, entities) out.

Malformed markup raises ``EntityParseError`` with Telegram's wording, so a bot
that forgets to escape "<" fails here as it would in production. Lengths and
offsets are UTF-16 code units, as Telegram counts them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ENTITY = re.compile(r"&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_TAG = re.compile(r"^(/?)\s*([A-Za-z][\w-]*)(.*)$", re.S)
# Entities Telegram finds by itself in the visible text; they count towards the limit too.
_AUTO = re.compile(r"(?<![\w/@#])(?:/[A-Za-z0-9_]{1,32}(?:@\w+)?|@\w{5,32}|#\w+|https?://\S+)")


class EntityParseError(ValueError):
    """Telegram answers 400 "Bad Request: can't parse entities: <this message>"."""


@dataclass
class Parsed:
    text: str
    entities: list[dict[str, object]] = field(default_factory=list)

    @property
    def length(self) -> int:
        return utf16_len(self.text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode())


def _decode_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name.startswith(("#x", "#X")):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED[name]


def parse_html(source: str) -> Parsed:
    """Apply Telegram's HTML rules; raise EntityParseError where Telegram would refuse."""
    out: list[str] = []
    length = 0  # UTF-16 units written so far
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, object]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "&":
            match = _ENTITY.match(source, i)
            piece = _decode_entity(match) if match else "&"
            i = match.end() if match else i + 1
        elif char == "<":
            end = source.find(">", i)
            if end < 0:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(source, i)}"
                )
            _tag(source, i, source[i + 1 : end], stack, entities, length)
            i = end + 1
            continue
        else:
            piece = char
            i += 1
        out.append(piece)
        length += utf16_len(piece)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    text = "".join(out)
    for match in _AUTO.finditer(text):
        entities.append(
            {
                "type": "bot_command" if match.group().startswith("/") else "auto",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
        )
    return Parsed(text, entities)


def _tag(
    source: str,
    at: int,
    inner: str,
    stack: list[tuple[str, int, dict[str, str]]],
    entities: list[dict[str, object]],
    length: int,
) -> None:
    match = _TAG.match(inner.strip())
    offset = _byte_offset(source, at)
    if not match:
        raise EntityParseError(f"Empty tag name at byte offset {offset}")
    closing, name, rest = match.group(1), match.group(2).lower(), match.group(3)
    if closing:
        if not stack:
            raise EntityParseError(f'Unexpected end tag "{name}" at byte offset {offset}')
        open_name, start, attributes = stack.pop()
        if open_name != name:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {offset}, expected "
                f'"</{open_name}>", found "</{name}>"'
            )
        entity: dict[str, object] = {
            "type": TAG_TYPES[name],
            "offset": start,
            "length": length - start,
        }
        if name == "a":
            entity["url"] = attributes.get("href", "")
        entities.append(entity)
        return
    if name not in TAG_TYPES:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
    attributes = {
        m.group(1).lower(): _ENTITY.sub(
            _decode_entity, next(g for g in m.groups()[1:] if g is not None)
        )
        for m in _ATTRIBUTE.finditer(rest)
    }
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise EntityParseError(f'Unsupported start tag "span" at byte offset {offset}')
    stack.append((name, length, attributes))
