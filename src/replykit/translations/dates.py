"""The day an entry's source text last changed: from git history when the KB is a git work tree.

A checkout sets every file's modification time to the moment of the checkout, so on a CI runner or
a fresh clone the file system cannot tell when the English changed; the last commit that touched
the file can. A file with uncommitted changes, or a KB outside git, falls back to the file's
modification time. One ``git log`` per run serves every entry.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path

from replykit.kb.model import Entry, KnowledgeBase
from replykit.lockfile import SourceSnapshot, TemplateIndex, source_snapshot, templates_by_entry

_GIT_SECONDS = 10


def _git(root: Path, *args: str) -> str:
    """A git command's output in ``root``; raises OSError or SubprocessError when git cannot answer."""
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, timeout=_GIT_SECONDS, check=True
    ).stdout


def _git_dates(root: Path, only: tuple[str, ...] = (".",)) -> tuple[dict[Path, date], frozenset[Path]]:
    """Newest commit day of every file below ``root`` (or of ``only``), and the files with uncommitted changes."""
    try:
        log = _git(root, "log", "--format=%x00%cs", "--name-only", "--no-renames", "--", *only)
        top = _git(root, "rev-parse", "--show-toplevel").strip()
        dirty = _git(root, "status", "--porcelain", "--no-renames", "-z", "--", *only)
    except (OSError, subprocess.SubprocessError):
        return {}, frozenset()
    base = Path(top)
    dates: dict[Path, date] = {}
    day: date | None = None
    for line in log.splitlines():
        if line.startswith("\x00"):
            with contextlib.suppress(ValueError):
                day = date.fromisoformat(line[1:].strip())
        elif line.strip() and day is not None:
            dates.setdefault((base / line.strip()).resolve(), day)
    changed = frozenset((base / item[3:]).resolve() for item in dirty.split("\x00") if len(item) > 3)
    return dates, changed


class SourceDates:
    """Change days of a KB's files; git is asked once, on first use (keep one for a run, not longer).

    ``only``: the files that will be asked about, when they are few (one reply's notice): git then
    reads their history alone instead of the whole KB's.
    """

    def __init__(self, root: Path, only: Sequence[Path] = ()) -> None:
        self.root = root
        self.only = tuple(str(p.resolve()) for p in only) or (".",)

    @cached_property
    def _git(self) -> tuple[dict[Path, date], frozenset[Path]]:
        return _git_dates(self.root.resolve(), self.only)

    def file_changed_on(self, path: Path) -> date | None:
        dates, dirty = self._git
        resolved = path.resolve()
        if resolved in dates and resolved not in dirty:
            return dates[resolved]
        try:
            return datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
        except OSError:
            return None


def source_changed_on(
    kb: KnowledgeBase,
    entry: Entry,
    index: TemplateIndex | None = None,
    dates: SourceDates | None = None,
    previous: SourceSnapshot | None = None,
) -> date:
    """The day the entry's source text last changed (its newest source template or entry file).

    With ``previous`` (the source a translation was reviewed against), only the files whose part
    changed count: the entry file also holds every locale's questions, so its date says nothing
    about a template edit.
    """
    index = index if index is not None else templates_by_entry(kb)
    templates = index.get(kb.source_locale, {}).get(entry.template, ())
    files = [t.path for t in templates] + [entry.path]
    if previous is not None:
        now = source_snapshot(kb, entry, index)
        chosen = [t.path for t in templates if previous.templates.get(t.name) != now.templates.get(t.name)]
        if tuple(previous.questions) != tuple(now.questions):
            chosen.append(entry.path)
        files = chosen or files
    dates = dates or SourceDates(kb.root, files)
    days = [d for d in (dates.file_changed_on(f) for f in files) if d is not None]
    return max(days) if days else date(1970, 1, 1)
