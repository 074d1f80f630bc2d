"""PO, XLIFF 1.2 and CSV files of translation units, written and read with libraries, not by hand.

PO goes through Babel (``babel.messages.pofile``): ``msgctxt`` is the unit id (entry id first),
``#.`` comments carry the context, ``#|`` the previous source of a stale unit, and the flags say
the text is not a Python format string while Weblate's ``placeholders:`` flag protects the Jinja
parts. XLIFF is built and read with the standard library's ElementTree and expat (which keeps line
numbers); placeholders are inline ``<ph>`` elements. CSV uses the csv module, one row a unit.

Every reader returns :class:`FileUnit` records with the line each unit starts on, so an import can
name the unit and line of every problem.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
import xml.parsers.expat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from replykit.errors import UserError
from replykit.translations.units import PLACEHOLDER, Catalog, Unit

FORMATS = ("po", "xliff", "csv")
SUFFIXES = {".po": "po", ".xlf": "xliff", ".xliff": "xliff", ".csv": "csv"}
#: Weblate's check for text a translation must keep: Jinja expressions and tags.
WEBLATE_PLACEHOLDERS = r'placeholders:r"\{\{.*?\}\}|\{%.*?%\}"'
_NOT_FORMAT = ("no-python-format", "no-python-brace-format")
_UNITS_LINE = re.compile(r"replykit-units: (\d+)")
XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
CSV_COLUMNS = ("locale", "unit", "source", "target", "state", "previous_source", "notes", "location")


class TranslationFileError(UserError):
    """A translation file that cannot be imported: the message names the file, line and unit."""


@dataclass(frozen=True)
class FileUnit:
    """A unit as read back from a translator's file."""

    id: str
    source: str
    target: str
    fuzzy: bool
    line: int


@dataclass(frozen=True)
class TranslationFile:
    path: Path
    locale: str
    source_locale: str | None
    units: tuple[FileUnit, ...]


def _header_text(catalog: Catalog, kb_name: str) -> str:
    return (
        f"{catalog.source_locale} -> {catalog.locale} translations of the replykit KB {kb_name}.\n"
        "Keep every {{ ... }} and {% ... %} as it is (you may move it).\n"
        "A unit left fuzzy or empty changes nothing.\n"
        "Import with: replykit translations import FILE\n"
        f"replykit-units: {len(catalog.units)}"
    )


def _location(unit: Unit, root: Path) -> tuple[str, int] | None:
    if unit.location is None:
        return None
    file, line = unit.location
    path = Path(file)
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = path.as_posix()
    return rel, line


# ---- PO ------------------------------------------------------------------------------------------


def write_po(catalog: Catalog, root: Path) -> bytes:
    from babel.messages.catalog import Catalog as BabelCatalog
    from babel.messages.pofile import write_po as babel_write_po

    day = catalog.changed or datetime.now(UTC).date()
    now = datetime(day.year, day.month, day.day, tzinfo=UTC)
    po = BabelCatalog(
        locale=catalog.locale,
        header_comment="\n".join(f"# {line}" for line in _header_text(catalog, root.name).splitlines()),
        project=f"replykit KB {root.name}",
        version="1",
        msgid_bugs_address="",
        creation_date=now,
        revision_date=now,
        last_translator="replykit export",
        language_team=catalog.locale,
        fuzzy=False,
    )
    for unit in catalog.units:
        location = _location(unit, root)
        message = po.add(
            unit.source,
            unit.target,
            locations=[location] if location else [],
            auto_comments=unit.notes,
            context=unit.id,
            previous_id=unit.previous_source if unit.fuzzy and unit.previous_source is not None else (),
        )
        message.flags.difference_update({"python-format", "python-brace-format"})
        message.flags.update(_NOT_FORMAT)
        if unit.kind == "template" and PLACEHOLDER.search(unit.source):
            message.flags.add(WEBLATE_PLACEHOLDERS)
        if unit.fuzzy:
            message.flags.add("fuzzy")
    out = io.BytesIO()
    babel_write_po(out, po, width=76, include_previous=True, sort_output=False)
    return out.getvalue()


