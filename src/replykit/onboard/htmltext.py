"""HTML answers (Zendesk ``comment_value_html``, Gorgias ``body_html``, Help Scout ``text``) as plain text.

Replies are plain text in replykit; paragraphs and line breaks are kept, links keep their address,
and what has no plain-text form (images, tables' layout) is reported rather than dropped silently.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "table", "pre", "section"}
LINE_BLOCKS = {"li", "tr"}
HTML_HINT = re.compile(r"<(p|div|br|span|a|ul|ol|li|strong|b|em|i|h[1-6]|table)\b[^>]*>", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    return bool(HTML_HINT.search(text))


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.lost: list[str] = []
        self._href: list[str | None] = []
        self._link_text: list[int] = []
        self._pre = 0

    def _break(self, blank: bool) -> None:
        self.parts.append("\n\n" if blank else "\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "br":
            self._break(False)
        elif tag in BLOCKS:
            self._break(True)
            if tag == "pre":
                self._pre += 1
        elif tag == "li":
            self._break(False)
            self.parts.append("- ")
        elif tag in LINE_BLOCKS:
            self._break(False)
        elif tag == "a":
            self._href.append(attributes.get("href"))
            self._link_text.append(len(self.parts))
        elif tag == "img":
            self.lost.append(f"image {attributes.get('src') or attributes.get('alt') or ''}".strip())
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self._break(True)
            if tag == "pre" and self._pre:
                self._pre -= 1
        elif tag == "a" and self._href:
            href = self._href.pop()
            start = self._link_text.pop()
            shown = "".join(self.parts[start:]).strip()
            if href and not href.startswith(("#", "mailto:")) and href != shown and href.rstrip("/") != shown:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.parts.append(data if self._pre else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> tuple[str, list[str]]:
    """Plain text with paragraphs as blank lines, and what could not be carried over."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    raw = "".join(collector.parts).replace("\xa0", " ")
    lines = [line.strip() for line in raw.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text, collector.lost
