"""One message in, the ranked entries and the rendered reply out: what suggest, desk and serve share."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from replykit.errors import RenderError, UserError
from replykit.orders import FoundOrder, OrderSettings, OrderSource, default_currency, merge_values, typed_values
from replykit.orders import values_for as order_values_for
from replykit.records import Record

if TYPE_CHECKING:
    from replykit.kb.model import Entry, KnowledgeBase
    from replykit.matching import Matcher, Suggestion
    from replykit.rendering import RenderedReply
    from replykit.usagelog import UsageLog


class Answer(Record):
    """A suggestion and the reply rendered from its picked entry (or why it could not be rendered)."""

    suggestion: Suggestion
    pick: int = 1
    reply: RenderedReply | None = None
    problem: str | None = None
    order: FoundOrder | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def entry_id(self) -> str | None:
        matches = self.suggestion.matches
        return matches[self.pick - 1].id if 0 < self.pick <= len(matches) else None

    def reply_json(self) -> dict[str, Any] | None:
        """``{"entry", "locale", "text", "missing", "notice"}``: what the agent pastes, and what to check first."""
        if self.reply is None:
            return None
        reply = self.reply
        return {
            "entry": reply.entry_id,
            "locale": reply.locale_used,
            "text": reply.text,
            "missing": list(reply.missing),
            "notice": reply.notice,
            "notices": list(reply.notices),
            "channel": reply.channel,
            "values": form_values(reply.variables_used),
        }

    def as_json(self, *, explain: bool = False) -> dict[str, Any]:
        """suggest's JSON document with ``reply`` (None when nothing matched), and where the order came from."""
        document = self.suggestion.as_json(explain=explain)
        document["pick"] = self.pick
        document["reply"] = self.reply_json()
        if self.problem is not None:
            document["reply_error"] = self.problem
        document["order"] = self.order.number if self.order is not None else None
        return document


def form_lists(entry: Entry, values: Mapping[str, Any]) -> dict[str, Any]:
    """A list typed in a form or a prompt: ``a; b`` or one item a line (JSON lists still work)."""
    out = dict(values)
    for name, value in values.items():
        variable = entry.variables.get(name)
        if variable is not None and variable.type == "list" and isinstance(value, str) and not value.lstrip(
        ).startswith("["):
            out[name] = [item.strip() for item in value.replace("\n", ";").split(";") if item.strip()]
    return out


