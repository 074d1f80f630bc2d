"""Helpdesk exports in the shapes of their documented API responses.

- Zendesk macros, ``GET /api/v2/macros`` -> ``{"macros": [{"id", "title", "actions": [{"field":
  "comment_value" | "comment_value_html", "value"}]}]}`` (developer.zendesk.com, Macros);
- Zendesk dynamic content, ``GET /api/v2/dynamic_content/items`` -> ``{"items": [{"id", "name",
  "placeholder", "default_locale_id", "variants": [{"locale_id", "content", "default", "active"}]}]}``;
- Gorgias macros, ``GET /api/macros`` -> ``{"data": [{"id", "external_id", "name", "language",
  "actions": [{"name": "setResponseText", "arguments": {"body_text", "body_html"}}]}]}``;
- Chatwoot canned responses, ``GET /api/v1/accounts/{id}/canned_responses`` -> ``[{"id",
  "short_code", "content"}]``;
- Help Scout saved replies, ``GET /v2/mailboxes/{id}/saved-replies/{id}`` -> ``{"id", "name",
  "text"}`` (the list endpoint gives only a ``preview``, which is refused item by item).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from replykit.onboard.errors import ImportInputError
from replykit.onboard.htmltext import html_to_text, looks_like_html
from replykit.onboard.records import ImportBatch, ImportedItem

#: Zendesk's standard locale ids for the languages most stores use; others come from the mapping
#: file (``zendesk_locale_ids``), since an account's ids are listed by ``GET /api/v2/locales``.
ZENDESK_LOCALE_IDS: dict[str, int] = {"en": 1, "es": 2, "de": 8, "fr": 16}

HELPDESK_FORMATS = ("zendesk-macros", "zendesk-dynamic-content", "gorgias", "chatwoot", "helpscout")


def detect_shape(data: Any) -> str | None:
    """Which helpdesk export ``data`` looks like, by the keys their API responses have."""
    if isinstance(data, dict):
        # dynamic content first: `replykit export --to zendesk` writes items and the macros that only refer to them
        if isinstance(data.get("items"), list) or isinstance(data.get("item"), dict):
            return "zendesk-dynamic-content"
        if isinstance(data.get("macros"), list) or isinstance(data.get("macro"), dict):
            return "zendesk-macros"
        if isinstance(data.get("data"), list):
            return "gorgias"
        if "short_code" in data:
            return "chatwoot"
        if "name" in data and ("text" in data or "preview" in data):
            return "helpscout"
        return None
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        if all("short_code" in x for x in data):
            return "chatwoot"
        if all("name" in x and ("text" in x or "preview" in x) for x in data):
            return "helpscout"
        if all("actions" in x and "name" in x for x in data):
            return "gorgias"
        if all("actions" in x and "title" in x for x in data):
            return "zendesk-macros"
    return None


def describe_shape(data: Any) -> str:
    if isinstance(data, dict):
        return "an object with keys " + ", ".join(sorted(map(str, data))[:8])
    if isinstance(data, list):
        first = data[0] if data else None
        inner = f" of objects with keys {', '.join(sorted(map(str, first))[:8])}" if isinstance(first, dict) else ""
        return f"a list{inner}"
    return f"a JSON {type(data).__name__}"


def _records(data: Any, key: str, single: str, file: str, shape: str) -> list[Any]:
    if isinstance(data, dict) and isinstance(data.get(key), list):
        return list(data[key])
    if isinstance(data, dict) and isinstance(data.get(single), dict):
        return [data[single]]
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and shape in ("chatwoot", "helpscout"):
        return [data]
    raise ImportInputError(
        f'{file}: expected a {shape} export ({{"{key}": [...]}}), found {describe_shape(data)}: '
        "check --format or export it again"
    )


def _text(value: str, html: bool, batch: ImportBatch, where: str) -> str:
    if not (html or looks_like_html(value)):
        return value.replace("\r\n", "\n").strip()
    text, lost = html_to_text(value)
    for part in lost:
        batch.note(where, f"not converted to text: {part}")
    return text


def _title_parts(title: str) -> tuple[str | None, str]:
    """Zendesk macro titles use ``::`` for folders: ``Shipping::Where is my order?``."""
    parts = [p.strip() for p in title.split("::") if p.strip()]
    if len(parts) > 1:
        return parts[-2], parts[-1]
    return None, title.strip()


def read_helpdesk(
    data: Any,
    shape: str,
    batch: ImportBatch,
    file: str,
    default_locale: str,
    to_locale: Callable[[str, str], str],
    zendesk_locales: Mapping[int, str],
) -> None:
    """Add the export's replies to ``batch``; items that are not replies are listed in notices."""
    if shape == "zendesk-macros":
        records = _records(data, "macros", "macro", file, shape)
    elif shape == "zendesk-dynamic-content":
        records = _records(data, "items", "item", file, shape)
    elif shape == "gorgias":
        records = _records(data, "data", "macro", file, shape)
    else:
        records = _records(data, "", "", file, shape)
    for number, record in enumerate(records, start=1):
        where = f"{file}: item {number}"
        if not isinstance(record, dict):
            raise ImportInputError(f"{where}: expected an object, found {describe_shape(record)}: check --format")
        if shape == "zendesk-macros":
            _zendesk_macro(record, batch, where, default_locale)
        elif shape == "zendesk-dynamic-content":
            _zendesk_item(record, batch, where, zendesk_locales)
        elif shape == "gorgias":
            _gorgias_macro(record, batch, where, default_locale, to_locale)
        elif shape == "chatwoot":
            _chatwoot(record, batch, where, default_locale)
        else:
            _helpscout(record, batch, where, default_locale)


