"""The parsed KB as a cache bundle: JSON that cannot run code, read one entry at a time.

A process that answers one question needs the KB's config and the few entries it suggests, not
all 5,000: each entry (and each locale's template table) is stored as its own JSON document in
one memory-mapped :class:`replykit.cache.Bundle` and decoded on first access by :class:`LazyMap`.

The JSON is tagged so that it round-trips the model exactly (tuples stay tuples, dates dates);
only the model's own record classes can be rebuilt from it, never an arbitrary one.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, cast

from replykit import cache
from replykit.kb import model
from replykit.kb.model import FrozenMap, KnowledgeBase

#: Bump when the stored layout changes (the model's classes gaining a field with a default do not need it).
#: 3: each entry's questions digest is stored (the search index is keyed by them).
KB_FORMAT = 3
#: Bytes of an entry's :func:`questions_digest`.
DIGEST_SIZE = 16
#: Whose data a stored KB holds besides replykit's: YAML's typed scalars, Babel's locale ids.
KB_DEPENDENCIES = ("PyYAML", "Babel")

_RECORDS: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        model.Position, model.Phrasing, model.Variable, model.Entry, model.TemplateFile, model.LocaleData,
        model.Config,
    )
}

K = TypeVar("K")
V = TypeVar("V")


class LazyMap(Mapping[K, V]):
    """A read-only mapping whose values are decoded from the cache on first access.

    ``raw`` gives a key's stored JSON document (written again as is when the KB is stored under a
    new fingerprint, see :func:`write_kb`); ``given`` values are already decoded and have none.
    """

    __slots__ = ("_keys", "_load", "_raw", "_values")

    def __init__(
        self,
        keys: Mapping[K, int],
        load: Callable[[int], V],
        raw: Callable[[int], bytes] | None = None,
        given: Mapping[K, V] | None = None,
    ) -> None:
        self._keys = keys
        self._load = load
        self._raw = raw
        self._values: dict[K, V] = dict(given or {})

    def __getitem__(self, key: K) -> V:
        found = self._values.get(key)
        if found is None:
            found = self._values[key] = self._load(self._keys[key])
        return found

    def __iter__(self) -> Iterator[K]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __repr__(self) -> str:
        return f"LazyMap({len(self._keys)} keys)"

    def stored(self, key: K) -> bytes | None:
        """``key``'s stored JSON document, or None when its value did not come from one."""
        at = self._keys[key]
        return None if self._raw is None or at < 0 else self._raw(at)


class NotStorable(TypeError):
    """The KB holds a value the tagged JSON does not know (the KB is then simply not cached)."""


