"""A translation was made from an older version of the source-locale template or questions.

``replykit.lock`` records, per entry and locale, a hash of the source each translation was last
reviewed against. When the English reply changes (a return window goes from 30 to 14 days), every
translation of it is reported until a translator updates it and records the review with
``replykit mark-reviewed ENTRY --locale LOCALE``. Tracking starts with ``replykit mark-reviewed
--all``, which writes the lock file; from then on a translation missing from it is reported too.

Fails: ``templates/en/returns.j2`` was edited after ``replykit mark-reviewed returns --locale de``.

Passes: ``replykit mark-reviewed returns --locale de`` was run after the last edit of the English
template and questions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.kb.model import Position
from replykit.lint.context import LintContext
from replykit.lint.rule import Rule, Violation
from replykit.lockfile import stale_translations


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    for (entry_id, locale), why in sorted(stale_translations(ctx.kb, ctx.lock).items()):
        entry = ctx.kb.entries[entry_id]
        templates = ctx.entry_templates(entry, locale)
        where = Position(templates[0].file) if templates else entry.position_of(f"questions.{locale}")
        yield Violation(
            where,
            f"{locale} translation of '{entry_id}' is stale ({why}): see the change with replykit diff {entry_id}"
            f" --locale {locale}, update it, then run replykit mark-reviewed {entry_id} --locale {locale}",
            (entry_id,),
        )


RULE = Rule(id="stale-translation", level="warning", check=check, doc=__doc__ or "")