def form_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as an agent types them back in a form: ``89.90 EUR``, ISO dates, lists as lists."""
    from replykit.values import Money, to_json

    shown: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, Money):
            shown[name] = f"{value.amount} {value.currency}"
        else:
            plain = to_json(value)
            shown[name] = plain if isinstance(plain, (str, list)) or plain is None else str(plain)
    return shown


class Desk:
    """A KB kept loaded with its matcher and order source, answering message after message.

    Safe to share between threads: answers are made one at a time (each takes milliseconds; the
    matcher, language detector and renderer keep caches that are not meant for concurrent use).
    """

    def __init__(self, kb: KnowledgeBase, *, usage_log: UsageLog | None = None) -> None:
        self.kb = kb
        self.usage_log = usage_log
        settings = OrderSettings.from_kb(kb)
        self.orders = OrderSource(settings) if settings is not None and settings.source is not None else None
        self._settings = settings
        self._matcher: Matcher | None = None
        self._lock = threading.Lock()
        self._work = threading.RLock()

    @property
    def matcher(self) -> Matcher:
        if self._matcher is None:
            with self._lock:
                if self._matcher is None:
                    from replykit.matching import Matcher

                    self._matcher = Matcher.for_kb(self.kb)
        return self._matcher

    def warm_up(self) -> None:
        """Pay the one-time costs (index, language model, Jinja) before the first message arrives.

        Runs in a background thread: a problem (an order source that is gone) is left for the first
        real answer to report, in the place the agent looks.
        """
        try:
            answer = self.answer("Where is my order?", top=1)
            if answer.entry_id is not None:
                self.answer("Wo ist meine Bestellung?", top=1)
        except UserError:
            return

    def answer(
        self,
        text: str,
        *,
        locale: str | None = None,
        top: int = 3,
        pick: int = 1,
        channel: str = "email",
        tz: str | None = None,
        var_args: Sequence[str] = (),
        order_file: Path | None = None,
        values: Mapping[str, Any] | None = None,
        explain: bool = False,
    ) -> Answer:
        """Rank the entries for ``text`` and render the ``pick``-th (1 = best) with every value known.

        Values come from the order named in the message (or ``order_file``), then ``var_args``, then
        ``values`` (a form's raw strings, typed by the entry's declarations). A reply that cannot be
        rendered is reported in ``Answer.problem``, so that the ranking is still shown.
        """
        with self._work:
            return self._answer(text, locale=locale, top=top, pick=pick, channel=channel, tz=tz,
                                var_args=var_args, order_file=order_file, values=values, explain=explain)

    def _answer(
        self, text: str, *, locale: str | None, top: int, pick: int, channel: str, tz: str | None,
        var_args: Sequence[str], order_file: Path | None, values: Mapping[str, Any] | None, explain: bool,
    ) -> Answer:
        if pick < 1:
            raise UserError(f"--pick {pick}: count from 1 (the best entry)")
        if locale is not None:
            from replykit.l10n import normalize_locale

            locale = normalize_locale(locale)
        suggestion = self.matcher.suggest(text, locale=locale, top=max(top, pick), explain=explain)
        if not suggestion.matches:
            return Answer(suggestion, pick)
        if pick > len(suggestion.matches):
            raise UserError(f"--pick {pick}: only {len(suggestion.matches)} entries match this message; pick 1 to"
                            f" {len(suggestion.matches)}")
        entry_id = suggestion.matches[pick - 1].id
        reply_locale = suggestion.locale or self.kb.source_locale
        try:
            typed, found = self.values_for(entry_id, reply_locale, message=text, order_file=order_file,
                                           var_args=var_args, values=values)
            reply = self.render(entry_id, reply_locale, typed, channel=channel, tz=tz)
        except RenderError as e:
            return Answer(suggestion, pick, problem=str(e))
        if top < pick:
            suggestion = replace(suggestion, matches=suggestion.matches[:top])
        return Answer(suggestion, pick, reply, order=found, values=typed)

    def values_for(
        self,
        entry_id: str,
        locale: str,
        *,
        message: str | None = None,
        order_file: Path | None = None,
        var_args: Sequence[str] = (),
        values: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Any], FoundOrder | None]:
        """The typed values for one entry: found or given order, ``--var``, then a form's values."""
        entry = self.entry(entry_id)
        with self._work:  # the order source re-reads changed exports
            typed, found = order_values_for(
                self.kb, entry, locale, message=message, source=self.orders, order_file=order_file,
                var_args=var_args,
            )
        if values:
            given = typed_values(entry, form_lists(entry, values), "given value",
                                 currency=default_currency(self.kb, locale))
            typed = merge_values(typed, {k: v for k, v in given.items() if k in values and k != "order"})
        return typed, found

    def entry(self, entry_id: str) -> Entry:
        found = self.kb.entries.get(entry_id)
        if found is None:
            import difflib

            close = difflib.get_close_matches(entry_id, list(self.kb.entries), n=3, cutoff=0.6)
            hint = f": did you mean {', '.join(close)}?" if close else ": `replykit list` shows every entry"
            raise RenderError(f"no entry '{entry_id}' in this knowledge base{hint}")
        return found

    def render(
        self,
        entry_id: str,
        locale: str,
        values: Mapping[str, Any],
        *,
        channel: str = "email",
        tz: str | None = None,
    ) -> RenderedReply:
        """The reply with ``[name]`` markers where a required value is still missing (the agent fills them)."""
        from replykit.rendering import render_reply

        with self._work:
            return render_reply(self.kb, entry_id, locale, values, channel=channel, allow_missing=True, tz=tz)


__all__ = ["Answer", "Desk", "form_values"]