def encode(value: Any) -> Any:
    """A JSON-able, tagged form of a model value."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    name = type(value).__name__
    if _RECORDS.get(name) is type(value):
        if isinstance(value, tuple):  # a NamedTuple
            return {"c": [name, [encode(v) for v in value]]}
        return {"c": [name, {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(cast(Any, value))}]}
    if isinstance(value, tuple):
        return {"t": [encode(v) for v in value]}
    if isinstance(value, (dict, FrozenMap, LazyMap)):
        return {"m" if not isinstance(value, dict) else "d": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, (set, frozenset)):
        return {"f" if isinstance(value, frozenset) else "s": [encode(v) for v in value]}
    if isinstance(value, Path):
        return {"p": str(value)}
    if isinstance(value, datetime.datetime):
        return {"T": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"D": value.isoformat()}
    if isinstance(value, Decimal):
        return {"N": str(value)}
    if isinstance(value, bytes):
        return {"b": base64.b64encode(value).decode("ascii")}
    raise NotStorable(f"cannot store a {type(value).__qualname__} in the KB cache")


def decode(value: Any) -> Any:
    """The model value :func:`encode` tagged; ValueError for anything else."""
    if not isinstance(value, (dict, list)):
        return value
    if isinstance(value, list):
        return [decode(v) for v in value]
    ((tag, payload),) = value.items()
    if tag == "c":
        name, fields = payload
        cls = _RECORDS[name]
        if isinstance(fields, dict):
            return cls(**{k: decode(v) for k, v in fields.items()})
        return cls(*[decode(v) for v in fields])
    if tag == "t":
        return tuple(decode(v) for v in payload)
    if tag in ("m", "d"):
        pairs = {decode(k) if isinstance(k, (dict, list)) else k: decode(v) for k, v in payload}
        return FrozenMap(pairs) if tag == "m" else pairs
    if tag == "f":
        return frozenset(decode(v) for v in payload)
    if tag == "s":
        return {decode(v) for v in payload}
    if tag == "p":
        return Path(payload)
    if tag == "T":
        return datetime.datetime.fromisoformat(payload)
    if tag == "D":
        return datetime.date.fromisoformat(payload)
    if tag == "N":
        return Decimal(payload)
    if tag == "b":
        return base64.b64decode(payload)
    raise ValueError(f"unknown tag {tag!r}")


def questions_digest(entry: model.Entry) -> bytes:
    """A digest of what the search index reads of an entry (its id, and its phrasings per locale in
    order): an edit elsewhere in the entry (variables, tags, a comment) keeps the index."""
    parts = [[locale, [p.text for p in phrasings]] for locale, phrasings in entry.questions.items()]
    return hashlib.sha256(cache.json_bytes([entry.id, parts])).digest()[:DIGEST_SIZE]


#: Per fingerprint of a KB stored or read by this process: each entry's questions digest.
_DIGESTS: dict[str, dict[str, bytes]] = {}


def questions_digests(kb: KnowledgeBase) -> dict[str, bytes]:
    """Each entry's :func:`questions_digest`, without decoding the entries of a KB read from the
    cache (they were stored with it)."""
    found = _DIGESTS.get(kb.fingerprint)
    if found is None or found.keys() != kb.entries.keys():
        found = {entry_id: questions_digest(entry) for entry_id, entry in kb.entries.items()}
    return found


def kb_file(fingerprint: str) -> Path | None:
    return cache.cache_file("kb", fingerprint, fmt=KB_FORMAT, deps=KB_DEPENDENCIES, suffix="bundle")


def write_kb(kb: KnowledgeBase, files: Sources | None = None) -> None:
    """Store ``kb`` under its fingerprint; a KB holding a value JSON cannot tag is left uncached.

    ``files`` (what each entry and template came from) lets the next version of the KB reuse the
    entries whose file did not change (:func:`read_previous`). Entries and template tables read
    from an earlier stored version are written as they were stored, not encoded again.
    """
    path = kb_file(kb.fingerprint)
    if path is None:
        return
    documents: list[bytes] = []
    digests = questions_digests(kb)
    try:
        for entry_id in kb.entries:
            documents.append(_document(kb.entries, entry_id))
        template_locales = list(kb.templates)
        for locale in template_locales:
            documents.append(_document(kb.templates, locale))
        meta: dict[str, Any] = {
            "root": str(kb.root),
            "fingerprint": kb.fingerprint,
            "config": encode(kb.config),
            "locale_data": encode(dict(kb.locale_data)),
            "entries": list(kb.entries),
            "templates": template_locales,
        }
    except NotStorable as e:
        cache.warn_once(f"{e}: the KB is parsed again by every command")
        return
    offsets: array[int] = array("q", [0])
    for doc in documents:
        offsets.append(offsets[-1] + len(doc))
    blob = b"".join(documents)
    stored_digests = b"".join(digests[entry_id] for entry_id in kb.entries)
    # a flipped byte is a miss here, not a crash on first access
    meta["crc32"] = zlib.crc32(stored_digests, zlib.crc32(blob))
    arrays: dict[str, Any] = {"offsets": offsets, "documents": blob, "digests": stored_digests}
    tables: dict[str, list[str]] = {}
    if files is not None:  # read only by the next version's build: tables, not the JSON every load parses
        meta["sources"] = {"config": files.config.hex(), "templates": files.templates.hex()}
        tables["entry_files"] = [files.entry_files[entry_id] for entry_id in kb.entries]
        tables["entry_templates"] = [files.entry_templates[entry_id] for entry_id in kb.entries]
        arrays["file_digests"] = b"".join(files.digests[files.entry_files[entry_id]] for entry_id in kb.entries)
    _DIGESTS[kb.fingerprint] = digests
    cache.write_bundle(path, meta, arrays, tables=tables)


def _document(values: Mapping[Any, Any], key: Any) -> bytes:
    """The stored JSON document of a value: as read from the cache when it was, else encoded."""
    raw = values.stored(key) if isinstance(values, LazyMap) else None
    return raw if raw is not None else cache.json_bytes(encode(values[key]))


@dataclasses.dataclass
class Sources:
    """What a KB's entries and templates were read from: each entry's file (relative path) and
    every file's digest, the digest of replykit.yaml, and one digest of every template file."""

    entry_files: dict[str, str]
    entry_templates: dict[str, str]
    digests: Mapping[str, bytes]
    config: bytes
    templates: bytes


