"""What every reader produces: FAQ items in plain text, and notices about what was not converted."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Notice:
    """Something the user should know about one row or item: skipped, changed, or not convertible."""

    where: str  # "faq.csv:7", "macros.json: item 3"
    message: str

    def format(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class ImportedItem:
    """One FAQ as a team keeps it: questions and answer text per locale, placeholders still in the source syntax.

    ``key`` identifies the item upstream (an id column, a helpdesk id, else the question) so that a
    re-import finds the entry it created before, even when the question text changes.
    """

    key: str
    where: str
    questions: dict[str, list[str]] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    category: str | None = None
    wanted_id: str | None = None  # an id the source gives explicitly (id column, Markdown {#anchor})
    tags: list[str] = field(default_factory=list)
    #: replykit's own files (CSV, Markdown) may hold ``{{ name }}`` variables; a helpdesk's text only its
    #: own placeholders, so a bare ``{{ name }}`` there is text.
    bare_names_are_variables: bool = True

    def add_question(self, locale: str, text: str) -> None:
        text = re.sub(r"[ \t\r\n]+", " ", text).strip()  # not str.split(): French keeps its narrow no-break spaces
        if text and text not in self.questions.setdefault(locale, []):
            self.questions[locale].append(text)


@dataclass
class ImportBatch:
    """Everything one import brings, with the notices found while reading."""

    source: str  # the name the import state remembers it by (the file name)
    format: str
    items: list[ImportedItem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    def note(self, where: str, message: str) -> None:
        self.notices.append(Notice(where, message))
