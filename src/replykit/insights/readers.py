"""Read customer messages from the exports support teams have: text, CSV, JSONL, mbox, .eml, usage log.

Every reader streams (one record in memory at a time) and never stops on a bad record: it yields a
:class:`BadRecord` naming the file, line and record number, and goes on. Only a problem with the
whole input (no such file, no message column) is a :class:`~replykit.errors.UserError`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from replykit.errors import UserError
from replykit.insights.records import BadRecord, Message
from replykit.matching.message import essential_text

#: Column or field names that hold the message, in the order they are looked for.
TEXT_FIELDS = ("message", "body", "text", "description", "question", "query", "content", "comment", "subject")
#: The desk's usage log (``.replykit/usage.jsonl``) names the customer's text ``asked``; other logs
#: ``query`` or ``text``. Its ``sent`` events repeat the ``asked`` of an ``answer`` event: skipped.
USAGE_LOG_FIELDS = ("asked", "query", "text")
REPEATED_EVENTS = frozenset({"sent"})
#: Column or field names that hold when the message came.
DATE_FIELDS = ("date", "time", "timestamp", "created_at", "created", "sent_at", "received_at", "datetime")
#: A message longer than this is cut: a pasted log file is not a question.
MAX_MESSAGE_CHARS = 4000
#: CSV cells may be this long (Python's default of 128 KiB rejects long e-mail bodies as errors).
CSV_FIELD_LIMIT = 16 * 1024 * 1024


class InputFormat(StrEnum):
    text = "text"
    csv = "csv"
    jsonl = "jsonl"
    mbox = "mbox"
    eml = "eml"
    usage_log = "usage-log"


_BY_SUFFIX = {
    ".txt": InputFormat.text,
    ".text": InputFormat.text,
    ".csv": InputFormat.csv,
    ".tsv": InputFormat.csv,
    ".jsonl": InputFormat.jsonl,
    ".ndjson": InputFormat.jsonl,
    ".mbox": InputFormat.mbox,
    ".mbx": InputFormat.mbox,
    ".eml": InputFormat.eml,
    ".log": InputFormat.usage_log,
}


def detect_format(path: str) -> InputFormat:
    """The format an input's name says (a folder is a folder of .eml files; ``-`` is text)."""
    if path == "-":
        return InputFormat.text
    p = Path(path)
    if p.is_dir():
        return InputFormat.eml
    found = _BY_SUFFIX.get(p.suffix.lower())
    if found is None:
        names = ", ".join(sorted(_BY_SUFFIX))
        raise UserError(
            f"{path}: cannot tell the format from the name: use one of {names}, or say it with --input-format"
        )
    return found


def parse_day(value: Any) -> date | None:
    """The day of an ISO 8601 or RFC 2822 date, or of a Unix time in seconds; None if unreadable."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(float(value), UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromtimestamp(float(text), UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


class _Counter:
    """Record numbers run on across all inputs, so ``members`` point into the whole input."""

    def __init__(self) -> None:
        self.value = 0

    def next(self) -> int:
        self.value += 1
        return self.value


def read_messages(
    paths: Sequence[str],
    *,
    input_format: InputFormat | None = None,
    column: str | None = None,
    date_column: str | None = None,
    stdin: BinaryIO | None = None,
) -> Iterator[Message | BadRecord]:
    """Every message of every input, in order, with the records that could not be read in between."""
    counter = _Counter()
    for path in paths:
        fmt = input_format or detect_format(path)
        if path != "-" and not Path(path).exists():
            raise UserError(f"{path}: no such file or folder: check the path")
        if fmt is InputFormat.eml:
            yield from _read_eml(Path(path), counter)
        elif fmt is InputFormat.mbox:
            yield from _read_mbox(Path(path), counter)
        else:
            with _open_binary(path, stdin) as stream:
                if fmt is InputFormat.text:
                    yield from _read_text(path, stream, counter)
                elif fmt is InputFormat.csv:
                    yield from _read_csv(path, stream, counter, column, date_column)
                else:
                    fields = (column,) if column else (*USAGE_LOG_FIELDS, *TEXT_FIELDS)
                    yield from _read_jsonl(path, stream, counter, fields, date_column)


def _open_binary(path: str, stdin: BinaryIO | None) -> BinaryIO:
    if path == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return _Unclosed(stream)  # type: ignore[return-value]
    try:
        return open(path, "rb")
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror or e}): give a readable file") from None


class _Unclosed(io.BufferedIOBase):
    """Standard input in a ``with`` block that must not close it."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def readline(self, size: int | None = -1) -> bytes:
        return self._stream.readline(-1 if size is None else size)

    def read(self, size: int | None = -1) -> bytes:
        return self._stream.read(-1 if size is None else size)

    def readable(self) -> bool:
        return True

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._stream)


