"""An entry lacks questions or a template in a declared locale, or a partial exists only in a fallback.

Every locale listed under ``locales:`` in replykit.yaml is a promise: customers writing in it get a
reply written in it. A missing translation silently falls back to another language; a missing
partial (``_greeting``, ``_signature``) wraps a German reply in an English greeting.

Fails (replykit.yaml has ``locales: [en, de]``)::

    kb/track-order.yaml         questions: {en: [...]}          # no de questions
    templates/en/track-order.j2
                                                                # no templates/de/track-order.j2

An entry marked ``translations: pending`` is reported by ``pending-translation`` (a warning)
instead, so an English-only entry can ship while its translators work.

Passes::

    kb/track-order.yaml         questions: {en: [...], de: [...]}
    templates/en/track-order.j2
    templates/de/track-order.j2
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.kb.model import Position
from replykit.lint.context import LintContext
from replykit.lint.coverage import missing_parts
from replykit.lint.rule import Rule, Violation
from replykit.lockfile import templates_by_entry


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    kb = ctx.kb
    source = ctx.source_locale
    index = templates_by_entry(kb)
    for entry in kb.entries.values():
        if entry.translations_pending:
            continue  # pending-translation reports these as warnings
        for locale in ctx.translation_locales:
            for part in missing_parts(kb, entry, locale, index):
                if part == "questions":
                    yield Violation(
                        entry.position_of("questions"),
                        f"entry '{entry.id}' has no {locale} questions: add questions.{locale}",
                        (entry.id,),
                    )
                else:
                    yield Violation(
                        entry.position_of("template" if "template" in entry.key_positions else "id"),
                        f"entry '{entry.id}' has no {locale} template: create templates/{locale}/{part}.j2",
                        (entry.id,),
                    )
    source_partials = sorted((t for t in kb.templates.get(source, {}).values() if t.is_partial), key=lambda t: t.name)
    for partial in source_partials:
        lacking = [loc for loc in ctx.translation_locales if partial.name not in kb.templates.get(loc, {})]
        for locale in lacking:
            yield Violation(
                Position(partial.file),
                f"partial '{partial.name}' exists only in {source}, so {locale} replies use it untranslated:"
                f" create templates/{locale}/{partial.name}.j2",
            )


RULE = Rule(id="missing-translation", level="error", check=check, doc=__doc__ or "")
