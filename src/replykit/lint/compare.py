"""Comparing the literal facts of a translation with its source: numbers, URLs, e-mail addresses.

Only text written in the template counts; values printed by ``{{ ... }}`` differ per reply and
are not compared. A fact in one language only is how a return window ends up 30 days in German and
14 in English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

from replykit.kb.model import Position, TemplateFile
from replykit.lint.context import LintContext, TemplateInfo, literal_positions
from replykit.lint.rule import Violation

URL = re.compile(r"https?://[^\s<>\"'`「」（）()\[\]{}、。]+")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_URL_TAIL = ".,;:!?)"


def clean_url(url: str) -> str:
    return url.rstrip(_URL_TAIL)


def facts(info: TemplateInfo, kind: str) -> dict[str, Position]:
    """Each distinct fact of ``kind`` ("number", "url", "email") in the template, first position."""
    out: dict[str, Position] = {}
    if kind == "url":
        found: Iterator[tuple[str, Position]] = ((clean_url(u), p) for u, p in literal_positions(info, URL))
    elif kind == "email":
        found = literal_positions(info, EMAIL)
    else:
        found = _numbers(info)
    for value, pos in found:
        out.setdefault(value, pos)
    return out


def _numbers(info: TemplateInfo) -> Iterator[tuple[str, Position]]:
    """Numbers outside URLs and e-mail addresses, full-width digits read as digits, ``1,000`` as 1000."""
    for value, pos in literal_positions(info, _NUMBER_OR_SKIP):
        if "@" not in value and "://" not in value:
            normal = unicodedata.normalize("NFKC", value)
            yield re.sub(r"[.,]", "", normal), pos


# URLs and e-mail addresses are matched first so that the digits inside them are skipped.
_NUMBER_OR_SKIP = re.compile(f"{URL.pattern}|{EMAIL.pattern}|{NUMBER.pattern}")


def mismatches(ctx: LintContext, kind: str, label: str) -> Iterator[Violation]:
    """Facts that a translation adds or drops compared with the source-locale template of the same name."""
    source = ctx.source_locale
    for template, original in ctx.translated_templates():
        mine, theirs = ctx.info(template), ctx.info(original)
        if mine.syntax_error is not None or theirs.syntax_error is not None:
            continue
        yield from _compare(template, facts(mine, kind), facts(theirs, kind), source, label, ctx.owners(template))


def _compare(
    template: TemplateFile,
    mine: dict[str, Position],
    theirs: dict[str, Position],
    source: str,
    label: str,
    owners: tuple[str, ...],
    show: Callable[[str], str] = repr,
) -> Iterator[Violation]:
    for value in sorted(set(mine) - set(theirs)):
        yield Violation(
            mine[value],
            f"{label} {show(value)} is not in the {source} template: a fact changed in one language only?",
            owners,
        )
    for value in sorted(set(theirs) - set(mine)):
        yield Violation(
            Position(template.file),
            f"{label} {show(value)} of the {source} template (line {theirs[value].line}) is missing here",
            owners,
        )
