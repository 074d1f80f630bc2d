"""Leading, trailing or double spaces in a reply template or a question.

Stray spaces end up in the customer's reply (a double space mid-sentence, a line indented by
accident) or make a question look different from an identical one. Indentation before
``{% ... %}`` tags is fine: replykit strips it.

Fails (``·`` marks a space)::

    Your order is on its way.··We will write again
    ··when it arrives.·

Passes::

    Your order is on its way. We will write again
    when it arrives.
    {% if eta is defined %}
      {# indentation before a tag is stripped #}
    {% endif %}
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from replykit.kb.model import TemplateFile
from replykit.lint.context import BLOCK_MARK, LintContext
from replykit.lint.rule import Rule, Violation

_LEADING = re.compile(r"^[ \t]+")
_TRAILING = re.compile(r"[ \t]+$")
_DOUBLE = re.compile(r"(?<=\S)[ \t]{2,}(?=\S)")


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    for template in ctx.templates():
        yield from _template(ctx, template)
    for entry in ctx.kb.entries.values():
        for group in (entry.questions, entry.examples):
            for phrasings in group.values():
                for phrasing in phrasings:
                    if phrasing.text != phrasing.text.strip():
                        yield Violation(
                            phrasing.position,
                            f"leading or trailing space in '{phrasing.text}': remove it",
                            (entry.id,),
                        )


def _template(ctx: LintContext, template: TemplateFile) -> Iterator[Violation]:
    info = ctx.info(template)
    masked = info.masked
    owners = ctx.owners(template)
    for _, offset, line in masked.lines():
        if not line.strip():
            if line:
                yield Violation(masked.position(template.file, offset), "a line of only spaces: empty it", owners)
            continue
        stripped = line.lstrip(" \t")
        lead = _LEADING.match(line)
        if lead and not stripped.startswith(BLOCK_MARK):
            yield Violation(
                masked.position(template.file, offset),
                "leading space: the reply line would start indented; remove it",
                owners,
            )
        trail = _TRAILING.search(line)
        if trail:
            yield Violation(
                masked.position(template.file, offset + trail.start()), "trailing space: remove it", owners
            )
        for double in _DOUBLE.finditer(line):
            yield Violation(
                masked.position(template.file, offset + double.start()),
                "double space: use one",
                owners,
            )


RULE = Rule(id="whitespace", level="warning", check=check, doc=__doc__ or "")
