"""The table of lint rules: one line per rule, in the order findings of one file are explained.

A rule is a module of replykit.lint.rules exposing ``RULE``; adding a rule means writing that
module and listing it here.
"""

from __future__ import annotations

from replykit.lint.rule import Rule
from replykit.lint.rules import (
    ambiguous_questions,
    draft_entry,
    email_mismatch,
    example_mismatch,
    kb_format,
    length,
    locale_data,
    missing_translation,
    number_mismatch,
    pending_translation,
    placeholder_mismatch,
    punctuation,
    stale_translation,
    template_missing_ref,
    template_syntax,
    undeclared_variable,
    untranslated,
    unused_variable,
    url_mismatch,
    whitespace,
)

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        kb_format.RULE,
        missing_translation.RULE,
        pending_translation.RULE,
        template_syntax.RULE,
        template_missing_ref.RULE,
        undeclared_variable.RULE,
        unused_variable.RULE,
        placeholder_mismatch.RULE,
        number_mismatch.RULE,
        url_mismatch.RULE,
        email_mismatch.RULE,
        stale_translation.RULE,
        untranslated.RULE,
        ambiguous_questions.RULE,
        example_mismatch.RULE,
        locale_data.RULE,
        whitespace.RULE,
        punctuation.RULE,
        length.RULE,
        draft_entry.RULE,
    )
}
