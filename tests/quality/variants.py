"""One newsletter in other formats: the splitter must give the same stories in each.

Every labelled brief is read in place and rendered in memory into the formats
the same newsletter comes in elsewhere, then parsed and scored against the same
labels (``tests.quality.score``):

- ``markdown``: an HTML email written as Markdown (headings ``#``, bold
  ``**…**``, links ``[text](address)``, list items ``- ``), as mail-to-Markdown
  pipelines do; a Markdown or text brief as it is;
- ``html``: a Markdown or text brief as simple HTML (a ``<p>`` per paragraph,
  ``<h1>``-``<h6>``, ``<ul><li>``, ``<strong>``, ``<a>``); an HTML brief as it is;
- ``web page``: the HTML inside a site's chrome (a menu in ``<nav>``, a masthead
  of links, a share bar, a "Related" rail, a newsletter sign-up box and a
  ``<footer>``), as a saved web edition;
- ``table email``: the simple HTML laid out as a Mailchimp/Substack-style email:
  nested presentation tables, a cell per block, headings bold by style instead
  of ``<h2>``, a hidden preheader, "View in browser" over it all and the
  unsubscribe footer under it;
- ``text 72``: the Markdown as a plain-text email, links written out
  (``text <https://…>``), hard-wrapped at 72 columns.

Run: python -m tests.quality variants [LABELS.json ...]
Prints a line per brief and variant that is not split exactly, a table of
split-exact and stories matched per variant, and one JSON object last.
"""

from __future__ import annotations

import html
import json
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lxml.html

from jobs.ingest.parse import briefs_from_bytes, decode
from jobs.ingest.split.blocks import (
    _BLOCK_TAGS,
    _MD_EMPHASIS,
    _MD_HEADING,
    _MD_IMAGE,
    _MD_ITEM,
    _MD_META,
    _MD_RULE,
    _ordinal,
    front_matter,
    parse_html,
)
from jobs.ingest.split.wrap import text_lines
from tests.quality.evaluate import _brief_path, parsed_stories
from tests.quality.score import score_brief

VARIANTS = ("original", "markdown", "html", "web page", "table email", "text 72")

_BR = "\x00"  # a line break, until paragraphs are cut
_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "svg", "img"})
_BLOCK = _BLOCK_TAGS - {"form", "fieldset", "address"}
_HIDDEN = re.compile(r"display\s*:\s*none|max-height\s*:\s*0|mso-hide\s*:\s*all", re.I)
# a link with its address kept (the reader's own pattern drops it)
_MD_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\(((?:[^()\s]|\([^)]*\))*)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


# ---------------------------------------------------------------- HTML -> Markdown


def _tag(el: lxml.html.HtmlElement) -> str:
    """The element's tag, or "" for what a reader never sees (scripts, hidden text)."""
    tag = el.tag if isinstance(el.tag, str) else ""
    return "" if not tag or tag in _SKIP or _HIDDEN.search(el.get("style", "")) else tag


def _inline(el: lxml.html.HtmlElement, out: list[str]) -> None:
    """The inline Markdown of ``el``'s text and children (blocks are flushed by the caller)."""
    tag = _tag(el)
    if not tag:
        return
    if tag == "br":
        out.append(_BR)
        return
    inner: list[str] = [el.text or ""]
    for child in el:
        _inline(child, inner)
        inner.append(child.tail or "")
    text = "".join(inner)
    if tag in {"strong", "b"} and text.strip():
        text = f" **{text.strip()}** "
    elif tag == "a" and el.get("href") and text.strip():
        text = f" [{text.strip()}]({el.get('href')}) "
    out.append(text)


def _linked_line(line: str, href: str) -> str:
    heading = _MD_HEADING.match(line)
    if heading:
        return f"{heading.group(1)} [{heading.group(2)}]({href})"
    return line if "](" in line else f"[{line}]({href})"


def _bullet(item: lxml.html.HtmlElement) -> str:
    number = _ordinal(item)
    return f"{number}." if number is not None else "-"


def _has_block(el: lxml.html.HtmlElement) -> bool:
    return any(isinstance(c.tag, str) and c.tag in _BLOCK for c in el.iter() if c is not el)


