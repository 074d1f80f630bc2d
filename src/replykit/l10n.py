"""Locale ids and fallback chains, the Babel side of replykit that every module shares.

Users write BCP 47 tags (``pt-BR``) and Babel ids (``pt_BR``) interchangeably; inside replykit a
locale is always the Babel-style id string, so dictionary keys and folder names agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from replykit import cache
from replykit.errors import LocaleError

_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


@lru_cache(maxsize=1024)
def normalize_locale(tag: str) -> str:
    """Return the canonical id (``pt_BR``, ``zh_Hant_TW``) for a BCP 47 tag or Babel id.

    Only the subtags the user wrote are kept: ``zh-TW`` stays ``zh_TW`` so that folder names match,
    but its script is known to Babel (see :func:`fallback_chain`).
    """
    text = str(tag).strip()
    if not _TAG.match(text):
        raise LocaleError(f"'{tag}' is not a locale id: use a BCP 47 tag or a Babel id such as pt-BR or pt_BR")
    parts = re.split(r"[-_]", text)
    language, rest = parts[0].lower(), parts[1:]
    out = [language]
    for part in rest:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part)
    ident = "_".join(out)
    try:
        Locale.parse(ident)
    except (UnknownLocaleError, ValueError) as e:
        raise LocaleError(f"'{tag}' is not a locale Babel knows: use an id such as en, de_AT or pt-BR") from e
    return ident


def is_locale(tag: str) -> bool:
    try:
        normalize_locale(tag)
    except LocaleError:
        return False
    return True


@lru_cache(maxsize=1024)
def babel_locale(locale: str) -> Locale:
    return Locale.parse(normalize_locale(locale))


def _cldr_parent(ident: str) -> str | None:
    """The CLDR parent of a locale id: explicit parent exceptions first, then truncation."""
    parents: Mapping[str, str] = get_global("parent_exceptions")
    if ident in parents:
        parent = parents[ident]
        return None if parent == "root" else parent
    if "_" not in ident:
        return None
    return ident.rsplit("_", 1)[0]


def _maximized_script(ident: str) -> str | None:
    loc = babel_locale(ident)
    if loc.script:
        return loc.script
    likely: Mapping[str, str] = get_global("likely_subtags")
    full = likely.get(ident) or likely.get(loc.language)
    if full:
        scripts = [p for p in full.split("_")[1:] if len(p) == 4 and p.isalpha()]
        return scripts[0] if scripts else None
    return None


def fallback_chain(
    locale: str,
    *,
    source_locale: str,
    fallbacks: Mapping[str, Sequence[str]] | None = None,
    available: Iterable[str] | None = None,
) -> tuple[str, ...]:
    """The order in which a reply's locale is looked up: exact, CLDR parents, language, KB
    fallbacks, then the source locale.

    A step whose script differs from the requested locale's is dropped: zh_TW (Traditional) must
    never fall to zh (Simplified) silently, it goes to the KB fallbacks or the source locale instead.
    ``available`` limits the chain to locales the KB has, keeping the order.
    """
    ident = normalize_locale(locale)
    have = None if available is None else tuple(sorted({normalize_locale(a) for a in available}))
    key = (
        ident,
        normalize_locale(source_locale),
        tuple(sorted((k, tuple(v)) for k, v in (fallbacks or {}).items())),
        have,
    )
    known = _chain_memo()
    if key not in known:
        known[key] = _compute_chain(ident, source_locale, fallbacks, have)
        _save_chain_memo(known)
    return known[key]


#: Chains computed by earlier processes, keyed by their inputs (JSON text) and salted with Babel's
#: version, whose CLDR data decides them. Reading it costs ~0.2 ms; Babel's global CLDR table,
#: which computing a chain needs, ~8 ms: a tenth of what a one-question suggest may take.
_memo: dict[tuple[object, ...], tuple[str, ...]] | None = None
CHAINS_FORMAT = 1


def _memo_path() -> Path | None:
    return cache.cache_file("chains", "memo", fmt=CHAINS_FORMAT, deps=("Babel",))


def _chain_memo() -> dict[tuple[object, ...], tuple[str, ...]]:
    global _memo
    if _memo is None:
        _memo = {}
        stored = cache.read_json(_memo_path())
        if isinstance(stored, dict):
            for key, chain in stored.items():
                if isinstance(chain, list) and all(isinstance(c, str) for c in chain):
                    _memo[_memo_key(key)] = tuple(chain)
    return _memo


def _memo_key(text: str) -> tuple[object, ...]:
    """The memo key back from its JSON text (lists become tuples again, so lookups match)."""

    def frozen(value: object) -> object:
        return tuple(frozen(v) for v in value) if isinstance(value, list) else value

    found = frozen(json.loads(text))
    return found if isinstance(found, tuple) else (found,)


def _save_chain_memo(memo: dict[tuple[object, ...], tuple[str, ...]]) -> None:
    cache.write_json(_memo_path(), {json.dumps(key): list(chain) for key, chain in memo.items()})


def _compute_chain(
    ident: str,
    source_locale: str,
    fallbacks: Mapping[str, Sequence[str]] | None,
    available: Iterable[str] | None,
) -> tuple[str, ...]:
    wanted_script = _maximized_script(ident)
    chain: list[str] = []

    def add(candidate: str) -> None:
        if candidate not in chain:
            chain.append(candidate)

    add(ident)
    step: str | None = ident
    while step is not None:
        step = _cldr_parent(step)
        if step is None:
            break
        if wanted_script and _maximized_script(step) not in (None, wanted_script):
            continue
        add(step)
    language = ident.split("_", 1)[0]
    if not wanted_script or _maximized_script(language) in (None, wanted_script):
        add(language)
    else:  # zh_TW: skip Simplified zh, but Traditional zh_Hant is a faithful parent
        add(f"{language}_{wanted_script}")
    extra = dict(fallbacks or {})
    for key in [c for c in chain]:
        for target in extra.get(key, ()):
            add(normalize_locale(target))
    add(normalize_locale(source_locale))
    if available is not None:
        have = {normalize_locale(a) for a in available}
        chain = [c for c in chain if c in have or c == ident]
    return tuple(chain)
