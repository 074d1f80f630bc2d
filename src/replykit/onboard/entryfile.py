"""The part of an entry file an import owns: its questions (and tags, when the source has them).

A re-import compares that part only, so an entry written by hand or edited here (examples, variable
types, lint settings, comments) is not a conflict merely for holding more than the import brings;
an update replaces the owned part and keeps everything else.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import yaml

from replykit.kb.model import Entry
from replykit.kb.yamlnodes import YamlDataError, load_yaml_data
from replykit.onboard.placeholders import declared_name

HEADER = "# Imported by `replykit import`; edit freely: a re-import keeps your edits and reports conflicts.\n"


def view_hash(view: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(view, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:20]


def imported_view(questions: dict[str, list[str]], tags: Sequence[str]) -> dict[str, Any]:
    view: dict[str, Any] = {"questions": questions}
    if tags:
        view["tags"] = list(tags)
    return view


def parse(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        data = load_yaml_data("entry", text)  # bounded: aliases, size, depth, tags (kb/yamlnodes.py)
    except (yaml.YAMLError, YamlDataError):
        return None
    return data if isinstance(data, dict) else None


def local_view(data: dict[str, Any], with_tags: bool) -> dict[str, Any]:
    questions = data.get("questions")
    view: dict[str, Any] = {"questions": questions if isinstance(questions, dict) else None}
    if with_tags:
        view["tags"] = data.get("tags")
    return view


def entry_view(entry: Entry, with_tags: bool) -> dict[str, Any]:
    """:func:`local_view` from the loaded KB's entry (its locales already canonical)."""
    view: dict[str, Any] = {
        "questions": {loc: [p.text for p in phrasings] for loc, phrasings in entry.questions.items()}
    }
    if with_tags:
        view["tags"] = list(entry.tags) or None
    return view


def declared_variables(data: dict[str, Any] | None) -> set[str]:
    declared = data.get("variables") if data else None
    return set(declared) if isinstance(declared, dict) else set()


def needed_declarations(variables: Sequence[str]) -> list[str]:
    """The names an entry must declare for templates reading ``variables`` (not customer.*, order.*...)."""
    return [name for name in (declared_name(v) for v in variables) if name]


def missing_declarations(data: dict[str, Any] | None, variables: Sequence[str]) -> list[str]:
    """Variables the imported templates read that the entry file does not declare."""
    have = declared_variables(data)
    return [name for name in needed_declarations(variables) if name not in have]


def entry_text(entry_id: str, data: dict[str, Any] | None, view: dict[str, Any], variables: Sequence[str]) -> str:
    """The entry file: ``data`` (the local file's content, if any) with the imported part and declarations."""
    fresh = data is None
    out: dict[str, Any] = dict(data or {})
    out["id"] = out.get("id", entry_id)
    merged: dict[str, Any] = {"id": out.pop("id"), **view}
    for key, value in out.items():
        if key not in merged:
            merged[key] = value
    for name in missing_declarations(merged, variables):
        declared = merged.setdefault("variables", {})
        if isinstance(declared, dict):
            declared[name] = {"type": "string", "required": True}
    dumped = yaml.safe_dump(merged, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=False)
    return (HEADER if fresh else "") + dumped