def _md_blocks(el: lxml.html.HtmlElement, out: list[str]) -> None:
    tag = _tag(el)
    if not tag:
        return
    if tag == "hr":
        out.append("---")
        return
    if not _has_block(el):
        parts: list[str] = []
        _inline(el, parts)
        # two line breaks in a row end a paragraph, as they do on the screen
        for n, piece in enumerate(re.split(f"{_BR}\\s*{_BR}", "".join(parts))):
            text = " ".join(piece.replace(_BR, " ").split()).replace("** **", " ")
            if not text.strip(" *"):
                continue
            if tag[:1] == "h" and tag[1:].isdigit():
                text = "#" * int(tag[1]) + " " + text.replace("**", "").strip()
            elif tag == "li" and n == 0:
                text = f"{_bullet(el)} {text}"
            out.append(text)
        return
    start = len(out)
    if tag == "a" and el.get("href"):  # a link around blocks: each of them is linked
        inner: list[str] = []
        for child in el:
            _md_blocks(child, inner)
        out.extend(_linked_line(line, el.get("href", "")) for line in inner)
        return
    parts = [el.text or ""]  # text beside block children: a paragraph of its own
    for child in el:
        if isinstance(child.tag, str) and (child.tag in _BLOCK or _has_block(child)):
            loose = " ".join("".join(parts).replace(_BR, " ").split())
            if loose.strip(" *"):
                out.append(loose)
            parts = []
            _md_blocks(child, out)
        else:
            _inline(child, parts)
        parts.append(child.tail or "")
    loose = " ".join("".join(parts).replace(_BR, " ").split())
    if loose.strip(" *"):
        out.append(loose)
    if tag == "li" and len(out) > start:  # an item of paragraphs: its first is the bullet's
        out[start] = f"{_bullet(el)} {out[start]}"


def html_to_markdown(source: str) -> str:
    """An HTML email or page as Markdown, a paragraph per line with blank lines between."""
    root = parse_html(source)
    if root is None:
        return ""
    title = root.find(".//title")
    subject = " ".join(title.text_content().split()) if title is not None else ""
    body = root.find("body")
    lines: list[str] = []
    _md_blocks(body if body is not None else root, lines)
    head = f'---\nsubject: "{subject}"\n---\n\n' if subject else ""
    return head + "\n\n".join(lines) + "\n"


# ---------------------------------------------------------------- Markdown -> HTML


_ADDRESS = re.compile(r"\s*(?:<(https?://[^>\s]*)>|\[\s*(https?://[^\]\s]*)\s*\])")


def _md_inline(text: str) -> str:
    text = _MD_IMAGE.sub("", html.unescape(text))
    addresses = ["".join(pair) for pair in _ADDRESS.findall(text)]
    if addresses:  # plain text's written-out links: a short line that ends in one is its link
        bare = _ADDRESS.sub("", text).strip()
        if text.rstrip()[-1:] in ">]" and len(bare.split()) <= 12 and "](" not in bare:
            return f'<a href="{html.escape(addresses[-1])}">{_md_inline(bare)}</a>'
        text = _ADDRESS.sub("", text)
    out, last = [], 0
    for m in _MD_LINK.finditer(text):
        out.append(html.escape(text[last : m.start()], quote=False))
        out.append(f'<a href="{html.escape(m.group(2))}">{_md_inline(m.group(1))}</a>')
        last = m.end()
    out.append(html.escape(text[last:], quote=False))
    joined = _BOLD.sub(r"<strong>\1</strong>", "".join(out))
    return _MD_EMPHASIS.sub(r"<em>\1</em>", joined)


def markdown_lines(source: str) -> tuple[str, list[str]]:
    """A Markdown or text brief's subject and its paragraphs, headings and items, one a line
    (hard-wrapped text rejoined; the mail converter's From/Date lines left out)."""
    meta, body = front_matter(source.lstrip("\ufeff"))
    lines = [
        html.unescape(line.strip())
        for line in text_lines(body.replace("\r\n", "\n"))
        if line.strip() and not _MD_META.match(line.strip())
    ]
    return meta.get("subject") or meta.get("title") or "", lines


def markdown_to_html(source: str) -> str:
    """A Markdown or text brief as simple HTML: a block element per line."""
    subject, lines = markdown_lines(source)
    out: list[str] = []
    in_list = ""  # the list being written: "ul", "ol" or none
    for line in lines:
        item = _MD_ITEM.match(line)
        kind = ("ol" if item.group(1) else "ul") if item else ""
        if in_list and kind != in_list:
            out.append(f"</{in_list}>")
        if kind and kind != in_list:
            start = f' start="{item.group(1)}"' if item and item.group(1) else ""
            out.append(f"<{kind}{start}>")
        in_list = kind
        heading = _MD_HEADING.match(line)
        if heading:
            n = len(heading.group(1))
            out.append(f"<h{n}>{_md_inline(heading.group(2).replace('**', ''))}</h{n}>")
        elif item:
            out.append(f"<li>{_md_inline(item.group(2))}</li>")
        elif _MD_RULE.match(line):
            out.append("<hr>")
        else:
            out.append(f"<p>{_md_inline(line)}</p>")
    if in_list:
        out.append(f"</{in_list}>")
    title = f"<title>{html.escape(subject)}</title>" if subject else ""
    return f"<html><head>{title}</head><body>\n" + "\n".join(out) + "\n</body></html>"