def _clean(text: str) -> str:
    text = text.replace("\x00", "").strip()
    return text[:MAX_MESSAGE_CHARS]


def _decode(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _read_text(path: str, stream: BinaryIO, counter: _Counter) -> Iterator[Message | BadRecord]:
    for line_no, raw in enumerate(stream, 1):
        if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        text = _decode(raw)
        if text is None:
            yield BadRecord(counter.next(), f"{path}:{line_no}", "not UTF-8 text")
            continue
        text = _clean(text)
        if text:
            yield Message(counter.next(), text, f"{path}:{line_no}")


def _pick(names: Sequence[str], wanted: Sequence[str], what: str, path: str, given: str | None) -> int | None:
    lowered = [n.strip().lower() for n in names]
    if given is not None:
        if given.lower() in lowered:
            return lowered.index(given.lower())
        raise UserError(f"{path}:1: no {what} column '{given}': the header has " + ", ".join(names))
    for name in wanted:
        if name in lowered:
            return lowered.index(name)
    return None


class _LineCounter:
    """Feeds a text stream to csv.reader line by line and knows the line each record starts on."""

    def __init__(self, stream: Iterable[str]) -> None:
        self._lines = iter(stream)
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.line += 1
        return line


_SURROGATE = re.compile("[\udc80-\udcff]")


def _windows_1252(text: str) -> str:
    """Text whose non-UTF-8 bytes (kept as surrogates) are read as Windows-1252."""
    return text.encode("utf-8", "surrogateescape").decode("cp1252", "replace")


def _delimiter(path: str, head: str) -> str:
    """Tab for .tsv; else whichever of comma, semicolon (Excel in much of Europe) and tab the header uses most."""
    if path.lower().endswith(".tsv"):
        return "\t"
    return max((",", ";", "\t"), key=lambda d: (head.count(d), d == ","))


def _read_csv(
    path: str, stream: BinaryIO, counter: _Counter, column: str | None, date_column: str | None
) -> Iterator[Message | BadRecord]:
    # Bytes that are not UTF-8 survive as surrogates, to be read again as Windows-1252 (Excel's CSV).
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    lines = _LineCounter(text)
    head = next(lines, None)
    if head is None:
        return
    head = _windows_1252(head) if _SURROGATE.search(head) else head
    delimiter = _delimiter(path, head)
    csv.field_size_limit(CSV_FIELD_LIMIT)
    header = next(csv.reader([head], delimiter=delimiter), [])
    text_at = _pick(header, TEXT_FIELDS, "message", path, column)
    if text_at is None:
        raise UserError(
            f"{path}:1: no message column (looked for {', '.join(TEXT_FIELDS)}): name it with --column; "
            "the header has " + ", ".join(header)
        )
    date_at = _pick(header, DATE_FIELDS, "date", path, date_column)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    said_1252 = False
    while True:
        start = lines.line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield BadRecord(counter.next(), f"{path}:{start}", f"broken CSV ({e})")
            continue
        if not row or all(not cell.strip() for cell in row):
            continue
        number = counter.next()
        where = f"{path}:{start}"
        if len(row) <= text_at:
            yield BadRecord(number, where, f"{len(row)} cells, the message is in column {text_at + 1}")
            continue
        if any(_SURROGATE.search(c) for c in row):
            row = [_windows_1252(c) for c in row]
            if not said_1252:  # once per file: Excel's plain "CSV" on Western Windows
                said_1252 = True
                yield BadRecord(number, where, "not UTF-8", skipped=False, kept_as="read as Windows-1252 from here on")
        cell = row[text_at]
        message = _clean(cell)
        if not message:
            yield BadRecord(number, where, "empty message")
            continue
        day = None
        if date_at is not None and date_at < len(row) and row[date_at].strip():
            day = parse_day(row[date_at])
            if day is None:
                yield BadRecord(number, where, f"unreadable date {row[date_at][:40]!r}", skipped=False)
        yield Message(number, message, where, day)


def _read_jsonl(
    path: str, stream: BinaryIO, counter: _Counter, fields: Sequence[str], date_column: str | None
) -> Iterator[Message | BadRecord]:
    date_fields = (date_column,) if date_column else DATE_FIELDS
    for line_no, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        where = f"{path}:{line_no}"
        number = counter.next()
        try:
            record = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            yield BadRecord(number, where, f"not a JSON object ({str(e).split(':')[0]})")
            continue
        if not isinstance(record, dict):
            yield BadRecord(number, where, "not a JSON object")
            continue
        if record.get("event") in REPEATED_EVENTS:
            continue
        value = next((record[f] for f in fields if isinstance(record.get(f), str)), None)
        if value is None or not _clean(value):
            yield BadRecord(number, where, f"no text in any of the fields {', '.join(dict.fromkeys(fields))}")
            continue
        raw_day = next((record[f] for f in date_fields if record.get(f) not in (None, "")), None)
        day = parse_day(raw_day) if raw_day is not None else None
        if raw_day is not None and day is None:
            yield BadRecord(number, where, f"unreadable date {str(raw_day)[:40]!r}", skipped=False)
        yield Message(number, _clean(value), where, day)


# -- e-mail


def email_text(message: EmailMessage) -> str:
    """What the customer wrote: the plain-text body (or the HTML one as text), without the quoted
    earlier messages and the signature; the subject when the body says nothing."""
    body = ""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is not None:
        try:
            content = part.get_content()
        except (LookupError, ValueError, AssertionError):  # unknown charset, broken transfer encoding
            payload = part.get_payload(decode=True)
            content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        if isinstance(content, str):
            body = _html_text(content) if part.get_content_type() == "text/html" else content
    body = essential_text(body) if body.strip() else ""
    subject = str(message.get("subject") or "").strip()
    return body if any(ch.isalnum() for ch in body) else subject


def _html_text(html: str) -> str:
    from html.parser import HTMLParser

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("script", "style", "blockquote"):
                self.skip += 1
            elif tag in ("br", "p", "div", "li", "tr"):
                self.parts.append("\n")

        def handle_endtag(self, tag: str) -> None:
            if tag in ("script", "style", "blockquote") and self.skip:
                self.skip -= 1

        def handle_data(self, data: str) -> None:
            if not self.skip:
                self.parts.append(data)

    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


def _email_record(data: bytes, number: int, where: str) -> Message | BadRecord:
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
        text = _clean(email_text(message))
        raw_date = message.get("date")
    except Exception as e:
        return BadRecord(number, where, f"unreadable e-mail ({type(e).__name__})")
    if not text:
        return BadRecord(number, where, "no text in the e-mail")
    day = parse_day(str(raw_date)) if raw_date else None
    return Message(number, text, where, day)


def _read_eml(path: Path, counter: _Counter) -> Iterator[Message | BadRecord]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*.eml") if p.is_file())
    if not files:
        raise UserError(f"{path}: no .eml file in this folder or below: give the folder the e-mails were saved to")
    for file in files:
        try:
            data = file.read_bytes()
        except OSError as e:
            yield BadRecord(counter.next(), str(file), f"cannot read ({e.strerror or e})")
            continue
        yield _email_record(data, counter.next(), str(file))


def _read_mbox(path: Path, counter: _Counter) -> Iterator[Message | BadRecord]:
    """Split on "From " lines as mbox writers do (mboxrd's ">From " quoting undone), one at a time."""
    try:
        stream = open(path, "rb")  # noqa: SIM115
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror or e}): give a readable file") from None
    with stream:
        lines: list[bytes] = []
        start = 0
        index = 0
        for line_no, line in enumerate(stream, 1):
            if line.startswith(b"From "):
                if lines:
                    index += 1
                    yield _email_record(b"".join(lines), counter.next(), f"{path}:{start}")
                lines = []
                start = line_no
                continue
            if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                line = line[1:]
            lines.append(line)
        if lines and any(x.strip() for x in lines):
            yield _email_record(b"".join(lines), counter.next(), f"{path}:{start or 1}")
