"""An edited, added or removed entry updates the search index incrementally, and the result is the
index a fresh build gives, array by array (so every match is the same)."""

from __future__ import annotations

import json
import marshal
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from replykit.kb.loader import load_kb
from replykit.kb.stored import questions_digests
from replykit.matching.index import PostingTable, SearchIndex, _restore, build_index, index_key, update_index
from replykit.matching.semantic import load_embedder
from tests.conftest import RunCLI, WriteKB

CONFIG = "source_locale: en\nlocales: [en, de, ja]\n"
TOPICS = {
    "track-order": (["where is my order", "track my parcel please", "my order has not arrived"],
                    ["wo ist meine bestellung", "paket verfolgen bitte"], ["注文はどこですか"]),
    "cancel-order": (["cancel my order", "stop my order please"], ["bestellung stornieren"], ["注文をキャンセル"]),
    "refund": (["i want a refund", "money back for my order"], ["geld zurück bitte"], []),
    "change-address": (["change my delivery address", "wrong address on my parcel"], ["adresse ändern"], []),
    "opening-hours": (["when are you open", "opening hours please"], [], ["営業時間は"]),
    "invoice": (["send me the invoice", "i need a receipt for my order"], ["rechnung senden"], []),
    "zz-warranty": (["warranty for a broken item", "my item arrived broken"], ["garantie defekt"], ["保証"]),
}


def entry_yaml(entry_id: str, en: list[str], de: list[str], ja: list[str]) -> str:
    lines = [f"id: {entry_id}", "questions:"]
    for locale, texts in (("en", en), ("de", de), ("ja", ja)):
        if texts:
            lines.append(f"  {locale}:")
            lines.extend(f'    - "{text}"' for text in texts)
    return "\n".join(lines) + "\n"


def kb_files(topics: dict[str, tuple[list[str], list[str], list[str]]]) -> dict[str, str]:
    files = {f"kb/{entry_id}.yaml": entry_yaml(entry_id, *texts) for entry_id, texts in topics.items()}
    files.update({f"templates/en/{entry_id}.j2": f"Reply about {entry_id}.\n" for entry_id in topics})
    return files


def arrays(index: SearchIndex) -> dict[str, Any]:
    """Everything the index holds, as plain lists and dicts (a stored and a built index compare)."""
    out: dict[str, Any] = {}
    for name, value in vars(index).items():
        if name == "fingerprint":
            continue
        if isinstance(value, PostingTable):
            terms = sorted(value.slots, key=value.slots.__getitem__)
            out[name] = [terms, list(value.idf), list(value.starts), list(value.items), list(value.weights)]
        elif isinstance(value, dict):
            out[name] = {k: list(v) for k, v in value.items()}
        elif isinstance(value, (str, int, float)) or value is None:
            out[name] = value
        else:
            out[name] = list(value)
    return out


def same_index(updated: SearchIndex, fresh: SearchIndex) -> None:
    got, want = arrays(updated), arrays(fresh)
    assert got.keys() == want.keys()
    for name in want:
        assert got[name] == want[name], name


Edit = Callable[[dict[str, tuple[list[str], list[str], list[str]]]], None]


def reword(topics: dict[str, Any]) -> None:  # the same number of phrasings, other words
    topics["refund"] = (["i want my money back", "refund for my parcel"], ["geld zurück bitte"], [])


def grow(topics: dict[str, Any]) -> None:  # more phrasings and a new locale: later items move
    topics["cancel-order"] = (["cancel my order", "stop my order please", "i changed my mind"],
                              ["bestellung stornieren", "nicht mehr bestellen"], ["注文をキャンセル"])
    topics["refund"] = (["i want a refund", "money back for my order"], ["geld zurück bitte"], ["返金"])


def shrink(topics: dict[str, Any]) -> None:  # fewer phrasings, a locale gone, words leave the KB
    topics["track-order"] = (["where is my order"], [], ["注文はどこですか"])


def edit_first_and_last(topics: dict[str, Any]) -> None:
    topics["cancel-order"] = (["cancel it now"], ["bestellung stornieren"], ["注文をキャンセル"])
    topics["zz-warranty"] = (["guarantee for a broken item"], ["garantie defekt"], [])


def add(topics: dict[str, Any]) -> None:
    topics["gift-wrap"] = (["can you wrap my order as a gift"], ["geschenkverpackung bitte"], [])


def remove(topics: dict[str, Any]) -> None:
    del topics["invoice"]