# ---------------------------------------------------------------- chrome and layouts


def _body_and_title(source: str) -> tuple[str, str]:
    root = parse_html(source)
    if root is None:
        return "", ""
    title_el = root.find(".//title")
    title = " ".join(title_el.text_content().split()) if title_el is not None else ""
    body = root.find("body")
    body = body if body is not None else root
    inner = (body.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in body
    )
    return inner, title


_SITE_TOP = """<header class="site-header"><a href="/">Home</a>
<nav class="menu"><ul><li><a href="/world">World</a></li><li><a href="/business">Business</a></li>
<li><a href="/tech">Technology</a></li><li><a href="/opinion">Opinion</a></li>
<li><a href="/newsletters">Newsletters</a></li></ul></nav>
<div class="account"><a href="/login">Log in</a> <a href="/subscribe">Subscribe</a></div>
</header>
<div class="share-bar"><a href="https://facebook.test/share">Facebook</a>
<a href="https://x.test/share">X</a> <a href="https://linkedin.test/share">LinkedIn</a>
<a href="mailto:?subject=x">Email</a> <a href="#copy">Copy link</a></div>"""
_SITE_BOTTOM = """<div class="share-bar"><a href="https://facebook.test/share">Share</a>
<a href="https://x.test/share">Post</a> <a href="mailto:?subject=x">Email</a></div>
<aside class="related"><h3>Related</h3><ul>
<li><a href="/a">How the markets closed the year</a></li>
<li><a href="/b">The week in pictures</a></li>
<li><a href="/c">Five charts that explain the economy</a></li></ul></aside>
<div class="signup"><h3>Get this newsletter in your inbox</h3>
<p>Sign up for free and get our daily briefing every morning.</p>
<p><a href="/subscribe">Sign up</a></p></div>
<footer><ul><li><a href="/about">About us</a></li><li><a href="/privacy">Privacy</a></li>
<li><a href="/terms">Terms</a></li><li><a href="/contact">Contact</a></li></ul>
<p>© 2026 Example News Group. All rights reserved.</p></footer>"""


def web_page(source: str) -> str:
    """The HTML inside a news site's chrome, as a saved web edition."""
    inner, title = _body_and_title(source)
    return (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head><body>"
        f"{_SITE_TOP}<main><article>{inner}</article></main>{_SITE_BOTTOM}</body></html>"
    )


_CELL = (
    '<table role="presentation" width="100%"><tr><td style="padding:0 24px">{}</td></tr></table>'
)


def _email_block(el: lxml.html.HtmlElement) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag[:1] == "h" and tag[1:].isdigit():
        size = {1: 28, 2: 22, 3: 18}.get(int(tag[1]), 16)
        inner = (el.text or "") + "".join(lxml.html.tostring(c, encoding="unicode") for c in el)
        return f'<div style="font-family:Georgia;font-size:{size}px;font-weight:700">{inner}</div>'
    return lxml.html.tostring(el, encoding="unicode")


def table_email(source: str) -> str:
    """Simple HTML laid out as a newsletter platform's email: nested tables, a cell per
    block, headings bold by style, a preheader, "View in browser" and the footer."""
    root = parse_html(source)
    title_el = root.find(".//title") if root is not None else None
    title = " ".join(title_el.text_content().split()) if title_el is not None else ""
    body = root.find("body") if root is not None else None
    cells = [_CELL.format(_email_block(el)) for el in (body if body is not None else [])]
    first = next((e for e in (body if body is not None else []) if e.tag == "p"), None)
    preheader = " ".join(first.text_content().split())[:120] if first is not None else ""
    return (
        f"<html><head><title>{html.escape(title)}</title></head><body>"
        f'<div style="display:none;max-height:0">{html.escape(preheader)}</div>'
        '<table role="presentation" width="100%"><tr><td align="center">'
        '<table role="presentation" width="600"><tr><td>'
        '<p style="font-size:11px"><a href="https://example.test/web">View in browser</a></p>'
        + "".join(cells)
        + '<table role="presentation"><tr><td style="font-size:11px">'
        "<p>You are receiving this email because you subscribed to our newsletter.</p>"
        '<p><a href="https://example.test/u">Unsubscribe</a> | '
        '<a href="https://example.test/p">Manage preferences</a></p>'
        "<p>Example News Group, 100 Main Street, Springfield, 01101</p>"
        "</td></tr></table></td></tr></table></td></tr></table></body></html>"
    )


