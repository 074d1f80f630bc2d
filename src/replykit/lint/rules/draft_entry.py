"""An entry is still a draft (``draft: true``): review it, write its reply, then remove the flag.

``replykit insights --draft`` writes such entries from the questions customers asked that the KB
did not answer. ``suggest`` never offers a draft as a confident answer.

Fails::

    id: gift-cards
    draft: true
    questions: {en: [Do you sell gift cards?]}

Passes::

    id: gift-cards
    questions: {en: [Do you sell gift cards?]}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.lint.context import LintContext
from replykit.lint.rule import Rule, Violation


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    for entry in ctx.kb.entries.values():
        if entry.draft:
            yield Violation(
                entry.position_of("draft"),
                f"entry '{entry.id}' is a draft: review its questions, write its reply, then remove 'draft: true'",
                (entry.id,),
            )


RULE = Rule(id="draft-entry", level="warning", check=check, doc=__doc__ or "")