def _required(record: Mapping[str, Any], key: str, where: str, shape: str) -> str:
    """The item's ``key`` text; an item without it is of another shape (an error), an empty one is ''."""
    value = record.get(key)
    if not isinstance(value, str):
        raise ImportInputError(f"{where}: no '{key}' text, which every {shape} item has: is this the right --format?")
    return value.strip()


def _zendesk_macro(record: Mapping[str, Any], batch: ImportBatch, where: str, locale: str) -> None:
    title = _required(record, "title", where, "Zendesk macro")
    if not title:
        batch.note(where, "Zendesk macro with an empty title: skipped")
        return
    actions = record.get("actions") or []
    body: str | None = None
    others: list[str] = []
    for action in actions if isinstance(actions, list) else []:
        if not isinstance(action, dict):
            continue
        field, value = action.get("field"), action.get("value")
        if field not in ("comment_value_html", "comment_value"):
            others.append(str(field))
            continue
        if isinstance(value, list):  # ["channel:all", "text"]
            value = value[-1] if value else ""
        if isinstance(value, str) and (body is None or field == "comment_value_html"):
            body = _text(value, field == "comment_value_html", batch, where)
    if others:
        batch.note(where, f"macro '{title}': actions {', '.join(others)} are not replies and were not imported")
    if not body:
        batch.note(where, f"macro '{title}' adds no comment text: skipped")
        return
    dynamic = re.fullmatch(r"\{\{\s*dc\.([\w.-]+)\s*\}\}", body)
    if dynamic:
        batch.note(
            where,
            f"macro '{title}' is the dynamic content '{dynamic.group(1)}': import the dynamic content "
            "items export (GET /api/v2/dynamic_content/items) for its text in every language",
        )
        return
    if record.get("active") is False:
        batch.note(where, f"macro '{title}' is inactive in Zendesk: imported anyway (delete the entry if retired)")
    category, question = _title_parts(title)
    item = ImportedItem(
        key=f"zendesk-macro-{record.get('id', title)}", where=where, category=category, bare_names_are_variables=False
    )
    item.add_question(locale, question)
    item.answers[locale] = body
    batch.items.append(item)


