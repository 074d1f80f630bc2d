"""The KB's files break the format the loader expects.

Everything ``replykit check`` validates (YAML syntax, unknown keys, ids, locales, variable types, a
missing source template) is reported here with its file and line, so one lint run lists every problem.

Fails (``kb/track-order.yaml``)::

    id: track-order
    questions:
      en: ["Where is my order?"]
    variables:
      eta: {type: day}          # unknown type

Passes::

    id: track-order
    questions:
      en: ["Where is my order?"]
    variables:
      eta: {type: date}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.kb.model import Position
from replykit.lint.context import LintContext
from replykit.lint.rule import Rule, Violation


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    for problem in ctx.problems:
        yield Violation(Position(str(problem.path), problem.line, problem.column), problem.message)


RULE = Rule(id="kb-format", level="error", check=check, doc=__doc__ or "")
