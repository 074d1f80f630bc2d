"""An entry's ``examples`` are not ranked first for that entry by suggest's matcher.

Examples are real customer messages that must find their entry. When ``replykit suggest`` ranks
another entry first, agents get the wrong reply for that kind of message: add phrasings that cover
its wording, or move the example to the entry it really belongs to.

Fails (``kb/track-order.yaml``; the matcher ranks ``refund-status`` first)::

    examples:
      en: ["when do I get my money back"]

Passes::

    examples:
      en: ["my parcel never showed up on the tracking site"]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.lint.context import LintContext
from replykit.lint.rule import Rule, Violation


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    entries = [e for e in ctx.kb.entries.values() if any(e.examples.values())]
    if not entries:
        return  # no need to build the matcher's index
    matcher = ctx.matcher
    for entry in entries:
        for locale, examples in entry.examples.items():
            for example in examples:
                ranked = matcher.suggest(example.text, locale=locale, top=2).matches
                if ranked and ranked[0].id == entry.id:
                    continue
                if ranked:
                    best = ranked[0]
                    mine = next((m for m in ranked if m.id == entry.id), None)
                    own = f" ({entry.id} {mine.score:.2f})" if mine else ""
                    found = f"ranks '{best.id}' first ({best.score:.2f}){own}"
                else:
                    found = "finds no entry"
                yield Violation(
                    example.position,
                    f"example '{example.text}' of '{entry.id}': suggest {found}; add {locale} phrasings"
                    " that cover its wording, or move it to the entry it belongs to",
                    (entry.id,),
                )


RULE = Rule(id="example-mismatch", level="error", check=check, doc=__doc__ or "")
