"""Find, read and validate a KB folder into a :class:`KnowledgeBase`, reporting every problem at once.

Loading is shared by every command. A second load of unchanged files is served from an on-disk
cache keyed by the files' content, so the hot path (``suggest``) skips YAML parsing entirely and
does not even import it: validation lives in :mod:`replykit.kb.build`, imported on a cache miss.
"""

from __future__ import annotations

import errno
import hashlib
import operator
import os
import stat
import sys
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from replykit import cache
from replykit.errors import KBError, KBNotFoundError, Problem, UserError
from replykit.kb.model import KnowledgeBase
from replykit.kb.stored import Previous, Sources, read_kb, read_previous, write_kb

CONFIG_NAME = "replykit.yaml"
#: Bump when what the fingerprint covers changes (it keys every cache derived from the KB).
#: 2: KB validation grew (bounded YAML, config schema, file checks): rebuild old caches.
FINGERPRINT_FORMAT = 2


@dataclass
class LoadResult:
    """A KB built from everything that was valid, with the problems found on the way.

    ``kb`` is None when not even replykit.yaml could be read. lint reports ``problems`` as findings;
    every other command refuses a KB with problems (see :func:`load_kb`).
    """

    kb: KnowledgeBase | None
    problems: list[Problem] = field(default_factory=list)
    #: What the entries and templates were read from (stored with the KB for the next version).
    sources: Sources | None = None


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
    root_key = folder_key(root)
    manifest_path = cache.cache_file("manifest", root_key, fmt=MANIFEST_FORMAT, suffix="bundle") if use_cache else None
    files, fingerprint, entries_key = _collect_files(root, manifest_path)
    _ENTRIES_KEYS[fingerprint] = entries_key
    if files.unsafe:  # a link leaving the KB, an unreadable replykit.yaml: nothing is built from it
        return LoadResult(None, sorted(files.problems))
    # Files left out of the listing (a dangling link, a name that is not UTF-8) do not change the
    # fingerprint: a KB with such problems is never served from the cache, so they are reported.
    if use_cache and not files.problems:
        cache.remember_version(root_key, fingerprint)
        cache.remember_version(f"{root_key}-entries", entries_key)
        cached = read_kb(fingerprint, root)
        if cached is not None:
            return LoadResult(cached)
    from replykit.kb.build import build_kb  # YAML and validation: only when the cache misses

    files.digest_all()
    previous = _previous_version(root_key, fingerprint, root) if use_cache and not files.problems else None
    result = build_kb(root, files, fingerprint, previous)
    result.problems.extend(files.problems)
    result.problems.sort()
    if use_cache and result.kb is not None and not result.problems:
        write_kb(result.kb, result.sources)
    return result


def _previous_version(root_key: str, fingerprint: str, root: Path) -> Previous | None:
    """The last stored version of this KB folder before ``fingerprint``: an edit of one entry file
    parses that file again, not the 5,000 others."""
    for earlier in cache.versions(root_key):
        if earlier != fingerprint:
            found = read_previous(earlier, root)
            if found is not None:
                return found
    return None


def folder_key(root: Path) -> str:
    """A key for the caches of one KB folder (its manifest, the versions of it that are kept)."""
    return hashlib.sha256(str(root).encode()).hexdigest()[:16]


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
    #: The manifest every file matched (then ``digests`` is filled from it only on demand).
    recorded: _Manifest | None = None

    def digest_all(self) -> None:
        """Fill ``digests`` when every file matched the manifest (a warm load does not need them)."""
        if self.recorded is not None and not self.digests:
            self.digests.update((rel, found[1]) for rel, found in self.recorded.as_dict().items())

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
                name = item.name
                if name.startswith("."):
                    continue
                # The common case first, without the checks a link, a folder or an odd name needs
                # (30,000 files are listed on every question).
                if name.endswith(suffixes) and name.isascii() and not item.is_symlink():
                    try:
                        st = item.stat()
                    except OSError:
                        st = None
                    if st is not None and stat.S_ISREG(st.st_mode):
                        out.append((item.path, st))
                        continue
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


#: What a file's stat must still say for its recorded digest to be trusted: size, mtime, ctime and
#: inode. ``cp -p`` and ``rsync -a`` keep size and mtime, but the kernel sets ctime on every write
#: (no user call can set it back), and a file replaced by rename gets a new inode.
Identity = tuple[int, int, int, int]


_stat_fields = operator.attrgetter("st_size", "st_mtime_ns", "st_ctime_ns", "st_ino")
_first = operator.itemgetter(0)


def _identity(st: os.stat_result) -> Identity:
    return cast(Identity, _stat_fields(st))


