"""Text that is safe to print on a terminal or in a CI log, whoever wrote it.

Customer messages and KB text can hold control characters: an OSC sequence (``ESC ] 0; ... BEL``)
retitles or clears the agent's terminal, and a line break followed by ``::error`` forges a GitHub
workflow command in a CI log. Everything replykit echoes in text output goes through
:func:`printable`, which shows control characters as visible escapes (``\\x1b``, ``\\n``).
"""

from __future__ import annotations

import re

#: C0 and C1 control characters and DEL; tab, line feed and carriage return are matched too and
#: kept only where a caller allows line structure.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    return repr(match.group())[1:-1]


def printable(text: str, *, keep_lines: bool = False) -> str:
    """``text`` with control characters shown as escapes; ``keep_lines`` keeps tabs and line breaks.

    Characters that are not valid Unicode (lone surrogates from undecodable bytes) become U+FFFD,
    so printing never fails with "surrogates not allowed".
    """
    pattern = _CONTROL_BUT_LINES if keep_lines else _CONTROL
    text = pattern.sub(_escape, text)
    if keep_lines:
        text = text.replace("\r\n", "\n").replace("\r", "\\r")
    return _SURROGATE.sub("\ufffd", text)


def first_control(text: str) -> str | None:
    """The first control character in ``text`` other than tab and line breaks, escaped; or None."""
    found = _CONTROL_BUT_LINES.search(text)
    return _escape(found) if found else None


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control character other than a tab."""
    return _CONTROL.search(text.replace("\t", " ")) is not None
