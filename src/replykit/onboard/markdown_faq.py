"""Markdown FAQs: a heading per question and the answer below it.

One file per language (``faq.de.md``, or ``--locale``), or one file with a top heading per language
(``# English``, ``# Deutsch``, ``# de``) and the questions one level below. Headings above the
question level are categories. ``## Where is my order? {#track-order}`` fixes the entry id and
links the same FAQ across languages; without anchors, the n-th question of each language is paired.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from babel import Locale

from replykit.onboard.records import ImportBatch, ImportedItem

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
ANCHOR = re.compile(r"\s*\{#([a-z0-9][a-z0-9_-]*)\}\s*$")
FENCE = re.compile(r"^(```|~~~)")
IMAGE = re.compile(r"!\[([^\]]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>\s]+)>")
STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
CODE = re.compile(r"`([^`]+)`")


def _link(match: re.Match[str]) -> str:
    text, url = match.group(1), match.group(2)
    bare = url.removeprefix("mailto:")
    return bare if text in (url, bare) else f"{text} ({url})"


def plain_text(lines: list[str]) -> str:
    """An answer as an e-mail's plain text: Markdown's inline marks go, link targets stay readable.

    ``[tracking](https://x)`` -> ``tracking (https://x)`` (as HTML imports write links), ``**2 days**``
    -> ``2 days``, `` `code` `` -> ``code``; lists, paragraphs and fenced blocks (fences included) stay as written.
    """
    out: list[str] = []
    in_fence = False
    for line in lines:
        if FENCE.match(line.strip()):
            in_fence = not in_fence
        elif not in_fence:
            line = IMAGE.sub(lambda m: m.group(1), line)
            line = LINK.sub(_link, line)
            line = AUTOLINK.sub(lambda m: m.group(1).removeprefix("mailto:"), line)
            line = STRONG.sub(lambda m: m.group(2), line)
            line = CODE.sub(lambda m: m.group(1), line)
        out.append(line)
    return "\n".join(out).strip()


@dataclass
class _Heading:
    level: int
    text: str
    line: int
    anchor: str | None = None
    body: list[str] = field(default_factory=list)


def _headings(text: str) -> list[_Heading]:
    found: list[_Heading] = []
    in_fence = False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line.strip()):
            in_fence = not in_fence
        match = None if in_fence else HEADING.match(line)
        if match:
            title = match.group(2)
            anchor = ANCHOR.search(title)
            found.append(
                _Heading(len(match.group(1)), ANCHOR.sub("", title), number, anchor.group(1) if anchor else None)
            )
        elif found:
            found[-1].body.append(line)
    return found


def language_of_heading(text: str, known: dict[str, str]) -> str | None:
    """``English``, ``Deutsch``, ``de``, ``German`` -> the KB locale it names, if any."""
    return known.get(text.strip().lower())


def language_names(locales: list[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for loc in locales:
        babel = Locale.parse(loc)
        for name in (
            loc,
            loc.replace("_", "-"),
            babel.get_display_name(loc),
            babel.get_display_name("en"),
            babel.get_language_name(loc),
            babel.get_language_name("en"),
        ):
            if name:
                names.setdefault(name.lower(), loc)
    return names


def markdown_items(
    text: str,
    batch: ImportBatch,
    file: str,
    file_locale: str,
    locales: list[str],
    source_locale: str,
) -> None:
    """Add the file's FAQs to ``batch``, pairing languages with anchors or by position."""
    headings = _headings(text)
    known = language_names(locales)
    language_levels = sorted({h.level for h in headings if language_of_heading(h.text, known)})
    sections: dict[str, list[_Heading]] = {}
    if language_levels:
        level = language_levels[0]
        current: str | None = None
        for h in headings:
            if h.level == level:
                current = language_of_heading(h.text, known)
                if current is None:
                    batch.note(
                        f"{file}:{h.line}", f"'{h.text}' is not a language of this KB: its questions were skipped"
                    )
                continue
            if current is not None and h.level > level:
                sections.setdefault(current, []).append(h)
    else:
        sections[file_locale] = headings
    per_locale: dict[str, list[tuple[_Heading, str | None]]] = {}
    for loc, hs in sections.items():
        with_body = [h for h in hs if "\n".join(h.body).strip()]
        if not with_body:
            continue
        question_level = max(h.level for h in with_body)
        category: str | None = None
        rows: list[tuple[_Heading, str | None]] = []
        for h in hs:
            if h.level < question_level:
                category = h.text
            elif h.level == question_level:
                if not "\n".join(h.body).strip():
                    batch.note(f"{file}:{h.line}", f"the question '{h.text}' has no answer below it: skipped")
                    continue
                rows.append((h, category))
        per_locale[loc] = rows
    _pair(per_locale, batch, file, source_locale)


def _pair(per_locale: dict[str, list[tuple[_Heading, str | None]]], batch: ImportBatch, file: str, source: str) -> None:
    anchored: dict[str, ImportedItem] = {i.key: i for i in batch.items if i.wanted_id}  # from other files
    positional: list[ImportedItem] = []
    order = sorted(per_locale, key=lambda loc: (loc != source, loc))
    counts = {loc: len(rows) for loc, rows in per_locale.items()}
    if len(set(counts.values())) > 1 and any(h.anchor is None for rows in per_locale.values() for h, _ in rows):
        shown = ", ".join(f"{loc}: {n}" for loc, n in sorted(counts.items()))
        batch.note(
            file,
            f"the languages have different numbers of questions ({shown}) and are paired by position: "
            "add {#id} anchors to the headings to pair them exactly",
        )
    for loc in order:
        for index, (h, category) in enumerate(per_locale[loc]):
            if h.anchor:
                item = anchored.get(h.anchor)
                if item is None:
                    item = anchored[h.anchor] = ImportedItem(key=h.anchor, where=f"{file}:{h.line}", wanted_id=h.anchor)
                    batch.items.append(item)
            else:
                while len(positional) <= index:
                    positional.append(ImportedItem(key="", where=f"{file}:{h.line}"))
                    batch.items.append(positional[-1])
                item = positional[index]
            if category and not item.category:
                item.category = category
            item.add_question(loc, h.text)
            item.answers[loc] = plain_text(h.body)
