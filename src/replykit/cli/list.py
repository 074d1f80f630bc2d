"""`replykit list`: browse the KB's entries, by tag, locale or words, without opening the YAML files."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from replykit.cli.app import KBOption, app, open_kb, user_errors
from replykit.cli.completion import complete_locale, complete_tag
from replykit.errors import UserError

if TYPE_CHECKING:
    from replykit.kb.model import Entry, KnowledgeBase


class ListFormat(StrEnum):
    text = "text"
    json = "json"


def _template_locales(kb: KnowledgeBase, entry: Entry) -> list[str]:
    return [loc for loc in kb.locales if entry.template in kb.templates.get(loc, {})]


def _matches(entry: Entry, words: list[str], locale: str | None) -> bool:
    """Every word of the query appears in the id, a tag or a phrasing (of ``locale`` when given)."""
    texts = [entry.id, *entry.tags]
    for loc, phrasings in entry.questions.items():
        if locale is None or loc == locale:
            texts.extend(p.text for p in phrasings)
    haystack = "\n".join(texts).casefold()
    return all(word in haystack for word in words)


def select_entries(kb: KnowledgeBase, *, query: str = "", tags: list[str] | None = None,
                   locale: str | None = None) -> list[Entry]:
    """The entries to show, sorted by id: all given tags, a phrasing in ``locale``, every query word."""
    words = query.casefold().split()
    wanted = set(tags or [])
    chosen = []
    for entry in sorted(kb.entries.values(), key=lambda e: e.id):
        if wanted - set(entry.tags):
            continue
        if locale is not None and locale not in entry.questions:
            continue
        if _matches(entry, words, locale):
            chosen.append(entry)
    return chosen


def _first_question(kb: KnowledgeBase, entry: Entry, locale: str | None) -> tuple[str, str]:
    for loc in (locale, kb.source_locale, *entry.questions):
        if loc is not None and entry.questions.get(loc):
            return loc, entry.questions[loc][0].text
    return "", ""


@app.command(name="list")
@user_errors
def list_entries(
    query: Annotated[
        list[str] | None,
        typer.Argument(metavar="[QUERY]", help="Words that the id, a tag or a phrasing contains.", show_default=False),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", "-t", metavar="TAG", help="Only entries with this tag (repeatable: all of them).",
                     show_default=False, autocompletion=complete_tag),
    ] = None,
    locale: Annotated[
        str | None,
        typer.Option("--locale", "-l", metavar="LOCALE", help="Only entries asked in this locale; show its phrasing.",
                     show_default=False, autocompletion=complete_locale),
    ] = None,
    output_format: Annotated[ListFormat, typer.Option("--format", help="text for people; json for scripts.")] = (
        ListFormat.text
    ),
    kb: KBOption = None,
) -> None:
    """List the entries: id, tags, the locales with a template, and a question customers ask. Exit 2 on a bad KB."""
    loaded = open_kb(kb)
    if locale is not None:
        from replykit.l10n import normalize_locale

        locale = normalize_locale(locale)
        if locale not in loaded.locales:
            raise UserError(f"--locale {locale}: the KB's locales are {', '.join(loaded.locales)}")
    entries = select_entries(loaded, query=" ".join(query or []), tags=tag, locale=locale)
    if output_format is ListFormat.json:
        document: list[dict[str, Any]] = [
            {
                "id": e.id,
                "tags": list(e.tags),
                "template_locales": _template_locales(loaded, e),
                "variables": list(e.variables),
                "questions": {loc: [p.text for p in ps] for loc, ps in e.questions.items()
                              if locale is None or loc == locale},
            }
            for e in entries
        ]
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return

    from rich.table import Table
    from rich.text import Text

    from replykit.desk.present import emit
    from replykit.printable import printable

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold", padding=(0, 2, 0, 0))
    table.add_column("entry", no_wrap=True, style="cyan", min_width=max((len(e.id) for e in entries), default=5))
    table.add_column("tags", style="dim", overflow="ellipsis", no_wrap=True, ratio=1, min_width=8)
    table.add_column("templates", no_wrap=True)
    table.add_column("question", overflow="ellipsis", no_wrap=True, ratio=2, min_width=12)
    for e in entries:
        loc, question = _first_question(loaded, e, locale)
        cells = (e.id, ", ".join(e.tags), " ".join(_template_locales(loaded, e)), f"[{loc}] {question}")
        table.add_row(*(Text(printable(cell)) for cell in cells))
    shown = f"{len(entries)} of {len(loaded.entries)} entries"
    if not entries:
        emit([Text(f"no entry matches: {shown}", style="yellow")])
        return
    emit([table, Text(shown, style="dim")])
