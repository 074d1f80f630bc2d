"""French spacing before ? ! : ; and half-width punctuation in Japanese and Chinese replies.

French typography puts a no-break space before ``? ! ;`` (U+202F NARROW NO-BREAK SPACE) and ``:``
(U+00A0 NO-BREAK SPACE), and inside « guillemets »; a plain space lets the mark wrap onto its own
line. Japanese and Chinese replies use full-width ``。、！？（）：；`` next to CJK text. URLs, e-mail
addresses and times such as 9:00 are left alone.

Fails (``templates/fr/track-order.j2`` and ``templates/ja/track-order.j2``)::

    Votre colis est en route ! Des questions ? Écrivez-nous.
    ご注文ありがとうございます!発送済みです(追跡番号あり).

Passes (``⍽`` marks U+202F)::

    Votre colis est en route⍽! Des questions⍽? Écrivez-nous.
    ご注文ありがとうございます！発送済みです（追跡番号あり）。
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from replykit.kb.model import TemplateFile
from replykit.lint.compare import EMAIL, URL
from replykit.lint.context import BLOCK_MARK, OUTPUT_MARK, LintContext, MaskedText
from replykit.lint.rule import Rule, Violation

NNBSP = "\u202f"
NBSP = "\u00a0"
_FRENCH_MARKS = "?!;:"
_FULL_WIDTH = {"!": "！", "?": "？", ",": "、", "(": "（", ")": "）", ":": "：", ";": "；", ".": "。"}
_MARKS = (OUTPUT_MARK, BLOCK_MARK)


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    for template in ctx.templates():
        language = template.locale.split("_", 1)[0]
        if language == "fr":
            yield from _french(ctx, template)
        elif language in ("ja", "zh"):
            yield from _cjk(ctx, template)


def _skipped_spans(line: str) -> list[tuple[int, int]]:
    return [m.span() for pattern in (URL, EMAIL) for m in pattern.finditer(line)]


def _inside(index: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= index < end for start, end in spans)


def _french(ctx: LintContext, template: TemplateFile) -> Iterator[Violation]:
    masked: MaskedText = ctx.info(template).masked
    owners = ctx.owners(template)
    for _, offset, line in masked.lines():
        skip = _skipped_spans(line)
        for index, char in enumerate(line):
            if index == 0 or _inside(index, skip):
                continue
            before = line[index - 1]
            after = line[index + 1] if index + 1 < len(line) else ""
            if char in _FRENCH_MARKS:
                if before in (NNBSP, NBSP) or before in _FRENCH_MARKS or not line[:index].strip():
                    continue
                if char == ":" and ((before.isdigit() and after.isdigit()) or after == "/"):
                    continue  # 9:00, a scheme
                space = "U+00A0 NO-BREAK SPACE" if char == ":" else "U+202F NARROW NO-BREAK SPACE"
                yield Violation(
                    masked.position(template.file, offset + index),
                    f"French typography: put a {space} before '{char}'"
                    + (" instead of a plain space" if before == " " else ""),
                    owners,
                )
            elif char == "«" and after not in (NBSP, NNBSP, ""):
                yield Violation(
                    masked.position(template.file, offset + index),
                    "French typography: put a U+00A0 NO-BREAK SPACE after '«'",
                    owners,
                )
            elif char == "»" and before not in (NBSP, NNBSP):
                yield Violation(
                    masked.position(template.file, offset + index),
                    "French typography: put a U+00A0 NO-BREAK SPACE before '»'",
                    owners,
                )


def _is_cjk(char: str) -> bool:
    return bool(char) and char not in _MARKS and unicodedata.east_asian_width(char) in ("W", "F")


def _neighbour(line: str, index: int, step: int) -> str:
    """The nearest character that is not half-width punctuation (``です).`` looks back to ``す``)."""
    index += step
    while 0 <= index < len(line) and line[index] in _FULL_WIDTH:
        index += step
    return line[index] if 0 <= index < len(line) else ""


def _cjk(ctx: LintContext, template: TemplateFile) -> Iterator[Violation]:
    masked: MaskedText = ctx.info(template).masked
    owners = ctx.owners(template)
    for _, offset, line in masked.lines():
        if not any(_is_cjk(c) for c in line):
            continue
        skip = _skipped_spans(line)
        for index, char in enumerate(line):
            if char not in _FULL_WIDTH or _inside(index, skip):
                continue
            before = line[index - 1] if index else ""
            after = line[index + 1] if index + 1 < len(line) else ""
            if char in ".:," and before.isdigit() and after.isdigit():
                continue  # 9:00, 1,000, 2.5
            near_cjk = _is_cjk(_neighbour(line, index, -1)) if char in ".,:;!?)" else _is_cjk(after)
            if char in "()":
                near_cjk = _is_cjk(_neighbour(line, index, -1)) or _is_cjk(_neighbour(line, index, 1))
            if near_cjk:
                yield Violation(
                    masked.position(template.file, offset + index),
                    f"half-width '{char}' in {template.locale} text: use '{_FULL_WIDTH[char]}'",
                    owners,
                )


RULE = Rule(id="punctuation", level="warning", check=check, doc=__doc__ or "")
