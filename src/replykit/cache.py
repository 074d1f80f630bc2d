"""replykit's on-disk caches: the one module that finds the cache folder and reads and writes it.

Every cache (parsed KB, file manifest, search index, language model, tokenizer tables, fallback
chains, compiled templates) goes through here, so that these rules hold for all of them:

- **Versioned.** A file's name carries a salt: replykit's version, the Python version, the
  versions of the dependencies whose data the cache holds (Babel for fallback chains, Jinja for
  compiled templates) and the cache's format number. After an upgrade nothing stale is served.
- **Data only.** Caches are JSON or a *bundle* (a JSON header and raw typed arrays, memory-mapped
  on read): reading one cannot run code, unlike ``pickle``. Compiled templates are Python code by
  nature; they, like everything else, are read only from a folder that passes :func:`cache_dir`'s
  check (owned by the user, writable by nobody else).
- **Robust.** Writes are atomic (temp file + ``os.replace``), so concurrent processes and
  ``kill -9`` leave the old or the new file, never half of one. A missing, truncated or corrupt
  file reads as a miss and is rebuilt.
- **Optional.** No home folder, a read-only or full disk, a folder others could write to: the
  command still works, uncached, after one warning on stderr.
- **Pruned.** Files of KB versions beyond the last few (see :func:`remember_version`) and files
  unused for :data:`MAX_AGE_DAYS` are deleted.

It sits below everything that caches (``kb``, ``l10n``, ``matching``, ``langid``, ``rendering``)
and imports nothing of replykit.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import json
import mmap
import os
import re
import stat
import sys
import time
import weakref
from array import array
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2.bccache import BytecodeCache

#: Bump when the container layout (bundle header, salt recipe) changes.
FORMAT = 2
_MAGIC = b"RKCACHE1"
_ALIGN = 8
#: Cache files not touched for this long are deleted (checked at most once a day).
MAX_AGE_DAYS = 30
_PRUNE_STAMP = "pruned.stamp"
#: Cached versions kept per KB folder (switching between a few git branches stays fast); the
#: cache files of older ones are deleted, so the cache does not grow with each edit of the KB.
KEEP_VERSIONS = 3

_warned: set[str] = set()
#: Write failures that say the disk is full rather than the folder unusable: not warned about.
_TRANSIENT = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


def warn_once(message: str) -> None:
    """One line on stderr, once per process: a cache problem costs speed, never the command."""
    if message not in _warned:
        _warned.add(message)
        print(f"replykit: warning: {message}", file=sys.stderr)


# ---- the folder ------------------------------------------------------------------------------


def _configured_dir() -> tuple[Path | None, str]:
    """The folder the environment asks for, and where that came from (for warnings)."""
    explicit = os.environ.get("REPLYKIT_CACHE_DIR")
    if explicit:
        return Path(explicit), "$REPLYKIT_CACHE_DIR"
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "replykit", "$XDG_CACHE_HOME"
    try:
        home = Path.home()
    except (RuntimeError, KeyError):  # no $HOME and no passwd entry (a container's anonymous user)
        return None, "no home folder"
    return home / ".cache" / "replykit", "~/.cache"


def _unsafe_reason(folder: Path) -> str | None:
    """Why files in ``folder`` must not be trusted, or None when only the user can write there."""
    if os.name == "nt" or not hasattr(os, "geteuid"):
        return None  # ownership is ACL-based there; the user's profile folder is private already
    try:
        st = folder.stat()
    except OSError as e:
        return f"cannot read it ({e.strerror})"
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a folder"
    if st.st_uid != os.geteuid():
        return f"it belongs to another user (uid {st.st_uid})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return _OTHERS_CAN_WRITE
    return None


_OTHERS_CAN_WRITE = "other users can write to it"


def _tighten(folder: Path) -> str | None:
    """Make replykit's own default folder private again (earlier versions created it with the
    umask's mode, group-writable under umask 002) and drop what others could have put there.
    A folder named by $REPLYKIT_CACHE_DIR is the user's choice (a team share?): it is refused."""
    try:
        folder.chmod(0o700)
        for item in folder.iterdir():
            if item.is_symlink() or item.is_file():
                item.unlink()
            elif item.is_dir():  # perhaps another user's, with their files: renamed, never read
                item.rename(folder / f".untrusted-{os.getpid()}-{time.time_ns()}")
    except OSError as e:
        return f"{_OTHERS_CAN_WRITE} and it cannot be made private ({e.strerror})"
    return _unsafe_reason(folder)