@pytest.mark.parametrize("edit", [reword, grow, shrink, edit_first_and_last, add, remove])
@pytest.mark.parametrize("meaning", [True, False], ids=["with-meaning", "words-only"])
@pytest.mark.parametrize("share", [1.0, 0.0], ids=["spliced", "rebuilt"])
def test_an_updated_index_is_the_fresh_build_array_by_array(
    write_kb: WriteKB, edit: Edit, meaning: bool, share: float
) -> None:
    """``share``: splice however many entries an edit touches, or build again whenever it touches one."""
    topics = {k: (list(en), list(de), list(ja)) for k, (en, de, ja) in TOPICS.items()}
    root = write_kb(kb_files(topics), config=CONFIG)
    embedder = load_embedder() if meaning else None
    before = load_kb(root)
    old = build_index(before, embedder)
    edit(topics)
    for path in (root / "kb").glob("*.yaml"):
        path.unlink()
    root = write_kb(kb_files(topics), config=CONFIG)
    after = load_kb(root)
    updated = update_index(old, questions_digests(before), after, questions_digests(after), embedder,
                           splice_share=share)
    same_index(updated, build_index(after, embedder))


def test_an_edit_is_answered_from_the_updated_index_and_cached(write_kb: WriteKB, run_cli: RunCLI) -> None:
    topics = {k: (list(en), list(de), list(ja)) for k, (en, de, ja) in TOPICS.items()}
    root = write_kb(kb_files(topics), config=CONFIG)
    ask = ("suggest", "--kb", str(root), "--format", "json", "--locale", "en", "i want my money back")
    first = run_cli(*ask)
    assert first.exit_code == 0, first.stderr
    grow(topics)
    reword(topics)
    root = write_kb(kb_files(topics), config=CONFIG)
    second = run_cli(*ask)
    assert second.exit_code == 0, second.stderr
    best = json.loads(second.stdout)["matches"][0]
    assert (best["id"], best["question"]) == ("refund", "i want my money back")  # the reworded phrasing
    kb = load_kb(root)
    stored = _restore(index_key(questions_digests(kb)), kb.fingerprint)
    assert stored is not None  # the updated index was cached under the new questions
    same_index(stored[0], build_index(kb, load_embedder()))


def test_an_edit_outside_the_questions_keeps_the_index(write_kb: WriteKB, run_cli: RunCLI) -> None:
    topics = {k: (list(en), list(de), list(ja)) for k, (en, de, ja) in TOPICS.items()}
    root = write_kb(kb_files(topics), config=CONFIG)
    ask = ("suggest", "--kb", str(root), "--locale", "en", "where is my parcel")
    assert run_cli(*ask).exit_code == 0
    cache = Path(os.environ["REPLYKIT_CACHE_DIR"])
    index_files = sorted(cache.glob("index-*"))
    entry = root / "kb/track-order.yaml"
    entry.write_text(entry.read_text(encoding="utf-8").replace("questions:", "questions:  # edited") + "tags: [x]\n",
                     encoding="utf-8")
    again = run_cli(*ask)
    assert again.exit_code == 0 and "track-order" in again.stdout
    assert sorted(cache.glob("index-*")) == index_files and len(index_files) == 1


def test_meaning_vectors_made_in_a_second_process_are_the_same(write_kb: WriteKB) -> None:
    kb = load_kb(write_kb(kb_files(TOPICS), config=CONFIG))
    embedder = load_embedder()
    same_index(build_index(kb, embedder, background_from=1), build_index(kb, embedder, background_from=None))


@pytest.mark.parametrize("meaning", [True, False], ids=["with-meaning", "words-only"])
def test_half_of_the_groups_posted_in_a_second_process_gives_the_same_index(write_kb: WriteKB, meaning: bool) -> None:
    kb = load_kb(write_kb(kb_files(TOPICS), config=CONFIG))
    embedder = load_embedder() if meaning else None
    one = build_index(kb, embedder, background_from=None, split_from=None)
    same_index(build_index(kb, embedder, background_from=None, split_from=1), one)
    same_index(build_index(kb, embedder, background_from=1, split_from=1), one)


def test_a_failed_second_process_leaves_its_half_to_the_first(
    write_kb: WriteKB, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child cannot hand its counts, or later its lists, over (here: marshal fails in it, as a
    killed child would leave a short pipe), or there is no fork: this process tokenises and posts
    that half itself, and the index is the same."""
    kb = load_kb(write_kb(kb_files(TOPICS), config=CONFIG))
    one = build_index(kb, split_from=None)
    real, parent = marshal.dump, os.getpid()
    for fails in ({3, 4}, {4}):  # the child's counts (3-tuple) and tables (4-tuples), or its tables only

        def dump(value: Any, file: Any, *args: Any, fails: set[int] = fails) -> None:
            if os.getpid() != parent and len(value) in fails:
                raise ValueError("unmarshallable")
            real(value, file, *args)

        monkeypatch.setattr("marshal.dump", dump)
        same_index(build_index(kb, split_from=1), one)
        monkeypatch.undo()

    def no_fork() -> int:
        raise OSError("no fork here")

    monkeypatch.setattr("os.fork", no_fork)
    same_index(build_index(kb, split_from=1), one)