def text_72(source: str) -> str:
    """Markdown as a plain-text email: links written out, hard-wrapped at 72 columns."""
    subject, lines = markdown_lines(source)
    out: list[str] = []
    for line in lines:
        if _MD_RULE.match(line):
            out.append("-" * 20)
            continue
        heading = _MD_HEADING.match(line)
        item = _MD_ITEM.match(line)
        text = heading.group(2) if heading else item.group(2) if item else line
        text = _MD_LINK.sub(lambda m: f"{m.group(1)} <{m.group(2)}>", _MD_IMAGE.sub("", text))
        text = " ".join(text.replace("**", "").split())
        if not text:
            continue
        bullet = "* " if item else ""
        out.append(
            textwrap.fill(
                text,
                72,
                initial_indent=bullet,
                subsequent_indent=" " * len(bullet),
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    head = f'---\nsubject: "{subject}"\n---\n\n' if subject else ""
    return head + "\n\n".join(out) + "\n"


def render(source: str, is_html: bool) -> dict[str, tuple[str, str]]:
    """Every variant of one brief: its text and the file extension it is read as."""
    markdown = html_to_markdown(source) if is_html else source
    simple = markdown_to_html(markdown)
    page_from = source if is_html else simple
    return {
        "original": (source, ".html" if is_html else ".md"),
        "markdown": (markdown, ".md"),
        "html": (source if is_html else simple, ".html"),
        "web page": (web_page(page_from), ".html"),
        "table email": (table_email(simple), ".html"),
        "text 72": (text_72(markdown), ".txt"),
    }


# ---------------------------------------------------------------- scoring


@dataclass(slots=True)
class VariantReport:
    lines: list[str] = field(default_factory=list)
    exact: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VARIANTS, 0))
    matched: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VARIANTS, 0))
    labelled: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VARIANTS, 0))
    briefs: int = 0
    # briefs the original splits exactly and a variant does not
    broken: dict[str, list[str]] = field(default_factory=lambda: {v: [] for v in VARIANTS})

    def figures(self) -> dict[str, Any]:
        return {
            "briefs": self.briefs,
            "variants": {
                v: {
                    "split_exact": self.exact[v],
                    "stories_matched": self.matched[v],
                    "stories_labelled": self.labelled[v],
                    "broken": len(self.broken[v]),
                }
                for v in VARIANTS
            },
        }


def _stories(text: str, name: str) -> list[Any]:
    return parsed_stories(briefs_from_bytes(text.encode("utf-8"), name=name))


def evaluate_variants(
    label_files: Sequence[Path], only: Callable[[str], bool] = lambda name: True
) -> VariantReport:
    """Parse every labelled brief in every variant and score each against its labels."""
    report = VariantReport()
    for label_file in label_files:
        labels = json.loads(label_file.read_text(encoding="utf-8"))
        vocabulary = set(labels.get("vocabulary", []))
        for name, brief in labels.get("briefs", {}).items():
            if not only(name):
                continue
            path = _brief_path(label_file.parent, name)
            source = decode(path.read_bytes())
            is_html = path.suffix.lower() in {".html", ".htm"}
            report.briefs += 1
            original_exact = False
            stem = path.stem
            for variant, (text, ext) in render(source, is_html).items():
                score = score_brief(
                    name, brief, _stories(text, stem + ext), vocabulary, lambda _: set()
                )
                report.exact[variant] += score.exact
                report.matched[variant] += score.matched
                report.labelled[variant] += score.labelled
                if variant == "original":
                    original_exact = score.exact
                elif original_exact and not score.exact:
                    report.broken[variant].append(name)
                if not score.exact:
                    problems = "; ".join(score.problems)
                    report.lines.append(
                        f"FAIL {variant:<11} {name[:56]:<56} "
                        f"{score.matched:>2}/{score.labelled:<2} {problems}"
                    )
    return report


def main(argv: list[str]) -> int:
    from tests.quality.evaluate import DEFAULT_LABELS

    paths = [Path(a) for a in argv if not a.startswith("--only=")] or list(DEFAULT_LABELS)
    pattern = next((a[7:] for a in argv if a.startswith("--only=")), "")
    report = evaluate_variants(paths, lambda name: pattern in name)
    for line in report.lines:
        print(line)
    print(f"\n{'variant':<12} {'split exactly':>15} {'stories matched':>17} {'broken':>7}")
    for v in VARIANTS:
        print(
            f"{v:<12} {report.exact[v]:>7}/{report.briefs:<7} "
            f"{report.matched[v]:>8}/{report.labelled[v]:<8} {len(report.broken[v]):>7}"
        )
    print(json.dumps(report.figures()))
    return 0
