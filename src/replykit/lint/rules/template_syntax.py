"""A template is not valid Jinja, or fails to render with sample values of the declared types.

An unclosed tag, an unknown filter, a stray ``endif``, or a filter given a value of the wrong type
(``{{ eta | money }}`` for a date) is reported at the template line Jinja names, before a
customer-facing render fails. Every reply template is rendered with sample values of its entry's
variables (replykit.values.sample_value) to find the errors the syntax tree cannot show.

Fails (``templates/en/track-order.j2``)::

    {% if eta is defined %}Your parcel arrives on {{ eta | date }}.

Passes::

    {% if eta is defined %}Your parcel arrives on {{ eta | date }}.{% endif %}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.kb.model import Position
from replykit.lint.context import LintContext
from replykit.lint.rule import Rule, Violation

#: Stand-ins whose real values lint cannot know; failures on them are not the template's fault.
_UNKNOWN_SHAPE = frozenset({"order", "customer"})


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    for template in ctx.templates():
        error = ctx.info(template).syntax_error
        if error is not None:
            yield Violation(
                Position(template.file, error.lineno or 1),
                f"Jinja syntax error: {error.message}",
                ctx.owners(template),
            )
            continue
        outcome = ctx.sample_render(template)
        if outcome is None or outcome.error is None or outcome.undefined:
            continue  # undefined names are undeclared-variable's
        if _UNKNOWN_SHAPE & set(ctx.reached(template)):
            continue
        yield Violation(
            Position(template.file, outcome.line),
            f"fails to render with sample values of the declared types: {outcome.error}",
            ctx.owners(template),
        )
    for partial, outcome in ctx.sampler.partial_failures():
        yield Violation(
            Position(partial.file, outcome.line),
            f"fails to render with sample values: {outcome.error}",
        )


RULE = Rule(id="template-syntax", level="error", check=check, doc=__doc__ or "")
