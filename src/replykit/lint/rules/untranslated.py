"""A translation is identical to its source: copied and never translated.

Compares each translated template's text (outside ``{{ ... }}`` and ``{% ... %}``) and each
translated question with the source locale's. Text made only of allowed terms (brand names such as
``Kumo Supply``, product names) is fine; list them under the rule's ``allow`` option::

    lint:
      rules:
        untranslated: {allow: ["Kumo Supply", "DHL Express"]}

Fails (``templates/de/track-order.j2`` is a copy of the English one)::

    Your order {{ order_id }} is on its way.

Passes::

    Ihre Bestellung {{ order_id }} ist unterwegs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from replykit.kb.model import Position
from replykit.lint.context import LintContext
from replykit.lint.rule import Option, Rule, Violation, string_list

_SPACE = re.compile(r"\s+")


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def _allowed(text: str, allow: tuple[str, ...]) -> bool:
    """Whether nothing but allowed terms, digits and punctuation is left once they are removed."""
    rest = text
    for term in allow:
        rest = re.sub(re.escape(term.casefold()), " ", rest)
    return not any(ch.isalpha() for ch in rest)


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    allow: tuple[str, ...] = options["allow"]
    source = ctx.source_locale
    for template, original in ctx.translated_templates():
        mine, theirs = ctx.info(template), ctx.info(original)
        text = _normal("".join(t for t, _ in mine.literals))
        same = mine.syntax_error is None and text == _normal("".join(t for t, _ in theirs.literals))
        if same and not _allowed(text, allow):
            yield Violation(
                Position(template.file),
                f"the text is identical to templates/{source}/{original.name}.j2: translate it"
                " (or allow its terms in the untranslated rule's allow list)",
                ctx.owners(template),
            )
    for entry in ctx.kb.entries.values():
        originals = {_normal(p.text) for p in entry.questions.get(source, ())}
        for locale, phrasings in entry.questions.items():
            if locale == source:
                continue
            for phrasing in phrasings:
                text = _normal(phrasing.text)
                if text in originals and not _allowed(text, allow):
                    yield Violation(
                        phrasing.position,
                        f"{locale} question '{phrasing.text}' is identical to a {source} one: translate it",
                        (entry.id,),
                    )


RULE = Rule(
    id="untranslated",
    level="warning",
    check=check,
    doc=__doc__ or "",
    options=(Option("allow", (), string_list, "terms that stay the same in every language"),),
)