def _zendesk_item(record: Mapping[str, Any], batch: ImportBatch, where: str, locales: Mapping[int, str]) -> None:
    name = _required(record, "name", where, "Zendesk dynamic content")
    if not name:
        batch.note(where, "Zendesk dynamic content with an empty name: skipped")
        return
    variants = record.get("variants")
    if not isinstance(variants, list) or not variants:
        raise ImportInputError(
            f"{where}: dynamic content '{name}' has no 'variants' list: export the items with their variants"
        )
    item = ImportedItem(key=f"zendesk-dc-{record.get('id', name)}", where=where, bare_names_are_variables=False)
    default_locale: str | None = None
    for index, variant in enumerate(variants, start=1):
        if not isinstance(variant, dict):
            continue
        locale_id = variant.get("locale_id")
        locale = locales.get(int(locale_id)) if isinstance(locale_id, int) else None
        if locale is None:
            batch.note(
                where,
                f"variant {index} of '{name}' has Zendesk locale_id {locale_id}, which replykit cannot name: "
                "add it to the mapping file under zendesk_locale_ids (see GET /api/v2/locales); skipped",
            )
            continue
        if variant.get("active") is False:
            batch.note(where, f"variant {index} of '{name}' ({locale}) is inactive in Zendesk: imported anyway")
        content = variant.get("content")
        if isinstance(content, str) and content.strip():
            item.answers[locale] = _text(content, False, batch, where)
        if variant.get("default") or record.get("default_locale_id") == locale_id:
            default_locale = locale
    question = name.replace("_", " ").strip()
    item.add_question(default_locale or next(iter(item.answers), "en"), question)
    if item.answers:
        batch.items.append(item)


def _gorgias_macro(
    record: Mapping[str, Any], batch: ImportBatch, where: str, default: str, to_locale: Callable[[str, str], str]
) -> None:
    name = _required(record, "name", where, "Gorgias macro")
    if not name:
        batch.note(where, "Gorgias macro with an empty name: skipped")
        return
    language = record.get("language")
    locale = to_locale(language, where) if isinstance(language, str) and language.strip() else default
    body: str | None = None
    others: list[str] = []
    for action in record.get("actions") or []:
        if not isinstance(action, dict):
            continue
        arguments = action.get("arguments") or {}
        if action.get("name") == "setResponseText" and isinstance(arguments, dict):
            if isinstance(arguments.get("body_html"), str) and arguments["body_html"].strip():
                body = _text(arguments["body_html"], True, batch, where)
            elif isinstance(arguments.get("body_text"), str):
                body = _text(arguments["body_text"], False, batch, where)
        else:
            others.append(str(action.get("name")))
    if others:
        batch.note(where, f"macro '{name}': actions {', '.join(others)} are not replies and were not imported")
    if not body:
        batch.note(where, f"macro '{name}' sets no response text: skipped")
        return
    external = record.get("external_id")
    key = f"gorgias-{external}" if external else f"gorgias-{record.get('id', name)}"
    existing = next((i for i in batch.items if external and i.key == key), None)
    item = existing or ImportedItem(
        key=key, where=where, wanted_id=str(external) if external else None, bare_names_are_variables=False
    )
    if existing is None:
        batch.items.append(item)
    item.add_question(locale, name)
    item.answers[locale] = body


def _chatwoot(record: Mapping[str, Any], batch: ImportBatch, where: str, locale: str) -> None:
    code = _required(record, "short_code", where, "Chatwoot canned response")
    content = _required(record, "content", where, "Chatwoot canned response")
    if not code or not content:  # a canned response saved blank: nothing to answer with
        batch.note(where, f"canned response '{code}' has an empty {'content' if code else 'short code'}: skipped")
        return
    item = ImportedItem(key=f"chatwoot-{code}", where=where, bare_names_are_variables=False)
    item.add_question(locale, re.sub(r"[-_]+", " ", code))
    item.answers[locale] = _text(content, False, batch, where)
    batch.items.append(item)


def _helpscout(record: Mapping[str, Any], batch: ImportBatch, where: str, locale: str) -> None:
    name = _required(record, "name", where, "Help Scout saved reply")
    if not name:
        batch.note(where, "Help Scout saved reply with an empty name: skipped")
        return
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        if "preview" in record:
            batch.note(
                where,
                f"saved reply '{name}' has only a 'preview' (the list endpoint shortens it): export each "
                "reply with GET /v2/mailboxes/{id}/saved-replies/{replyId}; skipped",
            )
            return
        raise ImportInputError(
            f"{where}: saved reply '{name}' has no 'text': export it with GET .../saved-replies/{{id}}"
        )
    item = ImportedItem(key=f"helpscout-{record.get('id', name)}", where=where, bare_names_are_variables=False)
    item.add_question(locale, name)
    item.answers[locale] = _text(text, True, batch, where)
    batch.items.append(item)
