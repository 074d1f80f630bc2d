"""Read a spreadsheet (CSV, XLSX, ODS) into rows of cell text, with the row numbers users see.

CSV goes through the ``csv`` module, XLSX through openpyxl, ODS through odfpy: no hand parsing.
Excel's CSV comes as UTF-8 with or without a BOM, as Windows-1252, or as UTF-16 text; all are read,
and the non-UTF-8 ones are named in a notice. Formula cells give their last computed value (said so
in a notice), or are left empty with a notice when the file was never recalculated.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from replykit.onboard.errors import ImportInputError, MissingExtraError
from replykit.onboard.records import Notice


@dataclass
class Sheet:
    """A table of text cells; ``rows[i]`` is spreadsheet row ``numbers[i]``, the header is row ``header_number``."""

    name: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    header_number: int = 1


#: A header cell naming a question, answer or language column (``question_en``, ``Answer (DE)``, ``lang``).
_HEADER_CELL = re.compile(r"^(?:(?:question|answer)(?:[\s_(-]|$)|(?:id|language|locale|lang)$)", re.I)
#: How many rows above the header a sheet may hold (a title, a "last edited by" line, a blank row).
_TITLE_ROWS = 10


def _header_index(rows: list[tuple[int, list[str]]]) -> int:
    """The first of the top rows that names a question or answer column; else the first row."""
    for index, (_number, cells) in enumerate(rows[: _TITLE_ROWS + 1]):
        if any(_HEADER_CELL.match(c.strip()) for c in cells):
            return index
    return 0


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").strip()
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]  # `export --to csv` guards cells that would open as formulas
    return text


def _table(name: str, raw_rows: list[tuple[int, list[str]]], file: str, notices: list[Notice]) -> Sheet:
    """The header is the first row naming a question or answer column (title rows above it are skipped),
    else the first non-empty row; empty rows are dropped; ragged rows are padded."""
    rows = [(n, cells) for n, cells in raw_rows if any(c.strip() for c in cells)]
    if not rows:
        raise ImportInputError(
            f"{file}: the sheet '{name}' is empty: put a header row (question, answer, ...) and one row per FAQ"
        )
    start = _header_index(rows)
    if start:
        notices.append(
            Notice(f"{file}:{rows[0][0]}", f"the rows above the header (row {rows[start][0]}) were read as a title")
        )
    header_number, header = rows[start]
    width = len(header)
    sheet = Sheet(name, [h.strip() for h in header], notices=notices, header_number=header_number)
    for number, cells in rows[start + 1 :]:
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            notices.append(
                Notice(f"{file}:{number}", f"{len(cells) - width} cell(s) right of the last header column were ignored")
            )
        sheet.rows.append((cells + [""] * width)[:width])
        sheet.numbers.append(number)
    return sheet


# ---- CSV ----------------------------------------------------------------------------------------


def decode_csv(data: bytes, file: str, notices: list[Notice]) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM (Excel's "Unicode text"), else Windows-1252 with a notice."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportInputError(
                f"{file}:{line}: the file is neither UTF-8 nor Windows-1252: save it as 'CSV UTF-8' and import again"
            ) from None
        notices.append(
            Notice(
                f"{file}:{line}",
                "not UTF-8: read as Windows-1252 (Excel's CSV on Windows); check accents, or save as 'CSV UTF-8'",
            )
        )
        return text


def _delimiter(text: str) -> str:
    """Excel writes ',' or, where ',' is the decimal sign (de, fr, ...), ';'; "Unicode text" uses tabs.

    The header row decides (csv.Sniffer guesses quote characters from answers' apostrophes).
    """
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(path: Path, notices: list[Notice]) -> Sheet:
    file = str(path)
    text = decode_csv(path.read_bytes(), file, notices)
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=_delimiter(text))
    raw: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            raw.append((reader.line_num, [_cell_text(c) for c in cells]))
    except csv.Error as e:
        raise ImportInputError(
            f"{file}:{reader.line_num}: not readable as CSV ({e}): check the quotes on that line"
        ) from None
    # csv's line_num is the line where a row ends; users count rows from the header: use the row index.
    numbered = [(i + 1, cells) for i, (_, cells) in enumerate(raw)]
    return _table(path.name, numbered, file, notices)


# ---- XLSX ---------------------------------------------------------------------------------------


def read_xlsx(path: Path, notices: list[Notice]) -> Sheet:
    try:
        import openpyxl  # type: ignore[import-untyped]
    except ImportError:
        raise MissingExtraError("importing XLSX") from None
    file = str(path)
    try:
        values_book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formula_book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as e:  # openpyxl raises zipfile, KeyError and its own errors for broken files
        raise ImportInputError(
            f"{file}: not a readable XLSX workbook ({type(e).__name__}: {e}): save it again as .xlsx"
        ) from None
    try:
        values_sheet = values_book.worksheets[0]
        formula_sheet = formula_book.worksheets[0]
        others = [ws.title for ws in values_book.worksheets[1:]]
        if others:
            notices.append(
                Notice(
                    file, f"only the first sheet '{values_sheet.title}' was read; not imported: " + ", ".join(others)
                )
            )
        raw: list[tuple[int, list[str]]] = []
        for number, (values, formulas) in enumerate(
            zip(values_sheet.iter_rows(values_only=True), formula_sheet.iter_rows(values_only=True), strict=False),
            start=1,
        ):
            cells: list[str] = []
            for column, (value, formula) in enumerate(zip(values, formulas, strict=False), start=1):
                if isinstance(formula, str) and formula.startswith("="):
                    letter = openpyxl.utils.get_column_letter(column)
                    if value is None:
                        notices.append(
                            Notice(
                                f"{file}:{number}",
                                f"cell {letter}{number} is a formula ({formula}) "
                                "with no saved result: open and save the file in Excel or LibreOffice, "
                                "or type the text",
                            )
                        )
                    else:
                        notices.append(
                            Notice(
                                f"{file}:{number}", f"cell {letter}{number} is a formula: its saved result was imported"
                            )
                        )
                cells.append(_cell_text(value))
            raw.append((number, cells))
        _fill_merged_down(raw, _merged_ranges(path, getattr(values_sheet, "_worksheet_path", None)), file, notices)
        return _table(values_sheet.title, raw, file, notices)
    finally:
        values_book.close()
        formula_book.close()


_CELL = re.compile(r"([A-Z]+)([0-9]+)")


def _merged_ranges(path: Path, sheet_xml: str | None) -> list[tuple[int, int, int, int]]:
    """The merged ranges (first column, first row, last column, last row) of a sheet, read from its
    XML: openpyxl's read-only mode, which keeps big sheets cheap, does not expose them."""
    if sheet_xml is None:
        return []
    import zipfile
    from xml.etree import ElementTree

    from openpyxl.utils import column_index_from_string  # type: ignore[import-untyped]

    found: list[tuple[int, int, int, int]] = []
    try:
        with zipfile.ZipFile(path) as archive, archive.open(sheet_xml.lstrip("/")) as xml:
            for _, element in ElementTree.iterparse(xml):
                if element.tag.endswith("}mergeCell"):
                    corners = [_CELL.fullmatch(part) for part in element.get("ref", "").split(":")]
                    if len(corners) == 2 and all(corners):
                        (c1, r1), (c2, r2) = (m.groups() for m in corners if m)
                        found.append((column_index_from_string(c1), int(r1), column_index_from_string(c2), int(r2)))
                element.clear()
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return []  # the values were read already: a sheet without readable merges is imported as stored
    return found


def _fill_merged_down(
    raw: list[tuple[int, list[str]]], ranges: list[tuple[int, int, int, int]], file: str, notices: list[Notice]
) -> None:
    """A category merged over several rows holds its text in the first row only: give it to each row,
    as the person who merged the cells meant it."""
    rows = {number: cells for number, cells in raw}
    from openpyxl.utils import get_column_letter

    for first_col, first_row, last_col, last_row in ranges:
        top = rows.get(first_row)
        if last_row == first_row or top is None or len(top) < first_col or not top[first_col - 1]:
            continue
        value = top[first_col - 1]
        for number in range(first_row + 1, last_row + 1):
            cells = rows.get(number)
            if cells is None:
                continue
            cells.extend([""] * (first_col - len(cells)))
            cells[first_col - 1] = value
        span = f"{get_column_letter(first_col)}{first_row}:{get_column_letter(last_col)}{last_row}"
        notices.append(
            Notice(f"{file}:{first_row}", f"cells {span} are merged: '{value}' applies to rows {first_row}-{last_row}")
        )


# ---- ODS ----------------------------------------------------------------------------------------

#: A sheet's trailing rows/columns are stored as one element repeated up to a million times.
MAX_REPEAT = 1000


def read_ods(path: Path, notices: list[Notice]) -> Sheet:
    try:
        from odf import teletype  # type: ignore[import-untyped]
        from odf.namespaces import TABLENS  # type: ignore[import-untyped]
        from odf.opendocument import load  # type: ignore[import-untyped]
        from odf.table import Table, TableRow  # type: ignore[import-untyped]
        from odf.text import P  # type: ignore[import-untyped]
    except ImportError:
        raise MissingExtraError("importing ODS") from None
    file = str(path)
    try:
        document = load(str(path))
    except Exception as e:  # odfpy raises zipfile, KeyError and XML errors for broken files
        raise ImportInputError(
            f"{file}: not a readable ODS spreadsheet ({type(e).__name__}: {e}): save it again as .ods"
        ) from None
    tables = document.spreadsheet.getElementsByType(Table)
    if not tables:
        raise ImportInputError(f"{file}: the spreadsheet has no sheet: put the FAQ in its first sheet")
    table = tables[0]
    if len(tables) > 1:
        rest = ", ".join(str(t.getAttribute("name")) for t in tables[1:])
        notices.append(
            Notice(file, f"only the first sheet '{table.getAttribute('name')}' was read; not imported: {rest}")
        )
    raw: list[tuple[int, list[str]]] = []
    number = 0
    for row in table.getElementsByType(TableRow):
        cells: list[str] = []
        for cell in row.childNodes:
            is_cell = cell.qname == (TABLENS, "table-cell")
            if not is_cell and cell.qname != (TABLENS, "covered-table-cell"):
                continue
            repeat = min(int(cell.getAttribute("numbercolumnsrepeated") or 1), MAX_REPEAT)
            text = "\n".join(teletype.extractText(p) for p in cell.getElementsByType(P)) if is_cell else ""
            formula = cell.getAttribute("formula") if is_cell else None
            if formula:
                notices.append(
                    Notice(
                        f"{file}:{number + 1}",
                        f"column {len(cells) + 1} is a formula ({formula}): its saved result was imported",
                    )
                )
            cells.extend([text.strip()] * repeat)
        repeat_rows = int(row.getAttribute("numberrowsrepeated") or 1)
        empty = not any(cells)
        for _ in range(1 if empty and repeat_rows > 1 else min(repeat_rows, MAX_REPEAT)):
            number += 1
            raw.append((number, list(cells)))
        if empty and repeat_rows > 1:
            number += repeat_rows - 1
    return _table(str(table.getAttribute("name")), raw, file, notices)
