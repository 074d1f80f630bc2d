"""Find, read and validate a KB folder into a :class:`KnowledgeBase`, reporting every problem at once.

Loading is shared by every command. A second load of unchanged files is served from an on-disk
cache keyed by the files' content, so the hot path (``suggest``) skips YAML parsing entirely and
does not even import it: validation lives in :mod:`replykit.kb.build`, imported on a cache miss.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import pickle
import stat
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from replykit.errors import KBError, KBNotFoundError, Problem, UserError
from replykit.kb.model import KnowledgeBase

CONFIG_NAME = "replykit.yaml"
CACHE_FORMAT = 2  # 2: KB validation grew (bounded YAML, config schema, file checks): rebuild old caches


@dataclass
class LoadResult:
    """A KB built from everything that was valid, with the problems found on the way.

    ``kb`` is None when not even replykit.yaml could be read. lint reports ``problems`` as findings;
    every other command refuses a KB with problems (see :func:`load_kb`).
    """

    kb: KnowledgeBase | None
    problems: list[Problem] = field(default_factory=list)


# ---- finding the KB --------------------------------------------------------------------------


def find_kb_root(explicit: str | os.PathLike[str] | None = None, start: Path | None = None) -> Path:
    """``--kb DIR``, else ``$REPLYKIT_KB``, else the first folder upwards holding replykit.yaml."""
    chosen = explicit if explicit not in (None, "") else os.environ.get("REPLYKIT_KB") or None
    if chosen is not None:
        root = Path(chosen).expanduser()
        if root.is_file() and root.name == CONFIG_NAME:
            root = root.parent
        if not (root / CONFIG_NAME).is_file():
            origin = "--kb" if explicit not in (None, "") else "$REPLYKIT_KB"
            raise KBNotFoundError(
                f"{root}: no {CONFIG_NAME} there ({origin}): point it at the folder that holds {CONFIG_NAME}"
            )
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise KBNotFoundError(
        f"no {CONFIG_NAME} in {here} or any folder above it: run inside a KB, or give --kb DIR or set $REPLYKIT_KB"
    )


# ---- the public calls ------------------------------------------------------------------------


def load_kb(path: str | os.PathLike[str] | None = None, *, use_cache: bool = True) -> KnowledgeBase:
    """Load and validate the KB at ``path`` (or found as :func:`find_kb_root` does).

    Raises KBError with every problem when the KB is not clean.
    """
    result = load_kb_report(path, use_cache=use_cache)
    if result.problems or result.kb is None:
        raise KBError(result.problems)
    return result.kb


def load_kb_report(path: str | os.PathLike[str] | None = None, *, use_cache: bool = True) -> LoadResult:
    """Load as much of the KB as is valid and list every problem (what lint needs)."""
    root = find_kb_root(path).resolve()
    folder = _cache_dir()
    root_key = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    manifest_file = folder / f"manifest-{root_key}.pickle"
    manifest = read_cached(manifest_file, dict) if use_cache else None
    manifest = manifest if manifest is not None else {}
    before = dict(manifest)
    files = _collect_files(root, manifest)
    fingerprint = _fingerprint(root, files)
    if use_cache and manifest != before:
        write_cached(manifest_file, manifest)
    if files.unsafe:  # a link leaving the KB, an unreadable replykit.yaml: nothing is built from it
        return LoadResult(None, sorted(files.problems))
    cache_file = folder / f"kb-{fingerprint}.pickle"
    # Files left out of the listing (a dangling link, a name that is not UTF-8) do not change the
    # fingerprint: a KB with such problems is never served from the cache, so they are reported.
    if use_cache and not files.problems:
        _remember_fingerprint(folder, root_key, fingerprint)
        cached = read_cached(cache_file, KnowledgeBase)
        if cached is not None and cached.root == root:
            return LoadResult(cached)
    from replykit.kb.build import build_kb  # YAML and validation: only when the cache misses

    result = build_kb(root, files, fingerprint)
    result.problems.extend(files.problems)
    result.problems.sort()
    if use_cache and result.kb is not None and not result.problems:
        write_cached(cache_file, result.kb)
    return result


# ---- files and fingerprint -------------------------------------------------------------------

KB_FOLDERS = (("kb", (".yaml", ".yml")), ("templates", (".j2",)), ("locales", (".yaml", ".yml")))
#: A file modified this recently may change again within the same mtime tick: always re-read it.
RACY_SECONDS = 2.0


@dataclass
class KBFiles:
    """The KB's files as (absolute path text, relative path, content digest), and bytes when read.

    ``problems`` are files that could not be listed or read (a symlink loop, a link leaving the KB,
    an unreadable or oversized file, a name that is not UTF-8); they are left out of ``found``.
    ``unsafe`` is set when one of them makes the whole KB unusable (a link leaving the KB).
    """

    root: Path
    found: dict[str, list[tuple[str, str]]]  # folder -> [(abs, rel)] sorted by rel
    digests: dict[str, bytes]  # rel -> sha256 digest
    contents: dict[str, bytes]  # rel -> bytes, for files read in this run
    problems: list[Problem] = field(default_factory=list)
    unsafe: bool = False

    def read(self, rel: str, absolute: str) -> bytes:
        data = self.contents.get(rel)
        if data is None:
            with open(absolute, "rb") as f:
                data = f.read()
            self.contents[rel] = data
        return data

    def each(self, folder: str) -> list[tuple[str, bytes]]:
        return [(absolute, self.read(rel, absolute)) for absolute, rel in self.found.get(folder, [])]


#: Folders one KB may hold below kb/, templates/ and locales/ (symlinks included): a KB of 5,000
#: entries needs a few hundred; a diamond of folder links would otherwise be walked exponentially.
MAX_FOLDERS = 20_000


def shown_path(path: str) -> str:
    """A path printable on any terminal: bytes that are not UTF-8 as escapes, no control characters."""
    from replykit.printable import printable

    return printable(os.fsencode(path).decode("utf-8", "backslashreplace"))


@dataclass
class _Walk:
    """Lists a KB folder's files: follows links inside the KB, refuses those that leave it or loop."""

    root: str  # the KB root, resolved
    problems: list[Problem]
    unsafe: bool = False
    folders: int = 0

    def refuse(self, path: str, message: str, *, unsafe: bool = False) -> None:
        self.problems.append(Problem(Path(shown_path(path)), 1, 1, message))
        self.unsafe = self.unsafe or unsafe

    def inside(self, real: str) -> bool:
        return real == self.root or real.startswith(self.root + os.sep)

    def files(self, base: str, suffixes: tuple[str, ...]) -> list[tuple[str, os.stat_result]]:
        out: list[tuple[str, os.stat_result]] = []
        if os.path.islink(base) and not self.inside(os.path.realpath(base)):
            self.refuse(base, f"links outside the KB (to {shown_path(os.path.realpath(base))}): replace the link"
                        " with the folder itself", unsafe=True)
            return out
        stack: list[tuple[str, tuple[str, ...]]] = [(base, (os.path.realpath(base),))]
        while stack:
            folder, chain = stack.pop()
            self.folders += 1
            if self.folders > MAX_FOLDERS:
                self.refuse(folder, f"more than {MAX_FOLDERS:,} folders (check for folder links): stop here",
                            unsafe=True)
                return out
            try:
                with os.scandir(folder) as it:
                    items = list(it)
            except (NotADirectoryError, FileNotFoundError):
                continue
            except OSError as e:
                self.refuse(folder, f"cannot list this folder ({e.strerror}): fix its permissions")
                continue
            for item in items:
                if not item.name.startswith("."):
                    self._item(item, chain, suffixes, stack, out)
        return out

    def _item(
        self,
        item: os.DirEntry[str],
        chain: tuple[str, ...],
        suffixes: tuple[str, ...],
        stack: list[tuple[str, tuple[str, ...]]],
        out: list[tuple[str, os.stat_result]],
    ) -> None:
        path, link = item.path, False
        try:
            os.fsencode(item.name).decode("utf-8")
        except UnicodeDecodeError:
            self.refuse(path, "the file name is not UTF-8: rename it")
            return
        try:
            link = item.is_symlink()
            real = os.path.realpath(path) if link else os.path.join(chain[-1], item.name)
            if link and not self.inside(real):
                self.refuse(path, f"links outside the KB (to {shown_path(real)}): replace the link with a copy,"
                            " or remove it", unsafe=True)
                return
            st = item.stat()
        except OSError as e:  # a dangling link, a link loop (ELOOP), no permission
            if link or item.name.endswith(suffixes):
                known = {errno.ENOENT: "a link to nothing", errno.ELOOP: "a link that loops"}
                what = known.get(e.errno or 0, f"cannot be read ({e.strerror})")
                self.refuse(path, f"{what}: fix or remove it")
            return
        if stat.S_ISDIR(st.st_mode):
            if real in chain:
                self.refuse(path, "a folder link that loops back to a folder above it: remove the link")
                return
            stack.append((path, (*chain, real)))
        elif item.name.endswith(suffixes) and stat.S_ISREG(st.st_mode):
            out.append((path, st))


