"""A customer's question as suggest reads it: valid text, without control characters, of bounded size.

Questions arrive from a terminal argument or a pipe, in whatever bytes the helpdesk produced. Bytes
that are not UTF-8 reach Python as lone surrogates, which language detection and output refuse;
they become U+FFFD here. Control characters (an escape sequence pasted with the message) become
spaces: they carry no meaning for matching. A question longer than :data:`MAX_QUESTION_CHARS` is
cut there, with a note on stderr: matching time and memory grow with the text (a 10 MB message
took 23 s and 1.4 GB), while the question itself is at the start of a message.
"""

from __future__ import annotations

import re
import sys
from typing import BinaryIO, TextIO

#: The longest question suggest reads, in characters. A long customer e-mail with its quoted thread
#: is under 20,000 characters; at 50,000, matching stays well under a second and 100 MB.
MAX_QUESTION_CHARS = 50_000
_SURROGATES = re.compile("[\ud800-\udfff]+")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")


def question_text(text: str) -> str:
    """``text`` as valid Unicode without control characters, cut to :data:`MAX_QUESTION_CHARS`."""
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # surrogates that did not come from undecodable bytes
        text = _SURROGATES.sub("\ufffd", text)
    text = _CONTROLS.sub(" ", text)
    if len(text) > MAX_QUESTION_CHARS:
        _note_cut(f"the question is {len(text):,} characters long")
        text = text[:MAX_QUESTION_CHARS]
    return text


def read_question(stream: TextIO) -> str:
    """The question piped on ``stream``, reading at most what :data:`MAX_QUESTION_CHARS` can need.

    An endless pipe (``yes | replykit suggest``) is read only up to the bound.
    """
    raw: BinaryIO | None = getattr(stream, "buffer", None)
    if raw is None:
        text = stream.read(MAX_QUESTION_CHARS + 1)
    else:
        data = raw.read(4 * MAX_QUESTION_CHARS + 4)  # UTF-8 needs at most 4 bytes a character
        text = data.decode("utf-8", "replace")
        if text.startswith("\ufeff"):
            text = text[1:]
        if len(data) > 4 * MAX_QUESTION_CHARS:
            text = text[:MAX_QUESTION_CHARS + 1]
    if len(text) > MAX_QUESTION_CHARS:
        _note_cut(f"the question on standard input is longer than {MAX_QUESTION_CHARS:,} characters")
        text = text[:MAX_QUESTION_CHARS]
    return question_text(text)


def _note_cut(what: str) -> None:
    print(
        f"replykit: note: {what}; only the first {MAX_QUESTION_CHARS:,} are matched (docs/limits.md)",
        file=sys.stderr,
    )
