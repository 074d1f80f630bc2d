"""A template reads a variable that its entry does not declare.

Only declared variables are checked before sending (``replykit render`` asks for the required ones),
so a template reading an undeclared name fails at the worst time: in front of a customer. Templates
may also read ``locale``, ``order``, ``customer`` and ``now`` without declaring them. Names are
found in Jinja's syntax tree, including attribute reads (``refund.amount``) and templates pulled in
by ``include``/``extends``; every template is also rendered with sample values of the declared
types, which catches names the tree cannot show.

Fails (the entry declares ``order_id`` only)::

    Your order {{ order_id }} left our warehouse; tracking: {{ tracking_number }}.

Passes (the entry declares ``order_id`` and ``tracking_number``)::

    Your order {{ order_id }} left our warehouse; tracking: {{ tracking_number }}.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.kb.model import TEMPLATE_GLOBALS, Position
from replykit.lint.context import LintContext
from replykit.lint.rule import Rule, Violation


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    for entry in ctx.kb.entries.values():
        declared = set(entry.variables) | TEMPLATE_GLOBALS
        for locale in sorted(ctx.kb.templates):
            for template in ctx.entry_templates(entry, locale):
                if ctx.info(template).syntax_error is not None:
                    continue
                found = False
                for name, reached in sorted(ctx.reached(template).items()):
                    if name in declared:
                        continue
                    found = True
                    where = ""
                    if reached.via is not None:
                        where = f" (read by {reached.via.locale}/{reached.via.name}.j2 line {reached.via_line})"
                    yield Violation(
                        Position(template.file, reached.line),
                        f"'{name}'{where} is not a variable of entry '{entry.id}': declare it under"
                        f" variables in {entry.path.name} or fix the name",
                        (entry.id,),
                    )
                outcome = ctx.sample_render(template) if not found else None
                if outcome is not None and outcome.undefined:
                    yield Violation(
                        Position(template.file, outcome.line),
                        f"rendering with sample values of entry '{entry.id}' fails: {outcome.error}",
                        (entry.id,),
                    )


RULE = Rule(id="undeclared-variable", level="error", check=check, doc=__doc__ or "")