@lru_cache(maxsize=8)
def _resolve(configured: Path | None, origin: str) -> Path | None:
    if configured is None:
        warn_once("no cache folder (no home folder): working without a cache; set REPLYKIT_CACHE_DIR to speed up")
        return None
    try:
        configured.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as e:
        warn_once(f"{configured}: cannot create the cache folder ({e.strerror}): working without a cache")
        return None
    reason = _unsafe_reason(configured)
    if reason == _OTHERS_CAN_WRITE and origin != "$REPLYKIT_CACHE_DIR":
        reason = _tighten(configured)
    if reason is not None:
        warn_once(
            f"{configured}: cache folder refused, {reason} ({origin}): working without a cache;"
            " use a folder only you can write to"
        )
        return None
    return configured


def cache_dir() -> Path | None:
    """The cache folder (created if needed), or None when there is no usable one.

    ``$REPLYKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/replykit``, else ``~/.cache/replykit``. A
    folder owned by another user or writable by group or others is refused: files planted there
    could change replies, and compiled templates are code.
    """
    configured, origin = _configured_dir()
    return _resolve(configured, origin)


# ---- keys ------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def dependency_version(distribution: str) -> str:
    """An installed distribution's version, read from its metadata without importing it.

    The ``<name>-<version>.dist-info`` folder names on ``sys.path`` answer first: importing
    ``importlib.metadata`` and parsing a METADATA file cost ~15 ms, a tenth of a question.
    """
    wanted = re.sub(r"[-_.]+", "_", distribution).lower()
    for folder in _path_listings():
        for name in folder:
            project, _, rest = name.removesuffix(".dist-info").partition("-")
            if name.endswith(".dist-info") and rest and re.sub(r"[-_.]+", "_", project).lower() == wanted:
                return rest
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "none"


@lru_cache(maxsize=1)
def _path_listings() -> tuple[tuple[str, ...], ...]:
    """The entries of every folder on ``sys.path``, in order (where distributions are installed)."""
    listings = []
    for entry in sys.path:
        try:
            listings.append(tuple(sorted(os.listdir(entry or "."))))
        except OSError:
            continue
    return tuple(listings)


@lru_cache(maxsize=64)
def salt(kind: str, fmt: int, deps: tuple[str, ...] = ()) -> str:
    """What invalidates a cache besides its own key: replykit's, Python's and ``deps``' versions,
    and the container's and the cache's format numbers."""
    from replykit import __version__

    parts = [
        kind, str(fmt), str(FORMAT), __version__, sys.version.split()[0], sys.byteorder,
        *(f"{d}={dependency_version(d)}" for d in deps),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]


def cache_file(kind: str, key: str, *, fmt: int, deps: Sequence[str] = (), suffix: str = "json") -> Path | None:
    """Where the ``kind`` cache for ``key`` lives (None when caching is off).

    The name is ``<kind>-<key>-<salt>.<suffix>``: :func:`remember_version` finds a KB version's
    files by its key.
    """
    folder = cache_dir()
    if folder is None:
        return None
    return folder / f"{kind}-{key}-{salt(kind, fmt, tuple(deps))}.{suffix}"


# ---- writing ---------------------------------------------------------------------------------


