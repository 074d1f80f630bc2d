"""``replykit import``'s front door: pick the reader for a file and return one :class:`ImportBatch`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from replykit.errors import LocaleError
from replykit.l10n import normalize_locale
from replykit.onboard.errors import ImportInputError
from replykit.onboard.helpdesk import HELPDESK_FORMATS, describe_shape, detect_shape, read_helpdesk
from replykit.onboard.layouts import sheet_items
from replykit.onboard.markdown_faq import markdown_items
from replykit.onboard.records import ImportBatch
from replykit.onboard.sheets import read_csv, read_ods, read_xlsx

#: A FAQ spreadsheet or export is kilobytes to a few megabytes; a bigger file is almost always the
#: wrong file (or one full of images), and reading it whole would take the machine's memory.
MAX_IMPORT_BYTES = 20 * 1024 * 1024

FORMATS = ("auto", "csv", "xlsx", "ods", "markdown", *HELPDESK_FORMATS)
SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".ods": "ods",
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
}


def _checked(path: Path) -> Path:
    if not path.is_file():
        raise ImportInputError(f"{path}: no such file: give the path of the file to import")
    size = path.stat().st_size
    if size > MAX_IMPORT_BYTES:
        raise ImportInputError(
            f"{path}: {size / 1024 / 1024:.1f} MB is more than replykit imports "
            f"({MAX_IMPORT_BYTES // 1024 // 1024} MB): "
            "is it the right file? split it, or remove images and sheets that are not the FAQ"
        )
    return path


def _file_locale(path: Path, default: str, locales: Sequence[str]) -> str:
    """``faq.de.md`` is German; otherwise the default locale."""
    parts = path.name.split(".")
    if len(parts) >= 3:
        try:
            loc = normalize_locale(parts[-2])
        except LocaleError:
            return default
        if loc in locales:
            return loc
    return default


def read_source(
    paths: Sequence[Path],
    *,
    fmt: str,
    locales: Sequence[str],
    source_locale: str,
    default_locale: str | None,
    zendesk_locales: Mapping[int, str],
    source_name: str | None = None,
) -> ImportBatch:
    """Read every file into one batch; raises ImportInputError before anything is written."""
    chosen_formats = set()
    for path in paths:
        _checked(path)
        chosen_formats.add(fmt if fmt != "auto" else SUFFIXES.get(path.suffix.lower(), "?"))
    name = source_name or "+".join(p.name for p in paths)
    batch = ImportBatch(source=name, format=fmt)
    default = default_locale or source_locale

    def to_locale(text: str, where: str) -> str:
        try:
            loc = normalize_locale(text.strip())
        except LocaleError as e:
            raise ImportInputError(f"{where}: {e}") from None
        if loc not in locales:
            base = loc.split("_")[0]
            if base in locales:
                return base
            raise ImportInputError(
                f"{where}: locale '{text.strip()}' is not one of this KB's locales "
                f"({', '.join(locales)}): add it to locales in replykit.yaml, or remove it from the file"
            )
        return loc

    for path in paths:
        kind = fmt if fmt != "auto" else SUFFIXES.get(path.suffix.lower())
        file = str(path)
        if kind is None:
            raise ImportInputError(
                f"{file}: cannot tell the format from the name: give --format (one of {', '.join(FORMATS[1:])})"
            )
        if kind in ("csv", "xlsx", "ods"):
            reader = {"csv": read_csv, "xlsx": read_xlsx, "ods": read_ods}[kind]
            sheet = reader(path, batch.notices)
            sheet_items(sheet, batch, path.name, _file_locale(path, default, locales), to_locale)
        elif kind == "markdown":
            text = _read_text(path)
            markdown_items(text, batch, path.name, _file_locale(path, default, locales), list(locales), source_locale)
        else:
            try:
                data = json.loads(_read_text(path))
            except json.JSONDecodeError as e:
                raise ImportInputError(f"{file}:{e.lineno}: not valid JSON ({e.msg}): export it again") from None
            shape = detect_shape(data) if kind == "json" else kind
            if shape is None:
                raise ImportInputError(
                    f"{file}: a JSON export of another shape ({describe_shape(data)}): replykit reads Zendesk macros "
                    '({"macros": [...]}) and dynamic content ({"items": [...]}), Gorgias macros ({"data": [...]}), '
                    "Chatwoot canned responses and Help Scout saved replies; give --format if it is one of those"
                )
            batch.format = shape
            read_helpdesk(data, shape, batch, path.name, default, to_locale, zendesk_locales)
    return batch


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ImportInputError(f"{path}:{line}: not UTF-8 text: save it as UTF-8 and import again") from None
