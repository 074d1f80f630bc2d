"""An opt-in local log of what agents were asked and what they sent: the raw material for finding gaps.

Off unless ``replykit.yaml`` has ``usage_log: {enabled: true}`` or a command gets ``--usage-log FILE``.
Each line is one JSON object. Customers' e-mail addresses, phone numbers and order numbers are
masked before anything is written (``mask: false`` keeps them, for a log that never leaves the
machine). Lines are appended under an exclusive lock, one write each, so that a desk, a server
and scripts can share one log.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from replykit.errors import UserError

if TYPE_CHECKING:
    from replykit.desk.answering import Answer
    from replykit.kb.model import KnowledgeBase

DEFAULT_PATH = ".replykit/usage.jsonl"
SECTION_KEYS = ("enabled", "path", "mask")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 7+ digits with the separators people type: +49 30 1234567, (03) 1234-5678, 090-1234-5678
_PHONE = re.compile(r"(?<![\w-])\+?\(?\d[\d\s().-]{5,}\d(?![\w-])")
_ORDER = re.compile(r"#?\b[A-Za-z]{0,5}-?\d{4,}(?:-\d+)*\b")


def mask(text: str, order_pattern: re.Pattern[str] | None = None) -> str:
    """The text with e-mail addresses, order numbers and phone numbers replaced by [email], [order], [phone]."""
    text = _EMAIL.sub("[email]", text)
    if order_pattern is not None:  # the shop's own form first: KS-2026-10482 is not a phone number
        text = order_pattern.sub("[order]", text)
    text = _PHONE.sub(lambda m: "[phone]" if sum(c.isdigit() for c in m.group(0)) >= 7 else m.group(0), text)
    return _ORDER.sub("[order]", text)  # what is left that looks like an order number


class UsageLog:
    """Appends one JSON line per answer (and per reply sent) to a local file."""

    def __init__(self, path: Path, *, masked: bool = True, order_pattern: re.Pattern[str] | None = None) -> None:
        self.path = path
        self.masked = masked
        self.order_pattern = order_pattern

    @classmethod
    def from_kb(cls, kb: KnowledgeBase, path: Path | None = None) -> UsageLog | None:
        """The log the KB asks for (``usage_log:``), or the one given by a flag; None when off."""
        section: Mapping[str, Any] = getattr(kb.config, "usage_log", None) or {}
        where = f"{kb.config.path}: usage_log"
        unknown = sorted(set(section) - set(SECTION_KEYS))
        if unknown:
            raise UserError(f"{where}: unknown key '{unknown[0]}': use {', '.join(SECTION_KEYS)}")
        enabled = section.get("enabled", False)
        masked = section.get("mask", True)
        if not isinstance(enabled, bool) or not isinstance(masked, bool):
            raise UserError(f"{where}: enabled and mask are true or false")
        if path is None:
            if not enabled:
                return None
            raw = section.get("path", DEFAULT_PATH)
            if not isinstance(raw, str) or not raw:
                raise UserError(f"{where}: path must be a file path such as {DEFAULT_PATH}")
            path = kb.root / raw
        from replykit.orders import OrderSettings

        settings = OrderSettings.from_kb(kb)
        return cls(path, masked=masked, order_pattern=settings.pattern if settings else None)

    def _clean(self, text: str | None) -> str | None:
        if text is None or not self.masked:
            return text
        return mask(text, self.order_pattern)

    def write(self, record: Mapping[str, Any]) -> None:
        """Append one line atomically: one ``write`` on an O_APPEND file, under an exclusive lock."""
        line = (json.dumps({"time": datetime.now(UTC).isoformat(timespec="seconds"), **record},
                           ensure_ascii=False) + "\n").encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as e:
            raise UserError(f"{self.path}: cannot write the usage log ({e.strerror or e}): fix the path or its"
                            " permissions") from None
        try:
            _lock(fd)
            os.write(fd, line)
        finally:
            os.close(fd)  # closing releases the lock

    def record_answer(self, answer: Answer, *, sent: str | None = None, source: str = "suggest") -> None:
        """What was asked, its language, what was suggested, and what was sent (when known)."""
        suggestion = answer.suggestion
        self.write({
            "event": "answer",
            "source": source,
            "asked": self._clean(suggestion.query),
            "language": getattr(suggestion, "language", None) or suggestion.locale,
            "locale": suggestion.locale,
            "confident": suggestion.confident,
            "suggested": [{"id": m.id, "score": round(m.score, 3)} for m in suggestion.matches],
            "picked": answer.entry_id,
            "sent": self._clean(sent),
        })

    def record_sent(self, *, asked: str | None, entry: str | None, locale: str | None, text: str,
                    source: str) -> None:
        """What the agent finally sent (copied), after any edits."""
        self.write({
            "event": "sent",
            "source": source,
            "asked": self._clean(asked),
            "picked": entry,
            "locale": locale,
            "sent": self._clean(text),
        })


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: msvcrt locks a byte range
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined,unused-ignore]
        return
    fcntl.flock(fd, fcntl.LOCK_EX)


__all__ = ["UsageLog", "mask"]