def _collect_files(root: Path, manifest_path: Path | None) -> tuple[KBFiles, str, str]:
    """List the KB's files and compute its fingerprint and entries key (:func:`entries_key`),
    re-reading only files whose stat changed.

    When every file's stat is what the manifest recorded, the fingerprint is the recorded one: a
    question on an unchanged 30,000-file KB costs the stat calls and two comparisons of flat arrays.
    """
    root_text = str(root)
    prefix = len(root_text) + 1
    config = os.path.join(root_text, CONFIG_NAME)
    listing: dict[str, list[tuple[str, os.stat_result]]] = {"config": [(config, os.stat(config))]}
    walk = _Walk(root_text, [])
    for folder, suffixes in KB_FOLDERS:
        listing[folder] = walk.files(os.path.join(root_text, folder), suffixes)
    files = KBFiles(root, {}, {}, {}, walk.problems, walk.unsafe)
    every: list[tuple[str, str, os.stat_result]] = []
    for folder, items in listing.items():
        listed = [(absolute[prefix:], absolute, st) for absolute, st in items]
        if os.sep != "/":
            listed = [(rel.replace(os.sep, "/"), absolute, st) for rel, absolute, st in listed]
        listed.sort(key=_first)
        files.found[folder] = [(absolute, rel) for rel, absolute, _ in listed]
        every += listed
    every.sort(key=_first)  # one order for the manifest (each folder's list is sorted already)
    names = [rel for rel, _, _ in every]
    stats = array("q", [x for _, _, st in every for x in _stat_fields(st)])
    stored = _Manifest.read(manifest_path)
    if stored.fingerprint is not None and stored.names == names and stored.stats == stats.tobytes():
        files.recorded = stored  # the digests, should the KB be built (its cache missed)
        return files, stored.fingerprint, stored.entries_key
    known = stored.as_dict()
    now = time.time()
    trusted: list[int] = []
    left_out: set[str] = set()
    for i, (rel, absolute, st) in enumerate(every):
        found = known.get(rel)
        if found is not None and found[0] == _identity(st):
            files.digests[rel] = found[1]
        else:
            refused = too_big(absolute, st.st_size)
            if refused is None:
                try:
                    files.digests[rel] = hashlib.sha256(files.read(rel, absolute)).digest()
                except OSError as e:
                    refused = Problem(Path(absolute), 1, 1, f"cannot be read ({e.strerror}): fix its permissions")
            if refused is not None:  # left out of the KB; its stat keys the fingerprint
                files.problems.append(refused)
                files.digests[rel] = f"unread {st.st_size} {st.st_mtime_ns}".encode()
                files.unsafe = files.unsafe or rel == CONFIG_NAME
                left_out.add(rel)
                continue
        if now - max(st.st_mtime, st.st_ctime) > RACY_SECONDS:
            trusted.append(i)
    if left_out:
        files.found = {folder: [(a, r) for a, r in pairs if r not in left_out] for folder, pairs in files.found.items()}
    fingerprint = _fingerprint(root, files)
    entries = _fingerprint(None, files, lambda rel: rel == CONFIG_NAME or rel.startswith("kb/"))
    if manifest_path is not None:
        complete = len(trusted) == len(every)  # a recent or unread file is hashed again by the next run
        updated = _Manifest(
            [names[i] for i in trusted],
            b"".join(stats[4 * i : 4 * i + 4].tobytes() for i in trusted),
            b"".join(files.digests[names[i]] for i in trusted),
            fingerprint if complete else None,
            entries,
        )
        if updated != stored:
            updated.write(manifest_path)
    return files, fingerprint, entries


def _fingerprint(root: Path | None, files: KBFiles, only: Callable[[str], bool] | None = None) -> str:
    digest = hashlib.sha256()
    digest.update(f"{FINGERPRINT_FORMAT}\0{sys.version_info[:2]}\0{root}\0".encode())
    for rel in sorted(files.digests):
        if only is None or only(rel):
            digest.update(rel.encode() + b"\0" + files.digests[rel])
    return digest.hexdigest()[:32]


_ENTRIES_KEYS: dict[str, str] = {}


def entries_key(kb: KnowledgeBase) -> str:
    """A key for caches derived from the entries and replykit.yaml alone (the search index, the
    language model): editing a template or a locale file keeps them. Any KB folder with the same
    entries and config shares them. The KB's fingerprint for a KB not loaded by this process."""
    return _ENTRIES_KEYS.get(kb.fingerprint, kb.fingerprint)


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


def write_atomic(path: Path, data: bytes, *, mode: int | None = None, durable: bool = False) -> None:
    """Write a file so that readers see the old or the new content, never a half-written one
    (``mode`` and ``durable`` as :func:`replykit.cache.write_atomic` takes them).

    Raises WriteFailedError (a UserError and an OSError) when the file cannot be written.
    """
    try:
        cache.write_atomic(path, data, mode=mode, durable=durable)
    except WriteFailedError:
        raise
    except OSError as e:
        raise WriteFailedError(path, e) from e


# ---- the file manifest: each file's stat identity and content digest, between runs ------------

MANIFEST_FORMAT = 5


@dataclass
class _Manifest:
    """Each trusted file's stat identity and content digest, sorted by path, as the last run saw
    them; ``fingerprint`` when that run trusted every file (then an unchanged KB needs no hashing)."""

    names: list[str]
    stats: bytes  # four int64 per file: size, mtime_ns, ctime_ns, inode
    digests: bytes  # 32 bytes (sha256) per file
    fingerprint: str | None
    entries_key: str = ""

    @classmethod
    def read(cls, path: Path | None) -> _Manifest:
        bundle = cache.read_bundle(path)
        empty = cls([], b"", b"", None, "")
        if bundle is None:
            return empty
        try:
            names, stats, digests = bundle.texts["files"], bundle.arrays["stats"], bundle.arrays["digests"]
            meta = bundle.meta
            if len(stats) != 4 * len(names) or len(digests) != 32 * len(names) or meta["format"] != FINGERPRINT_FORMAT:
                return empty
            return cls(names, stats.tobytes(), digests.tobytes(), meta["fingerprint"], meta["entries_key"])
        except (KeyError, TypeError):
            return empty

    def as_dict(self) -> dict[str, tuple[Identity, bytes]]:
        stats = memoryview(self.stats).cast("q")
        return {
            rel: (
                (stats[4 * i], stats[4 * i + 1], stats[4 * i + 2], stats[4 * i + 3]),
                self.digests[32 * i : 32 * i + 32],
            )
            for i, rel in enumerate(self.names)
        }

    def write(self, path: Path) -> None:
        meta = {"format": FINGERPRINT_FORMAT, "fingerprint": self.fingerprint, "entries_key": self.entries_key}
        cache.write_bundle(path, meta, {"stats": array("q", memoryview(self.stats).cast("q")), "digests": self.digests},
                           {"files": self.names})
