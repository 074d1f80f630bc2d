"""``replykit export``: the KB as a CSV that ``import`` reads back, or as helpdesk API payloads.

- csv: one row per entry, ``id``, ``category``, ``question_<locale>``/``answer_<locale>`` and more
  phrasings as ``question_<locale>_2``...; variables stay ``{{ name }}``, so the file round-trips;
- zendesk: ``{"items": [...], "macros": [...]}``: a dynamic content item per entry with one variant
  per locale (the bodies for ``POST /api/v2/dynamic_content/items``), and a macro per entry whose
  comment is the item's ``{{dc.<name>}}`` placeholder (for ``POST /api/v2/macros``);
- gorgias: ``{"data": [...]}`` as ``GET /api/macros`` lists them, one macro per entry and language,
  each a body for ``POST /api/macros``;
- chatwoot: a list of ``{"short_code", "content"}`` as ``GET .../canned_responses`` gives them, each a
  body for ``POST /api/v1/accounts/{id}/canned_responses``.

Each file has the shape of the helpdesk's list response, so ``replykit import`` reads it back too.

Variables become the helpdesk's placeholder where one exists; ``locale.*`` facts are written in;
a value Babel formats (dates, money) or that no placeholder carries becomes ``[name]`` for the
agent, and every such loss is listed per entry.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replykit.kb.model import Entry, KnowledgeBase
from replykit.onboard.placeholders import HELPDESK_PLACEHOLDERS
from replykit.onboard.template_text import Text, Var, template_parts

TARGETS = ("csv", "zendesk", "gorgias", "chatwoot")
TARGET_NAMES = {"zendesk": "Zendesk", "gorgias": "Gorgias", "chatwoot": "Chatwoot", "csv": "CSV"}


@dataclass
class Export:
    text: str
    notes: list[str] = field(default_factory=list)
    entries: int = 0


def _category(kb: KnowledgeBase, entry: Entry) -> str:
    rel = Path(entry.file).resolve().relative_to((kb.root / "kb").resolve())
    return "/".join(rel.parts[:-1])


def _locale_value(kb: KnowledgeBase, locale: str, key: str) -> Any:
    for loc in (locale, kb.config.source_locale):
        data = kb.locale_data.get(loc)
        if data is not None and key in data.data:
            return data.data[key]
    return None


def body_text(kb: KnowledgeBase, entry: Entry, locale: str, target: str, notes: list[str]) -> str | None:
    """The entry's reply body in ``locale`` for ``target``, or None without a template in that locale."""
    template = kb.templates.get(locale, {}).get(entry.template)
    if template is None:
        return None
    source = Path(template.file).read_text(encoding="utf-8")
    desk = TARGET_NAMES[target]
    out: list[str] = []
    logic: list[str] = []
    for part in template_parts(source):
        if isinstance(part, Text):
            out.append(part.text)
        elif isinstance(part, Var):
            out.append(_variable(kb, part, locale, target, notes))
        else:
            if target == "csv":
                out.append(part.source)
            if part.source not in logic:
                logic.append(part.source)
    if logic and target == "csv":
        _note(notes, "template logic is written as text, which import keeps as text: " + " ".join(logic))
    elif logic:
        _note(
            notes,
            f"template logic {desk} cannot carry (the text of every branch is exported; review the reply "
            "there): " + " ".join(logic),
        )
    text = "".join(out)
    if target != "csv":
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.split("\n")))
    return text.strip("\n")


def _note(notes: list[str], message: str) -> None:
    if message not in notes:
        notes.append(message)


def _variable(kb: KnowledgeBase, part: Var, locale: str, target: str, notes: list[str]) -> str:
    desk = TARGET_NAMES[target]
    if target != "csv" and part.name.startswith("locale.") and part.filter is None:
        value = _locale_value(kb, locale, part.name.split(".", 1)[1])
        if value is not None:
            return str(value)
    if target == "csv":
        if part.filter:
            _note(notes, f"formatted by Babel, which import keeps as text: {{{{ {part.source} }}}}")
        return "{{ " + part.source + " }}"
    if part.filter:
        _note(
            notes,
            f"{desk} cannot format what Babel formats (dates, money, numbers in the customer's locale): "
            f"the agent fills in [{part.name}] ({part.filter})",
        )
        return f"[{part.name}]"
    placeholder = HELPDESK_PLACEHOLDERS[target].get(part.name)
    if placeholder:
        return placeholder
    _note(notes, f"{desk} has no placeholder for {part.name}: the agent fills in [{part.name}]")
    return f"[{part.name}]"


