"""An e-mail address written in a translation differs from the source-locale template.

Literal e-mail addresses must be identical in every locale: an address changed in one language only is a bug,
not a translation choice. Text printed by ``{{ ... }}`` is not compared; put market-specific facts in
``locales/<locale>.yaml`` and read them as ``locale.<key>``.

Fails (``templates/en/returns.j2`` and ``templates/de/returns.j2``)::

    Write to support@kumo-supply.example.
    Schreiben Sie an help@kumo-supply.example.

Passes::

    Write to support@kumo-supply.example.
    Schreiben Sie an support@kumo-supply.example.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.lint.compare import mismatches
from replykit.lint.context import LintContext
from replykit.lint.rule import Rule, Violation


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    yield from mismatches(ctx, "email", "e-mail address")


RULE = Rule(id="email-mismatch", level="error", check=check, doc=__doc__ or "")
