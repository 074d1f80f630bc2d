"""A number written in a translation differs from the source-locale template.

Literal numbers must be identical in every locale: 30 days in English and 14 in German is a bug,
not a translation choice. Text printed by ``{{ ... }}`` is not compared; put market-specific facts in
``locales/<locale>.yaml`` and read them as ``locale.<key>``.

Fails (``templates/en/returns.j2`` and ``templates/de/returns.j2``)::

    Returns are accepted within 30 days.
    Rücksendungen sind innerhalb von 14 Tagen möglich.

Passes::

    Returns are accepted within 30 days.
    Rücksendungen sind innerhalb von 30 Tagen möglich.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.lint.compare import mismatches
from replykit.lint.context import LintContext
from replykit.lint.rule import Rule, Violation


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    yield from mismatches(ctx, "number", "number")


RULE = Rule(id="number-mismatch", level="error", check=check, doc=__doc__ or "")
