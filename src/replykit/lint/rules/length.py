"""A reply is longer than its channel allows.

Chat widgets and marketplace messages cut long texts; an e-mail that scrolls for pages goes unread.
Each reply template is rendered with sample values of its entry's declared types (e-mail bodies
inside the locale's greeting and signature, as sent) and measured in characters against the
channel's maximum: ``.chat.j2`` templates are the chat channel, the others e-mail. Set the maxima
in replykit.yaml::

    lint:
      rules:
        length: {max: {email: 1500, chat: 400}}

Fails (``templates/en/track-order.chat.j2`` with the default chat maximum of 600): a 900-character
chat reply.

Passes: the same reply cut to three sentences.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from replykit.kb.model import Position
from replykit.lint.context import LintContext
from replykit.lint.rule import Option, Rule, Violation, channel_limits

DEFAULT_LIMITS = {"email": 2500, "chat": 600}


def check(ctx: LintContext, options: Mapping[str, Any]) -> Iterator[Violation]:
    limits: dict[str, int] = {**DEFAULT_LIMITS, **options["max"]}
    for template in ctx.templates():
        channel = template.channel or "email"
        limit = limits.get(channel)
        if limit is None or template.is_partial:
            continue
        outcome = ctx.sample_render(template)
        if outcome is None or outcome.reply is None:
            continue
        size = len(outcome.reply)
        if size > limit:
            yield Violation(
                Position(template.file),
                f"the {channel} reply is {size} characters with sample values, over the maximum of {limit}:"
                " shorten it (or raise lint.rules.length.max in replykit.yaml)",
                ctx.owners(template),
            )


RULE = Rule(
    id="length",
    level="error",
    check=check,
    doc=__doc__ or "",
    options=(Option("max", {}, channel_limits, "maximum characters per channel, e.g. {email: 2000, chat: 500}"),),
)
