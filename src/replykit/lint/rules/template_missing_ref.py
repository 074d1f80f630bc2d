"""A template includes, imports or extends a template that exists in no locale of its chain.

Includes resolve through the locale's fallback chain (``de_AT`` -> ``de`` -> source locale), so
``{% include "_greeting.j2" %}`` in a German template finds ``templates/de/_greeting.j2`` or the
source locale's one. When neither exists, every render of the reply fails.

Fails (``templates/de/track-order.j2``, and no ``_greetings.j2`` anywhere)::

    {% include "_greetings.j2" %}

Passes (``templates/de/_greeting.j2`` exists)::

    {% include "_greeting.j2" %}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.kb.model import Position
from replykit.lint.context import LintContext
from replykit.lint.rule import Rule, Violation


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    for template in ctx.templates():
        for ref in ctx.info(template).refs:
            if ref.ignore_missing or ctx.resolve(ref.name, template.locale) is not None:
                continue
            chain = " -> ".join(ctx.chain(template.locale))
            yield Violation(
                Position(template.file, ref.line),
                f"{ref.kind} of '{ref.name}', which exists in no locale of the chain {chain}:"
                f" create templates/{template.locale}/{ref.name} or fix the name",
                ctx.owners(template),
            )


RULE = Rule(id="template-missing-ref", level="error", check=check, doc=__doc__ or "")
