"""An entry published in the source locale has translations still to come (``translations: pending``).

A new entry in English alone would fail CI with ``missing-translation`` errors until every
translator delivers. Marking it ``translations: pending`` ships the English now: each missing
translation becomes this warning, ``replykit status`` counts it as pending, and replies in those
locales fall back with a notice. Remove the mark once the translations are in.

Fails (a warning; replykit.yaml has ``locales: [en, de]``)::

    kb/new-policy.yaml          translations: pending       # no de questions or template yet

Passes::

    kb/new-policy.yaml          questions: {en: [...], de: [...]}   # and templates/de/new-policy.j2
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.lint.context import LintContext
from replykit.lint.coverage import missing_parts
from replykit.lint.rule import Rule, Violation
from replykit.lockfile import templates_by_entry


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    index = templates_by_entry(ctx.kb)
    for entry in ctx.kb.entries.values():
        if not entry.translations_pending:
            continue
        for locale in ctx.translation_locales:
            lacking = missing_parts(ctx.kb, entry, locale, index)
            if lacking:
                what = ", ".join("questions" if p == "questions" else f"templates/{locale}/{p}.j2" for p in lacking)
                yield Violation(
                    entry.position_of("translations"),
                    f"{locale} translation of '{entry.id}' is pending ({what}): replies in {locale} fall back"
                    f" with a notice; send it to translators: replykit translations export --locale {locale}",
                    (entry.id,),
                )


RULE = Rule(id="pending-translation", level="warning", check=check, doc=__doc__ or "")
