"""The import state, ``replykit.import-state.json`` beside ``replykit.lock``: what each import wrote.

For every source (the imported file's name) and upstream item it records the entry id and, per file
written, the hash of the text the import produced. That is the common base of a three-way compare:
a file still equal to its base was not edited here, so a new upstream text can replace it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from replykit.errors import KBError, Problem
from replykit.userfiles import write_user_file

STATE_NAME = "replykit.import-state.json"
STATE_VERSION = 1


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@dataclass
class ItemState:
    id: str
    files: dict[str, str] = field(default_factory=dict)  # KB-relative path -> hash of what the import wrote


@dataclass
class ImportState:
    sources: dict[str, dict[str, ItemState]] = field(default_factory=dict)

    def owner_ids(self, source: str) -> set[str]:
        return {item.id for item in self.sources.get(source, {}).values()}

    def to_json(self) -> str:
        data = {
            "comment": "Written by `replykit import`: what each import last brought, so a re-import can tell "
            "upstream changes from local edits. Commit it with the KB.",
            "version": STATE_VERSION,
            "sources": {
                source: {
                    key: {"id": item.id, "files": dict(sorted(item.files.items()))}
                    for key, item in sorted(items.items())
                }
                for source, items in sorted(self.sources.items())
            },
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def load_state(root: Path) -> ImportState:
    path = root / STATE_NAME
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ImportState()
    try:
        data = json.loads(raw)
        state = ImportState()
        for source, items in data["sources"].items():
            state.sources[str(source)] = {
                str(key): ItemState(str(value["id"]), {str(p): str(h) for p, h in value["files"].items()})
                for key, value in items.items()
            }
        return state
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise KBError(
            [
                Problem(
                    path,
                    1,
                    1,
                    f"the import state is damaged ({type(e).__name__}: {e}): "
                    "restore it from git (it is rewritten by the next import)",
                )
            ]
        ) from None


def save_state(root: Path, state: ImportState) -> bool:
    """Write the state if it changed; True when it did."""
    path = root / STATE_NAME
    text = state.to_json()
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except FileNotFoundError:
        pass
    write_user_file(path, text.encode("utf-8"))
    return True
