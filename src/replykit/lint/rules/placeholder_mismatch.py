"""A translation reads a different set of variables than the source-locale template.

A variable renamed in English only, or an optional detail (``eta``) dropped from the German reply,
shows up here. ``locale`` and ``now`` are not compared: markets may word policy facts differently.

Fails (``templates/en/track-order.j2`` and ``templates/de/track-order.j2``)::

    Your order {{ order_id }} arrives on {{ eta | date }}.
    Ihre Bestellung {{ order_id }} ist unterwegs.

Passes::

    Your order {{ order_id }} arrives on {{ eta | date }}.
    Ihre Bestellung {{ order_id }} kommt am {{ eta | date }} an.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.kb.model import Position
from replykit.lint.context import LintContext
from replykit.lint.rule import Rule, Violation

NOT_COMPARED = frozenset({"locale", "now"})


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    source = ctx.source_locale
    for template, original in ctx.translated_templates(partials=False):
        if ctx.info(template).syntax_error is not None or ctx.info(original).syntax_error is not None:
            continue
        theirs = ctx.reached(template)
        ours = ctx.reached(original, template.locale)
        wanted = set(ours) - NOT_COMPARED
        used = set(theirs) - NOT_COMPARED
        owners = ctx.owners(template)
        for name in sorted(used - wanted):
            yield Violation(
                Position(template.file, theirs[name].line),
                f"reads '{name}', which the {source} template does not: align the translation with"
                f" templates/{source}/{template.name}.j2",
                owners,
            )
        for name in sorted(wanted - used):
            yield Violation(
                Position(template.file),
                f"never reads '{name}', which the {source} template does (line {ours[name].line}):"
                " the translation lost part of the reply",
                owners,
            )


RULE = Rule(id="placeholder-mismatch", level="error", check=check, doc=__doc__ or "")