def export_kb(
    kb: KnowledgeBase,
    target: str,
    locales: Sequence[str] | None = None,
    zendesk_locale_ids: Mapping[str, int] | None = None,
) -> Export:
    chosen = list(locales or [kb.config.source_locale, *[x for x in kb.config.locales if x != kb.config.source_locale]])
    notes: list[str] = []
    rows: list[tuple[Entry, dict[str, str]]] = []
    for entry_id in sorted(kb.entries):
        entry = kb.entries[entry_id]
        bodies: dict[str, str] = {}
        entry_notes: list[str] = []
        for loc in chosen:
            text = body_text(kb, entry, loc, target, entry_notes)
            if text is None:
                _note(
                    entry_notes, f"no {loc} template (replykit falls back to another language): not exported in {loc}"
                )
            else:
                bodies[loc] = text
        if bodies:
            rows.append((entry, bodies))
        notes.extend(f"{entry.id}: {message}" for message in entry_notes)
    if target == "csv":
        text = _csv(kb, rows, chosen)
    elif target == "zendesk":
        text = _zendesk(rows, kb.config.source_locale, dict(zendesk_locale_ids or {}), notes)
    elif target == "gorgias":
        text = _json(
            {
                "data": [
                    {
                        "external_id": entry.id,
                        "name": _title(entry, loc),
                        "language": loc.split("_")[0],
                        "actions": [
                            {
                                "name": "setResponseText",
                                "type": "user",
                                "title": "Add response text",
                                "arguments": {"body_text": body, "body_html": _html(body)},
                            }
                        ],
                    }
                    for entry, bodies in rows
                    for loc, body in bodies.items()
                ]
            }
        )
    else:
        single = len(chosen) == 1
        text = _json(
            [
                {
                    "short_code": entry.id if single else f"{entry.id}-{loc.lower().replace('_', '-')}",
                    "content": body,
                }
                for entry, bodies in rows
                for loc, body in bodies.items()
            ]
        )
    return Export(text, notes, len(rows))


def _title(entry: Entry, locale: str) -> str:
    questions = entry.questions.get(locale) or next(iter(entry.questions.values()), ())
    return questions[0].text if questions else entry.id


def _html(text: str) -> str:
    from html import escape

    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _csv(kb: KnowledgeBase, rows: list[tuple[Entry, dict[str, str]]], locales: list[str]) -> str:
    extra = {loc: max((len(e.questions.get(loc, ())) for e, _ in rows), default=1) for loc in locales}
    header = ["id", "category", "tags"]
    for loc in locales:
        header += [f"question_{loc}", f"answer_{loc}"] + [f"question_{loc}_{n}" for n in range(2, extra[loc] + 1)]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for entry, bodies in rows:
        row = [entry.id, _category(kb, entry), ", ".join(entry.tags)]
        for loc in locales:
            questions = [p.text for p in entry.questions.get(loc, ())]
            questions += [""] * (extra[loc] - len(questions))
            row += [questions[0] if questions else "", bodies.get(loc, ""), *questions[1:]]
        writer.writerow([_not_a_formula(cell) for cell in row])
    return buffer.getvalue()


#: What Excel and LibreOffice read as the start of a formula in a CSV cell (CSV injection).
FORMULA_START = ("=", "+", "-", "@")


def _not_a_formula(cell: str) -> str:
    """A reply starting with ``=`` must open as text in a spreadsheet: Excel's own ``'`` prefix (import drops it)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _zendesk(rows: list[tuple[Entry, dict[str, str]]], source: str, ids: dict[str, int], notes: list[str]) -> str:
    items: list[dict[str, Any]] = []
    macros: list[dict[str, Any]] = []
    for entry, bodies in rows:
        variants = []
        for loc, body in bodies.items():
            number = ids.get(loc) or ids.get(loc.split("_")[0])
            if number is None:
                notes.append(
                    f"{entry.id} ({loc}): no Zendesk locale id for {loc}: add it to the mapping file under "
                    "zendesk_locale_ids (see GET /api/v2/locales); variant not exported"
                )
                continue
            variants.append({"locale_id": number, "default": loc == source, "active": True, "content": body})
        if not variants:
            continue
        name = entry.id.replace("-", "_")
        default_id = next((v["locale_id"] for v in variants if v["default"]), variants[0]["locale_id"])
        items.append({"name": name, "default_locale_id": default_id, "variants": variants})
        macros.append(
            {"title": _title(entry, source), "actions": [{"field": "comment_value", "value": "{{dc." + name + "}}"}]}
        )
    return _json({"items": items, "macros": macros})