def write_atomic(
    path: Path, data: bytes | Sequence[bytes | memoryview | FileSpan], *, mode: int | None = None,
    durable: bool = False,
) -> None:
    """Write a file so that readers see the old or the new content, never a half-written one.

    ``data`` may be a list of parts, written in turn (a big index is never joined in memory); a
    :class:`FileSpan` part is copied from its file by the kernel.
    The file is private (0600) unless ``mode`` says otherwise, set before it takes the name, so
    it is never seen with other permissions; ``durable`` flushes it to disk first (a user's file,
    not a cache that can be rebuilt)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # here: importing it costs ~10 ms (random, shutil), and a cached question writes nothing

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                os.fchmod(f.fileno(), mode)
            for part in (data,) if isinstance(data, bytes) else data:
                if isinstance(part, FileSpan):
                    f.flush()
                    _copy_span(part, f.fileno())
                else:
                    f.write(part)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _store(path: Path | None, data: bytes | Sequence[bytes | memoryview | FileSpan]) -> None:
    if path is None:
        return
    try:
        write_atomic(path, data)
    except OSError as e:  # a read-only or full cache folder only costs speed
        if e.errno not in _TRANSIENT:  # a full disk is reported by what the user writes, not twice
            warn_once(f"{path.parent}: cannot write the cache ({e.strerror}): working without it")


def json_bytes(data: object) -> bytes:
    """Compact UTF-8 JSON; lone surrogates (text that came from undecodable bytes) survive."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def json_value(raw: bytes) -> Any:
    """The value :func:`json_bytes` wrote (ValueError when it is not such JSON)."""
    return json.loads(raw.decode("utf-8", "surrogatepass"))


def write_json(path: Path | None, data: object) -> None:
    """Store JSON-able ``data`` (None ``path``: caching is off)."""
    _store(path, json_bytes(data))
    _prune_now_and_then(path)