#: A KB file, replykit.yaml or order file larger than this is refused unread (an entry is ~1 KB).
MAX_FILE_BYTES = 4 * 1024 * 1024


def too_big(path: Path | str, size: int) -> Problem | None:
    """A problem for a file above :data:`MAX_FILE_BYTES`, checked before reading it."""
    if size <= MAX_FILE_BYTES:
        return None
    limit = MAX_FILE_BYTES // (1024 * 1024)
    return Problem(Path(path), 1, 1, f"file is {size / 1024 / 1024:.1f} MB, above the {limit} MB limit: split it")


def _collect_files(root: Path, manifest: dict[str, tuple[int, int, bytes]]) -> KBFiles:
    """List the KB's files and their content digests, re-reading only files whose stat changed."""
    root_text = str(root)
    prefix = len(root_text) + 1
    config = os.path.join(root_text, CONFIG_NAME)
    listing: dict[str, list[tuple[str, os.stat_result]]] = {"config": [(config, os.stat(config))]}
    walk = _Walk(root_text, [])
    for folder, suffixes in KB_FOLDERS:
        listing[folder] = walk.files(os.path.join(root_text, folder), suffixes)
    files = KBFiles(root, {}, {}, {}, walk.problems, walk.unsafe)
    now = time.time()
    for folder, items in listing.items():
        pairs = sorted(((absolute, absolute[prefix:].replace(os.sep, "/")), st) for absolute, st in items)
        files.found[folder] = []
        for (absolute, rel), st in pairs:
            known = manifest.get(rel)
            if known and known[0] == st.st_size and known[1] == st.st_mtime_ns:
                files.digests[rel] = known[2]
            else:
                refused = too_big(absolute, st.st_size)
                if refused is None:
                    try:
                        files.digests[rel] = hashlib.sha256(files.read(rel, absolute)).digest()
                    except OSError as e:
                        message = f"cannot be read ({e.strerror}): fix its permissions"
                        refused = Problem(Path(absolute), 1, 1, message)
                if refused is not None:  # left out of the KB; its stat keys the fingerprint
                    files.problems.append(refused)
                    files.digests[rel] = f"unread {st.st_size} {st.st_mtime_ns}".encode()
                    files.unsafe = files.unsafe or folder == "config"
                    continue
            files.found[folder].append((absolute, rel))
            if now - st.st_mtime > RACY_SECONDS:
                manifest[rel] = (st.st_size, st.st_mtime_ns, files.digests[rel])
            else:
                manifest.pop(rel, None)
    return files


