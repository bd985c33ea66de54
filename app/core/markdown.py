"""The one Markdown renderer and sanitiser: course lessons, session and meeting descriptions."""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import markdown
import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "div",
    "span",
    "sup",
    "sub",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "div": {"class"},
    "p": {"class"},
    "code": {"class"},
    **{f"h{level}": {"id"} for level in range(2, 7)},
}
EXTENSIONS = ["tables", "toc", "admonition", "fenced_code", "sane_lists"]
EXTENSION_CONFIGS = {"toc": {"toc_depth": "2-3"}}

TABLE = re.compile(r"<table>(.*?)</table>", re.DOTALL)
FIRST_ROW = re.compile(r"<tr>(.*?)</tr>", re.DOTALL)
CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.DOTALL)
TAG = re.compile(r"<[^>]+>")

# Given (tag, attribute, value), return the value to keep, a new value, or None to drop it.
UrlRewriter = Callable[[str, str, str], str | None]


@dataclass
class RenderedMarkdown:
    html: str
    toc_html: str  # empty when the text has no headings


def _keep(_tag, _attribute, value):
    return value


def _scroll_box(match: re.Match) -> str:
    """A table in a box that scrolls sideways on a small screen. The box is focusable so that a
    keyboard can scroll it, and named after the table's header row (the lesson's own words: a
    lesson is rendered once, for any reader's language)."""
    table = match.group(0)
    first_row = FIRST_ROW.search(match.group(1))
    cells = CELL.findall(first_row.group(1)) if first_row else []
    label = ", ".join(filter(None, (" ".join(html.unescape(TAG.sub("", cell)).split()) for cell in cells)))
    if not label:
        return f'<div class="table-scroll">{table}</div>'
    return f'<div class="table-scroll" tabindex="0" role="region" aria-label="{html.escape(label)}">{table}</div>'


def render_markdown(text: str, rewrite_url: UrlRewriter | None = None) -> RenderedMarkdown:
    """Markdown to safe HTML: scripts, event handlers, inline styles and unknown tags are
    removed, links get rel="noopener noreferrer", tables scroll in a labelled box, and
    `rewrite_url` may change or drop each href and src (e.g. to turn `other-lesson.md` into the lesson's address)."""
    converter = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    raw_html = converter.convert(text)
    rewrite = rewrite_url or _keep

    def attribute_filter(tag, attribute, value):
        if attribute in ("href", "src"):
            return rewrite(tag, attribute, value)
        return value

    def clean(html):
        return nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            attribute_filter=attribute_filter,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer",
        )

    toc_html = clean(converter.toc) if converter.toc_tokens else ""
    return RenderedMarkdown(html=TABLE.sub(_scroll_box, clean(raw_html)), toc_html=toc_html)
