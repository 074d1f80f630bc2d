"""Spreadsheet layouts teams use for FAQs, turned into items.

- wide: one row per FAQ, ``question_en``/``answer_en``/``question_de``/... (``question_en_2`` and
  further question columns are more phrasings; plain ``question``/``answer`` are the default locale);
- long: one row per question and language, ``id``/``question``/``answer``/``language``.
Either may have a ``category`` (or ``folder``) column, the entry's folder below ``kb/``, and ``tags``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from replykit.onboard.errors import ImportInputError
from replykit.onboard.records import ImportBatch, ImportedItem
from replykit.onboard.sheets import Sheet

#: ``question_en``, ``Answer (de-AT)``, ``question_zh_Hant_TW``, ``question_en_2`` (a second phrasing).
WIDE_COLUMN = re.compile(
    r"^(question|answer)(?:[\s_-]*\(?([A-Za-z]{2,3}(?:[_-][A-Za-z]{4})?(?:[_-][A-Za-z]{2})?)\)?)?(?:[\s_-]+(\d+))?$",
    re.I,
)
LANGUAGE_COLUMNS = ("language", "locale", "lang")
CATEGORY_COLUMNS = ("category", "folder", "section")


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def sheet_items(
    sheet: Sheet, batch: ImportBatch, file: str, default_locale: str, to_locale: Callable[[str, str], str]
) -> None:
    """Add the sheet's FAQs to ``batch``; ``to_locale(text, where)`` validates a locale id."""
    header = sheet.header
    if _find(header, LANGUAGE_COLUMNS) is not None:
        _long(sheet, batch, file, default_locale, to_locale)
        return
    columns: list[tuple[int, str, str, int]] = []  # (index, kind, locale, n)
    for index, name in enumerate(header):
        match = WIDE_COLUMN.match(name.strip())
        if not match:
            continue
        kind, loc, n = match.group(1).lower(), match.group(2), int(match.group(3) or 1)
        locale = to_locale(loc, f"{file}:{sheet.header_number}") if loc else default_locale
        columns.append((index, kind, locale, n))
    answers = {loc for _, kind, loc, _ in columns if kind == "answer"}
    if not answers:
        raise ImportInputError(
            f"{file}:{sheet.header_number}: no answer column "
            f"(found: {', '.join(h for h in header if h) or 'nothing'}): name the columns "
            "question_en/answer_en/question_de/... (one row per FAQ) "
            "or id/question/answer/language (one row per language)"
        )
    questioned = {loc for _, kind, loc, _ in columns if kind == "question"}
    for loc in sorted(answers - questioned):
        batch.note(
            f"{file}:{sheet.header_number}",
            f"answers in {loc} have no question column: add question_{loc} so customers' questions in {loc} match",
        )
    id_column = _find(header, ("id",))
    category_column = _find(header, CATEGORY_COLUMNS)
    tags_column = _find(header, ("tags",))
    for cells, number in zip(sheet.rows, sheet.numbers, strict=True):
        where = f"{file}:{number}"
        wanted = cells[id_column].strip() if id_column is not None else ""
        item = ImportedItem(key=wanted, where=where, wanted_id=wanted or None)
        if category_column is not None and cells[category_column].strip():
            item.category = cells[category_column].strip()
        if tags_column is not None:
            item.tags = [t.strip() for t in re.split(r"[,;]", cells[tags_column]) if t.strip()]
        for index, kind, locale, _n in sorted(columns, key=lambda c: (c[1], c[2], c[3])):
            text = cells[index]
            if not text:
                continue
            if kind == "answer":
                item.answers[locale] = text
            else:
                item.add_question(locale, text)
        if not item.answers and not item.questions:
            continue
        batch.items.append(item)


def _long(
    sheet: Sheet, batch: ImportBatch, file: str, default_locale: str, to_locale: Callable[[str, str], str]
) -> None:
    header = sheet.header
    language = _find(header, LANGUAGE_COLUMNS)
    ident = _find(header, ("id", "key"))
    question = _find(header, ("question",))
    answer = _find(header, ("answer",))
    missing = [name for name, column in (("id", ident), ("question", question), ("answer", answer)) if column is None]
    if missing:
        raise ImportInputError(
            f"{file}:{sheet.header_number}: one row per language needs the columns id, question, answer and language;"
            " missing: "
            + ", ".join(missing)
            + ": add them (the id links a FAQ's rows in different languages)"
        )
    assert ident is not None and question is not None and answer is not None and language is not None
    extra_questions = [
        i
        for i, h in enumerate(header)
        if i != question and WIDE_COLUMN.match(h.strip()) and h.strip().lower().startswith("question")
    ]
    category_column = _find(header, CATEGORY_COLUMNS)
    by_id: dict[str, ImportedItem] = {}
    answered_at: dict[tuple[str, str], str] = {}
    for cells, number in zip(sheet.rows, sheet.numbers, strict=True):
        where = f"{file}:{number}"
        key = cells[ident].strip()
        if not key:
            batch.note(where, "no id: row skipped (the id links a FAQ's rows in different languages)")
            continue
        locale = to_locale(cells[language], where) if cells[language].strip() else default_locale
        item = by_id.get(key)
        if item is None:
            item = by_id[key] = ImportedItem(key=key, where=where, wanted_id=key)
            batch.items.append(item)
        if category_column is not None and cells[category_column].strip() and not item.category:
            item.category = cells[category_column].strip()
        for column in (question, *extra_questions):
            if cells[column]:
                item.add_question(locale, cells[column])
        text = cells[answer]
        if text:
            if locale in item.answers and item.answers[locale] != text:
                batch.note(
                    where,
                    f"a second, different answer for '{key}' in {locale}: the first "
                    f"({answered_at[(key, locale)]}) was kept",
                )
            else:
                item.answers[locale] = text
                answered_at[(key, locale)] = where