def read_po(path: Path, data: bytes) -> TranslationFile:
    from babel.messages.pofile import PoFileError
    from babel.messages.pofile import read_po as babel_read_po

    text = _decode(path, data)
    if not text.endswith("\n"):
        raise TranslationFileError(
            f"{path}:{text.count(chr(10)) + 1}: the file ends in the middle of a line (truncated?): export again"
            " or restore the whole file"
        )
    try:
        po = babel_read_po(io.StringIO(text), abort_invalid=True)
    except PoFileError as e:
        raise TranslationFileError(f"{path}: not a valid PO file ({e}): fix that line or export again") from e
    if po.locale is None:
        raise TranslationFileError(f"{path}:1: the PO header has no 'Language:': add Language: <locale>")
    units = []
    for message in po:
        if not message.id or not isinstance(message.id, str):
            continue  # the header
        if message.context is None:
            raise TranslationFileError(
                f"{path}:{message.lineno}: a unit without msgctxt ({message.id[:40]!r}): replykit cannot tell"
                " where it belongs; keep the msgctxt of exported units"
            )
        target = message.string if isinstance(message.string, str) else ""
        units.append(FileUnit(message.context, message.id, target, message.fuzzy, message.lineno or 1))
    _check_count(path, po.header_comment or "", len(units))
    locale = str(po.locale)
    return TranslationFile(path, locale, None, tuple(units))


def _check_count(path: Path, header: str, found: int) -> None:
    match = _UNITS_LINE.search(header)
    if match and int(match.group(1)) > found:
        raise TranslationFileError(
            f"{path}: the file holds {found} of the {match.group(1)} units it was exported with (truncated?):"
            " restore the whole file"
        )


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise TranslationFileError(
            f"{path}:{line}: not UTF-8 (byte {data[e.start]:#04x}): save the file as UTF-8"
        ) from e


# ---- XLIFF 1.2 -----------------------------------------------------------------------------------


def _q(tag: str) -> str:
    return f"{{{XLIFF_NS}}}{tag}"


def _inline(parent: ET.Element, text: str) -> None:
    """Put ``text`` into ``parent`` with each placeholder as ``<ph id="N">code</ph>``."""
    last = 0
    tail_of: ET.Element | None = None
    for number, match in enumerate(PLACEHOLDER.finditer(text), start=1):
        chunk = text[last : match.start()]
        if tail_of is None:
            parent.text = (parent.text or "") + chunk
        else:
            tail_of.tail = (tail_of.tail or "") + chunk
        ph = ET.SubElement(parent, _q("ph"), {"id": str(number), "ctype": "x-jinja"})
        ph.text = match.group(0)
        tail_of = ph
        last = match.end()
    chunk = text[last:]
    if tail_of is None:
        parent.text = (parent.text or "") + chunk
    else:
        tail_of.tail = (tail_of.tail or "") + chunk