def read_json(path: Path | None) -> Any:
    """The stored JSON value, or None when missing or unreadable (then the caller rebuilds it)."""
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            return json_value(f.read())
    except (OSError, ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None


# ---- bundles: a JSON header and raw arrays, memory-mapped -------------------------------------


class TextTable(Sequence[str]):
    """A stored list of strings read one at a time from the memory map (see ``tables`` of
    :func:`write_bundle`): a process that needs three of 125,000 phrasings decodes three."""

    __slots__ = ("_blob", "_offsets")

    def __init__(self, blob: memoryview, offsets: memoryview) -> None:
        self._blob = blob
        self._offsets = offsets

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def raw(self, i: int) -> bytes:
        return bytes(self._blob[self._offsets[i] : self._offsets[i + 1]])

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            if step == 1:
                return self.strings(start, stop)
            return [self[j] for j in range(start, stop, step)]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.raw(i).decode("utf-8", "surrogatepass")

    def strings(self, start: int = 0, stop: int | None = None) -> list[str]:
        """The strings from ``start`` to ``stop`` (default: all), decoded in one pass."""
        stop = len(self) if stop is None else stop
        if start >= stop:
            return []
        offsets = self._offsets
        base = offsets[start]
        blob = bytes(self._blob[base : offsets[stop]])
        ends = offsets[start : stop + 1]
        return [blob[a - base : b - base].decode("utf-8", "surrogatepass") for a, b in itertools.pairwise(ends)]

    def lower_bound(self, key: bytes) -> int:
        """In a table stored sorted, the first position whose UTF-8 bytes are not below ``key``
        (byte order is the code-point order of ``sorted``); ``len(self)`` when there is none."""
        lo, hi = 0, len(self)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.raw(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def find(self, text: str) -> int | None:
        """Position of ``text`` in a table stored sorted, or None."""
        key = text.encode("utf-8", "surrogatepass")
        at = self.lower_bound(key)
        return at if at < len(self) and self.raw(at) == key else None


class FileSpan:
    """Bytes of an open file, written into a new file by the kernel (``copy_file_range``) without
    passing through this process: an update that keeps most of a 256 MB bundle copies it this way."""

    __slots__ = ("fd", "offset", "size")

    def __init__(self, fd: int, offset: int, size: int) -> None:
        self.fd, self.offset, self.size = fd, offset, size


def _copy_span(span: FileSpan, out: int) -> None:
    """Append ``span`` at ``out``'s position (the kernel copies; else through an 8 MB buffer)."""
    done = 0
    copy = getattr(os, "copy_file_range", None)
    while copy is not None and done < span.size:
        try:
            got = copy(span.fd, out, span.size - done, span.offset + done)
        except OSError:  # another file system, or no such call in this kernel
            break
        if got <= 0:
            break
        done += got
    while done < span.size:
        chunk = os.pread(span.fd, min(span.size - done, 8 << 20), span.offset + done)
        if not chunk:
            raise OSError(errno.EIO, "the file to copy from is shorter than expected")
        _write_all(out, chunk)
        done += len(chunk)


def _write_all(out: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(out, view) :]


class Bundle:
    """A bundle read from disk: ``meta`` (JSON), typed ``arrays``, ``texts`` (lists of str) and
    ``tables`` (:class:`TextTable`, read lazily).

    Arrays are memoryviews over a read-only memory map: a process reads only the pages it touches,
    and processes share them through the page cache.
    """

    def __init__(
        self, meta: Any, arrays: dict[str, memoryview], texts: dict[str, list[str]], tables: dict[str, TextTable],
        offsets: dict[str, int] | None = None, fd: int | None = None,
    ) -> None:
        self.meta = meta
        self.arrays = arrays
        self.texts = texts
        self.tables = tables
        #: Where each array starts in the file, for :meth:`read_into`.
        self._offsets = offsets or {}
        self._fd = fd
        if fd is not None:
            weakref.finalize(self, os.close, fd)

    def span(self, name: str, start: int, size: int) -> FileSpan | None:
        """Bytes ``start`` to ``start + size`` of array ``name``, to copy into a new bundle (None
        when they are not all there)."""
        base = self._offsets.get(name)
        array_size = self.arrays[name].nbytes if name in self.arrays else 0
        if self._fd is None or base is None or start < 0 or size < 0 or start + size > array_size:
            return None
        if not hasattr(os, "pread"):  # no positioned reads here (Windows): the caller copies otherwise
            return None
        return FileSpan(self._fd, base + start, size)

    def read_into(self, name: str, start: int, out: ArrayLike) -> bool:
        """Copy the bytes of array ``name`` from byte ``start`` into ``out`` (a writable buffer)
        with ``pread``, not through the map: a mapped page of a file the kernel caches in large
        folios makes up to 2 MB resident, so reading 256 scattered rows through the map counted
        230 MB against the process. False when the bytes are not all there."""
        view = memoryview(out).cast("B")
        base = self._offsets.get(name)
        array_size = self.arrays[name].nbytes if name in self.arrays else 0
        preadv = getattr(os, "preadv", None)  # None on Windows: the caller reads through the map
        if preadv is None or self._fd is None or base is None or start < 0 or start + view.nbytes > array_size:
            return False
        done = 0
        while done < view.nbytes:
            got = preadv(self._fd, [view[done:]], base + start + done)
            if got <= 0:
                return False
            done += got
        return True


ArrayLike = Any  # array.array, bytes or memoryview: anything exporting a contiguous buffer


def write_bundle(
    path: Path | None,
    meta: object,
    arrays: Mapping[str, ArrayLike] | None = None,
    texts: Mapping[str, Sequence[str]] | None = None,
    tables: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Store ``meta`` (JSON-able), typed arrays (``array('i')``, ..., or a list of parts of one byte
    array: buffers and :class:`FileSpan`) and lists of strings: ``texts`` are read back whole,
    ``tables`` one string at a time (:class:`TextTable`)."""
    if path is None:
        return
    layout: dict[str, list[object]] = {}
    blobs: list[bytes | memoryview | FileSpan] = []
    offset = 0

    def add(name: str, typecode: str, *parts: bytes | memoryview | FileSpan) -> None:
        nonlocal offset
        size = sum(p.nbytes if isinstance(p, memoryview) else p.size if isinstance(p, FileSpan) else len(p)
                   for p in parts)
        pad = -size % _ALIGN
        layout[name] = [typecode, offset, size]
        blobs.extend(parts)  # the arrays themselves, not copies: written straight to the file
        blobs.append(b"\0" * pad)
        offset += size + pad

    for name, values in (arrays or {}).items():
        if isinstance(values, list):  # parts of one byte array: bytes, buffers, spans of another file
            add(name, "B", *(p if isinstance(p, FileSpan) else _raw_bytes(memoryview(p)) for p in values))
            continue
        view = memoryview(values)
        add(name, view.format, _raw_bytes(view))
    text_layout: dict[str, str] = {}
    for name, strings in (texts or {}).items():
        if any("\0" in s for s in strings):  # cannot join on NUL: JSON keeps it exact
            text_layout[name] = "json"
            add(f"text:{name}", "B", json_bytes(list(strings)))
        else:
            text_layout[name] = "nul"
            add(f"text:{name}", "B", "\0".join(strings).encode("utf-8", "surrogatepass") + (b"\0" if strings else b""))
    for name, strings in (tables or {}).items():
        encoded = [t.encode("utf-8", "surrogatepass") for t in strings]
        ends: array[int] = array("q", [0])
        total = 0
        for item in encoded:
            total += len(item)
            ends.append(total)
        add(f"table:{name}", "B", b"".join(encoded))
        add(f"table-offsets:{name}", "q", ends.tobytes())
    header = json_bytes(
        {"meta": meta, "arrays": layout, "texts": text_layout, "tables": sorted(tables or {}), "size": offset}
    )
    head = _MAGIC + len(header).to_bytes(8, "little") + header
    head += b"\0" * (-len(head) % _ALIGN)
    _store(path, [head, *blobs])
    _prune_now_and_then(path)


def _raw_bytes(view: memoryview) -> bytes | memoryview:
    """The bytes of a buffer, without a copy (an empty one has no bytes to view: numpy's (0, 512)
    array cannot be cast)."""
    if not view.nbytes:
        return b""
    return view.cast("B") if view.format != "B" or view.ndim != 1 else view


def read_bundle(path: Path | None) -> Bundle | None:
    """A stored bundle, or None when it is missing, truncated or not a bundle."""
    if path is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        bundle = _parse_bundle(mapped, fd)
    except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError):  # ValueError: an empty file
        bundle = None
    if bundle is None:
        os.close(fd)
    return bundle


def _parse_bundle(mapped: mmap.mmap, fd: int | None = None) -> Bundle | None:
    if mapped[: len(_MAGIC)] != _MAGIC or len(mapped) < len(_MAGIC) + 8:
        return None
    length = int.from_bytes(mapped[len(_MAGIC) : len(_MAGIC) + 8], "little")
    start = len(_MAGIC) + 8
    if start + length > len(mapped):
        return None
    header = json_value(mapped[start : start + length])
    base = start + length
    base += -base % _ALIGN
    if not isinstance(header, dict) or base + int(header["size"]) != len(mapped):
        return None
    whole = memoryview(mapped)
    arrays: dict[str, memoryview] = {}
    begins: dict[str, int] = {}
    for name, (typecode, offset, size) in header["arrays"].items():
        begin = base + int(offset)
        if offset < 0 or size < 0 or begin + size > len(mapped):
            return None
        begins[name] = begin
        view = whole[begin : begin + size]
        arrays[name] = view.cast(typecode) if typecode != "B" else view
    texts: dict[str, list[str]] = {}
    for name, how in header["texts"].items():
        raw = bytes(arrays.pop(f"text:{name}"))
        if how == "json":
            found = json_value(raw)
            if not isinstance(found, list) or not all(isinstance(s, str) for s in found):
                return None
            texts[name] = found
        else:
            texts[name] = raw.decode("utf-8", "surrogatepass").split("\0")[:-1] if raw else []
    tables: dict[str, TextTable] = {}
    for name in header["tables"]:
        blob, offsets = arrays.pop(f"table:{name}"), arrays.pop(f"table-offsets:{name}")
        if len(offsets) < 1 or offsets[0] != 0 or offsets[-1] != len(blob):
            return None
        tables[name] = TextTable(blob, offsets)
    return Bundle(header["meta"], arrays, texts, tables, begins, fd)


# ---- pruning ---------------------------------------------------------------------------------


def remember_version(owner: str, key: str) -> None:
    """Record ``key`` as the current version of ``owner`` (a KB folder) and delete the cache files
    of its versions beyond the last :data:`KEEP_VERSIONS` (files named ``<kind>-<key>-...``)."""
    folder = cache_dir()
    if folder is None:
        return
    history_file = folder / f"versions-{owner}.txt"
    history = versions(owner)
    if history[:1] == [key]:
        return
    history = [key, *(old for old in history if old != key)]
    with contextlib.suppress(OSError):
        write_atomic(history_file, "\n".join(history[:KEEP_VERSIONS]).encode("ascii") + b"\n")
        for old in history[KEEP_VERSIONS:]:
            for stale in folder.glob(f"*-{old}-*"):
                stale.unlink(missing_ok=True)


def versions(owner: str) -> list[str]:
    """The keys :func:`remember_version` recorded for ``owner``, newest first (what an incremental
    update starts from)."""
    folder = cache_dir()
    if folder is None:
        return []
    try:
        return (folder / f"versions-{owner}.txt").read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return []


#: Files this module writes (and temp files a killed process left): pruning touches nothing else,
#: whatever else a user keeps in a folder named by $REPLYKIT_CACHE_DIR.
_OURS = re.compile(r"(?:[a-z]+-[0-9a-z]+(?:-[0-9a-f]+)?\.(?:json|bundle|txt)|[0-9a-f-]+\.code|\..+\.tmp)")
#: What replykit before this module left: pickles (never read now, some of them a gigabyte).
_LEGACY = re.compile(r"(?:[a-z]+-.+\.pickle|wordllama-.+\.tables|[0-9a-f]+-.+\.cache)")


def _prune_now_and_then(written: Path | None) -> None:
    """Delete our files unused for :data:`MAX_AGE_DAYS` (other versions' caches) and the old
    pickle caches, at most once a day."""
    if written is None:
        return
    folder = written.parent
    stamp = folder / _PRUNE_STAMP
    now = time.time()
    try:
        if now - stamp.stat().st_mtime < 86400:
            return
    except FileNotFoundError:
        pass
    except OSError:
        return
    with contextlib.suppress(OSError):
        stamp.touch()
        cutoff = now - MAX_AGE_DAYS * 86400
        for item in (*folder.iterdir(), *(folder / "templates").glob("*")):
            with contextlib.suppress(OSError):
                st = item.lstat()
                if not stat.S_ISREG(st.st_mode):
                    continue
                old = max(st.st_atime, st.st_mtime) < cutoff
                if _LEGACY.fullmatch(item.name) or (old and _OURS.fullmatch(item.name)):
                    item.unlink()


# ---- compiled templates ----------------------------------------------------------------------


def template_bytecode_cache(compiles_with: str) -> BytecodeCache | None:
    """Jinja's compiled templates on disk, for environments compiling as ``compiles_with`` says.

    Compiled code is code: it is only read from the checked folder of :func:`cache_dir`. The
    files hold Jinja's checksum as text and the marshalled code (Jinja's own format starts with a
    pickle); a file that does not parse is a miss.
    """
    folder = cache_dir()
    if folder is None:
        return None
    from jinja2.bccache import Bucket, BytecodeCache

    prefix = salt("templates", 1, ("Jinja2",)) + "-" + hashlib.sha256(compiles_with.encode()).hexdigest()[:12]
    where = folder / "templates"
    try:
        where.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    reason = _unsafe_reason(where)
    if reason is not None:
        warn_once(f"{where}: compiled templates not cached, {reason}")
        return None

    class CompiledTemplates(BytecodeCache):
        def _file(self, bucket: Bucket) -> Path:
            return where / f"{prefix}-{bucket.key}.code"

        def load_bytecode(self, bucket: Bucket) -> None:
            import marshal

            try:
                data = self._file(bucket).read_bytes()
                checksum, _, code = data.partition(b"\n")
                if checksum.decode("ascii") == bucket.checksum:
                    bucket.code = marshal.loads(code)
            except (OSError, ValueError, EOFError, TypeError):
                bucket.reset()

        def dump_bytecode(self, bucket: Bucket) -> None:
            import marshal

            if bucket.code is not None:
                _store(self._file(bucket), bucket.checksum.encode("ascii") + b"\n" + marshal.dumps(bucket.code))

    return CompiledTemplates()
