"""A required variable that no template of the entry reads.

``replykit render`` refuses to render without required variables, so an agent is asked for a
value that never appears in the reply: usually a variable renamed in the template only.

Fails (``order_id`` is required, the templates never read it)::

    variables:
      order_id: {type: string, required: true}

    Thanks for your patience: your parcel is on its way.

Passes::

    variables:
      order_id: {type: string, required: true}

    Thanks for your patience: order {{ order_id }} is on its way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.lint.context import LintContext
from replykit.lint.rule import Rule, Violation


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    for entry in ctx.kb.entries.values():
        required = entry.required_variables
        if not required:
            continue
        read: set[str] = set()
        parsed_all = True
        for locale in ctx.kb.templates:
            for template in ctx.entry_templates(entry, locale):
                if ctx.info(template).syntax_error is not None:
                    parsed_all = False
                read.update(ctx.reached(template))
        if not parsed_all:
            continue  # template-syntax reports it; guessing here would only add noise
        for name in required:
            if name not in read:
                variable = entry.variables[name]
                yield Violation(
                    variable.position or entry.position_of("variables"),
                    f"required variable '{name}' is read by no template of entry '{entry.id}':"
                    " use it in the templates, make it optional or remove it",
                    (entry.id,),
                )


RULE = Rule(id="unused-variable", level="warning", check=check, doc=__doc__ or "")