@dataclasses.dataclass
class Previous:
    """An earlier stored version of a KB, to take unchanged entries and templates from."""

    kb: KnowledgeBase
    #: entry file -> (its digest then, the entry's id, its template's name)
    files: dict[str, tuple[bytes, str, str]]
    config: bytes
    templates: bytes

    def entries(
        self, order: Iterable[str], given: Mapping[str, model.Entry], fingerprint: str
    ) -> LazyMap[str, model.Entry]:
        """The entries of a new version, in ``order``: the ``given`` ones (parsed again), the others
        taken from this version (decoded on first access, stored again as they were)."""
        entries = self.kb.entries
        assert isinstance(entries, LazyMap)  # read_previous checks it
        keys = {entry_id: -1 if entry_id in given else entries._keys[entry_id] for entry_id in order}
        digests = _DIGESTS.get(self.kb.fingerprint, {})
        _DIGESTS[fingerprint] = {
            entry_id: questions_digest(given[entry_id]) if entry_id in given else digests[entry_id] for entry_id in keys
        }
        return LazyMap(keys, entries._load, entries._raw, given)


def read_previous(fingerprint: str, root: Path) -> Previous | None:
    """The stored KB of ``fingerprint`` with what its entries were read from, or None (missing,
    damaged, stored without its sources)."""
    kb = read_kb(fingerprint, root)
    bundle = cache.read_bundle(kb_file(fingerprint))
    if kb is None or bundle is None or not isinstance(kb.entries, LazyMap):
        return None
    try:
        sources, held = bundle.meta["sources"], bundle.arrays["file_digests"]
        names = bundle.tables["entry_files"].strings()
        templates = bundle.tables["entry_templates"].strings()
        if len(names) != len(kb.entries) or len(held) != 32 * len(names) or len(templates) != len(names):
            return None
        files = {
            rel: (bytes(held[32 * i : 32 * (i + 1)]), entry_id, template)
            for i, (rel, entry_id, template) in enumerate(zip(names, kb.entries, templates, strict=True))
        }
        return Previous(kb, files, bytes.fromhex(sources["config"]), bytes.fromhex(sources["templates"]))
    except (KeyError, TypeError, ValueError):
        return None


def read_kb(fingerprint: str, root: Path) -> KnowledgeBase | None:
    """The stored KB of this fingerprint and folder, or None (missing, corrupt, another folder)."""
    bundle = cache.read_bundle(kb_file(fingerprint))
    if bundle is None:
        return None
    try:
        meta = bundle.meta
        if meta["root"] != str(root) or meta["fingerprint"] != fingerprint:
            return None
        offsets, documents = bundle.arrays["offsets"], bundle.arrays["documents"]
        entry_ids: list[str] = meta["entries"]
        template_locales: list[str] = meta["templates"]
        if len(offsets) != len(entry_ids) + len(template_locales) + 1 or offsets[-1] != len(documents):
            return None
        digests = bundle.arrays["digests"]
        if len(digests) != DIGEST_SIZE * len(entry_ids) or zlib.crc32(digests, zlib.crc32(documents)) != meta["crc32"]:
            return None
        _DIGESTS[fingerprint] = {
            entry_id: bytes(digests[DIGEST_SIZE * i : DIGEST_SIZE * (i + 1)]) for i, entry_id in enumerate(entry_ids)
        }

        def document(i: int) -> Any:
            return decode(cache.json_value(raw(i)))

        def template_table(i: int) -> Mapping[str, model.TemplateFile]:
            return FrozenMap(document(i))

        def raw(i: int) -> bytes:
            return bytes(documents[offsets[i] : offsets[i + 1]])

        first_template = len(entry_ids)
        return KnowledgeBase(
            root=root,
            config=decode(meta["config"]),
            entries=LazyMap({entry_id: i for i, entry_id in enumerate(entry_ids)}, document, raw),
            templates=LazyMap({loc: first_template + i for i, loc in enumerate(template_locales)}, template_table, raw),
            locale_data=FrozenMap(decode(meta["locale_data"])),
            fingerprint=fingerprint,
        )
    except (KeyError, TypeError, ValueError, IndexError, RecursionError):
        return None