def write_xliff(catalog: Catalog, root: Path) -> bytes:
    ET.register_namespace("", XLIFF_NS)
    xliff = ET.Element(_q("xliff"), {"version": "1.2"})
    file = ET.SubElement(
        xliff,
        _q("file"),
        {
            "original": f"replykit-kb-{root.name}",
            "source-language": catalog.source_locale.replace("_", "-"),
            "target-language": catalog.locale.replace("_", "-"),
            "datatype": "plaintext",
        },
    )
    header = ET.SubElement(file, _q("header"))
    ET.SubElement(header, _q("note")).text = _header_text(catalog, root.name)
    body = ET.SubElement(file, _q("body"))
    for unit in catalog.units:
        element = ET.SubElement(
            body,
            _q("trans-unit"),
            {"id": unit.id, "resname": unit.id, "{http://www.w3.org/XML/1998/namespace}space": "preserve"},
        )
        _inline(ET.SubElement(element, _q("source")), unit.source)
        if unit.target:
            state = "needs-review-translation" if unit.fuzzy else "translated"
            _inline(ET.SubElement(element, _q("target"), {"state": state}), unit.target)
        for note in unit.notes:
            ET.SubElement(element, _q("note"), {"from": "replykit"}).text = note
        location = _location(unit, root)
        if location:
            group = ET.SubElement(element, _q("context-group"), {"purpose": "location"})
            ET.SubElement(group, _q("context"), {"context-type": "sourcefile"}).text = location[0]
            ET.SubElement(group, _q("context"), {"context-type": "linenumber"}).text = str(location[1])
        if unit.fuzzy and unit.previous_source is not None:
            alt = ET.SubElement(element, _q("alt-trans"), {"origin": "previous-source"})
            _inline(ET.SubElement(alt, _q("source")), unit.previous_source)
            _inline(ET.SubElement(alt, _q("target")), unit.target)
    _indent(xliff)
    data: bytes = ET.tostring(xliff, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


_TEXT_ELEMENTS = {_q("source"), _q("target"), _q("note"), _q("context")}


def _indent(element: ET.Element, level: int = 0) -> None:
    """Indent the structure for people reading the file, never inside a text (which keeps its spaces)."""
    if element.tag in _TEXT_ELEMENTS or len(element) == 0:
        return
    element.text = "\n" + "  " * (level + 1)
    for child in element:
        _indent(child, level + 1)
        child.tail = "\n" + "  " * (level + 1)
    element[-1].tail = "\n" + "  " * level


class _LineTreeBuilder:
    """expat events into ElementTree elements, remembering the line each element starts on."""

    def __init__(self, parser: xml.parsers.expat.XMLParserType) -> None:
        self.parser = parser
        self.builder = ET.TreeBuilder()
        self.lines: dict[int, int] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        element = self.builder.start(_expat_name(tag), {_expat_name(k): v for k, v in attrs.items()})
        self.lines[id(element)] = self.parser.CurrentLineNumber

    def end(self, tag: str) -> None:
        self.builder.end(_expat_name(tag))

    def data(self, text: str) -> None:
        self.builder.data(text)


def _expat_name(name: str) -> str:
    uri, _, local = name.rpartition(" ")
    return f"{{{uri}}}{local}" if uri else local


def _refuse_dtd(*_args: object) -> None:
    raise ValueError("a DOCTYPE or entity declaration is not allowed in a translation file")


def read_xliff(path: Path, data: bytes) -> TranslationFile:
    _decode(path, data)
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    builder = _LineTreeBuilder(parser)
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as e:
        raise TranslationFileError(
            f"{path}:{e.lineno}: not well-formed XLIFF ({xml.parsers.expat.errors.messages.get(e.code, e)};"
            " truncated?): restore the whole file"
        ) from e
    except ValueError as e:
        raise TranslationFileError(f"{path}:{parser.CurrentLineNumber}: {e}") from e
    root = builder.builder.close()
    if root.tag != _q("xliff") or root.get("version") != "1.2":
        raise TranslationFileError(f"{path}:1: not an XLIFF 1.2 file: export one with --format xliff")
    files = root.findall(_q("file"))
    if len(files) != 1:
        raise TranslationFileError(f"{path}:1: expected one <file> element, found {len(files)}")
    file = files[0]
    locale = (file.get("target-language") or "").replace("-", "_")
    if not locale:
        raise TranslationFileError(f"{path}:{builder.lines.get(id(file), 1)}: <file> has no target-language")
    units = []
    for element in file.iter(_q("trans-unit")):
        line = builder.lines.get(id(element), 1)
        unit_id = element.get("id") or ""
        source_el = element.find(_q("source"))
        if source_el is None:
            raise TranslationFileError(f"{path}:{line}: unit {unit_id!r} has no <source>")
        codes: dict[str, str] = {}
        source = _flatten(source_el, codes, path, line, unit_id, collect=True)
        target_el = element.find(_q("target"))
        target = _flatten(target_el, codes, path, line, unit_id) if target_el is not None else ""
        state = target_el.get("state", "translated") if target_el is not None else "new"
        fuzzy = state.startswith("needs-") or state == "new"
        units.append(FileUnit(unit_id, source, target, fuzzy and bool(target), line))
    header_note = file.find(f"{_q('header')}/{_q('note')}")
    _check_count(path, header_note.text or "" if header_note is not None else "", len(units))
    source_locale = (file.get("source-language") or "").replace("-", "_") or None
    return TranslationFile(path, locale, source_locale, tuple(units))


def _flatten(
    element: ET.Element, codes: dict[str, str], path: Path, line: int, unit_id: str, *, collect: bool = False
) -> str:
    """The text of a source or target: a ``<ph>`` gives its code, an ``<x/>`` the source's code of its id."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag.rsplit("}", 1)[-1]
        ph_id = child.get("id") or ""
        if tag in ("ph", "x"):
            code = "".join(child.itertext())
            if collect:
                codes[ph_id] = code
            if code and tag == "ph":  # the target's own code (a plural form may be translated)
                parts.append(code)
            elif ph_id not in codes:
                raise TranslationFileError(
                    f"{path}:{line}: unit {unit_id!r}: placeholder id {ph_id!r} is not in the source: keep the"
                    " source's placeholders"
                )
            else:
                parts.append(codes[ph_id])
        elif tag == "mrk":
            parts.append(_flatten(child, codes, path, line, unit_id, collect=collect))
        else:
            raise TranslationFileError(f"{path}:{line}: unit {unit_id!r}: unexpected <{tag}> inside the text")
        parts.append(child.tail or "")
    return "".join(parts)


# ---- CSV -----------------------------------------------------------------------------------------


def write_csv(catalog: Catalog, root: Path) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for unit in catalog.units:
        state = "needs-review" if unit.fuzzy else "translated" if unit.target else "new"
        location = _location(unit, root)
        writer.writerow(
            (
                catalog.locale,
                unit.id,
                unit.source,
                unit.target,
                state,
                unit.previous_source or "" if unit.fuzzy else "",
                "\n".join(unit.notes),
                f"{location[0]}:{location[1]}" if location else "",
            )
        )
    return out.getvalue().encode("utf-8")


def read_csv(path: Path, data: bytes) -> TranslationFile:
    text = _decode(path, data)
    if text and not text.endswith("\n"):
        raise TranslationFileError(
            f"{path}:{text.count(chr(10)) + 1}: the file ends in the middle of a row (truncated?): restore the"
            " whole file"
        )
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    missing = [c for c in ("locale", "unit", "source", "target") if c not in (reader.fieldnames or ())]
    if missing:
        raise TranslationFileError(f"{path}:1: the header row lacks {', '.join(missing)}: keep the exported header")
    units = []
    locales = set()
    try:
        for row in reader:
            line = reader.line_num
            if None in row or any(v is None for v in row.values()):
                raise TranslationFileError(f"{path}:{line}: the row has a different number of columns than the header")
            locales.add(row["locale"])
            fuzzy = row.get("state", "") == "needs-review"
            units.append(FileUnit(row["unit"], row["source"], row["target"], fuzzy and bool(row["target"]), line))
    except csv.Error as e:
        raise TranslationFileError(f"{path}:{reader.line_num}: not valid CSV ({e}): fix that row") from e
    if len(locales) > 1:
        raise TranslationFileError(f"{path}: rows of several locales ({', '.join(sorted(locales))}): one locale a file")
    return TranslationFile(path, locales.pop().replace("-", "_") if locales else "", None, tuple(units))


WRITERS: dict[str, Callable[[Catalog, Path], bytes]] = {"po": write_po, "xliff": write_xliff, "csv": write_csv}
READERS: dict[str, Callable[[Path, bytes], TranslationFile]] = {"po": read_po, "xliff": read_xliff, "csv": read_csv}


def read_translation_file(path: Path) -> TranslationFile:
    """Read a PO, XLIFF or CSV file (by its suffix, else by its first bytes)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise TranslationFileError(f"{path}: cannot read ({e.strerror}): check the path") from e
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        head = data.lstrip(b"\xef\xbb\xbf").lstrip()[:200]
        kind = "xliff" if head.startswith(b"<") else "csv" if head.startswith(b"locale,") else "po"
    if not data.strip():
        raise TranslationFileError(f"{path}:1: the file is empty: export again")
    return READERS[kind](path, data)
