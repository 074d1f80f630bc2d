"""An URL written in a translation differs from the source-locale template.

Literal URLs must be identical in every locale: a help page moved in one language only is a bug,
not a translation choice. Text printed by ``{{ ... }}`` is not compared; put market-specific facts in
``locales/<locale>.yaml`` and read them as ``locale.<key>``.

Fails (``templates/en/returns.j2`` and ``templates/de/returns.j2``)::

    See https://kumo-supply.example/help.
    Siehe https://kumo-supply.example/hilfe.

Passes::

    See https://kumo-supply.example/help.
    Siehe https://kumo-supply.example/help.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.lint.compare import mismatches
from replykit.lint.context import LintContext
from replykit.lint.rule import Rule, Violation


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    yield from mismatches(ctx, "url", "URL")


RULE = Rule(id="url-mismatch", level="error", check=check, doc=__doc__ or "")