def _fingerprint(root: Path, files: KBFiles) -> str:
    digest = hashlib.sha256()
    digest.update(f"{CACHE_FORMAT}\0{sys.version_info[:2]}\0{root}\0".encode())
    for rel in sorted(files.digests):
        digest.update(rel.encode() + b"\0" + files.digests[rel])
    return digest.hexdigest()[:32]


def _cache_dir() -> Path:
    explicit = os.environ.get("REPLYKIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "replykit"


def cache_dir() -> Path:
    """Where replykit keeps parsed KBs and search indexes ($REPLYKIT_CACHE_DIR overrides)."""
    return _cache_dir()


T = TypeVar("T")


def read_cached(cache_file: Path, kind: type[T]) -> T | None:
    """A cached object, or None when it is missing, unreadable or from another replykit."""
    try:
        with open(cache_file, "rb") as f:
            obj = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return obj if isinstance(obj, kind) else None


class WriteFailedError(UserError, OSError):
    """A file could not be written (disk full, read-only, no permission); its old content is intact.

    Also an OSError, so a cache write that fails keeps costing only speed where OSError is ignored.
    """

    def __init__(self, path: Path, cause: OSError) -> None:
        reason = cause.strerror or str(cause)
        super().__init__(cause.errno, f"{path}: cannot be written ({reason}): free some space or fix the"
                         " folder's permissions, then retry; the file was left as it was")

    def __str__(self) -> str:
        return str(self.strerror)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old or the new content, never a half-written one.

    Raises WriteFailedError (a UserError and an OSError) when the file cannot be written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise WriteFailedError(path, e) from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError) and not isinstance(e, WriteFailedError):
            raise WriteFailedError(path, e) from e
        raise


#: Cached versions kept per KB folder (switching between a few git branches stays fast); older
#: ones are deleted, with every index or model derived from them, so the cache does not grow with
#: each edit of the KB.
KEEP_VERSIONS = 3


def _remember_fingerprint(folder: Path, root_key: str, fingerprint: str) -> None:
    """Record the KB folder's current version and delete the cache files of versions beyond the last few."""
    history_file = folder / f"versions-{root_key}.txt"
    try:
        history = history_file.read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        history = []
    if history[:1] == [fingerprint]:
        return
    history = [fingerprint, *(old for old in history if old != fingerprint)]
    with contextlib.suppress(OSError):
        write_atomic(history_file, "\n".join(history[:KEEP_VERSIONS]).encode("ascii") + b"\n")
        for old in history[KEEP_VERSIONS:]:
            for stale in folder.glob(f"*-{old}.pickle"):
                stale.unlink(missing_ok=True)


def write_cached(cache_file: Path, obj: object) -> None:
    """Pickle ``obj`` into the cache; a read-only or full cache folder only costs speed."""
    with contextlib.suppress(OSError):  # a read-only or full cache folder only costs speed
        write_atomic(cache_file, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
