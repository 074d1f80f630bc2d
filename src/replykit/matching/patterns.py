"""Regular expressions compiled on first use.

Compiling a pattern with large Unicode ranges or long alternations costs milliseconds, paid by
every process that imports the module; a one-question `replykit suggest` has ~100 ms to spare in
all. Most questions are one line of Latin text and never need the e-mail or CJK patterns.
"""

from __future__ import annotations

import re
from functools import cached_property


class LazyPattern:
    """A ``re.Pattern`` stand-in that compiles itself the first time it is used."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(*self._source)

    def match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return self.compiled.match(text, pos)

    def findall(self, text: str) -> list[str]:
        return self.compiled.findall(text)

    def sub(self, replacement: str, text: str, count: int = 0) -> str:
        return self.compiled.sub(replacement, text, count=count)

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return self.compiled.search(text, pos)

    def finditer(self, text: str) -> list[re.Match[str]]:
        return list(self.compiled.finditer(text))
