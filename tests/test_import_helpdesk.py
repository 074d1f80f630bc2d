"""`replykit import` of helpdesk exports, each shaped like the helpdesk's documented API response.

Sources (the response shapes these tests copy):
- Zendesk macros: https://developer.zendesk.com/api-reference/ticketing/business-rules/macros/
  (List Macros: ``{"macros": [...]}``; actions ``{"field": "comment_value" | "comment_value_html", "value"}``)
- Zendesk dynamic content: https://developer.zendesk.com/api-reference/ticketing/ticket-management/dynamic_content/
  and .../dynamic_content_item_variants (``{"items": [{"name", "placeholder", "default_locale_id",
  "variants": [{"locale_id", "content", "default", "active"}]}]}``)
- Gorgias macros: https://developers.gorgias.com/reference/macros (The Macro object; list responses
  wrap objects in ``{"data": [...], "meta": {...}}``); action ``setResponseText`` with ``body_text``/``body_html``
- Chatwoot canned responses: https://developers.chatwoot.com/api-reference/canned-responses/list-all-canned-responses-in-an-account
  (a JSON array of ``{"id", "account_id", "short_code", "content"}``)
- Help Scout saved replies: https://developer.helpscout.com/mailbox-api/endpoints/inboxes/saved_Replies/saved-replies-get/
  (``{"id", "name", "text", "chatText"}``); the list endpoint (saved-replies-list) gives only ``preview``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import RunCLI, WriteKB

CONFIG = "source_locale: en\nlocales: [en, de, fr]\n"


@pytest.fixture
def kb(write_kb: WriteKB) -> Path:
    return write_kb({}, config=CONFIG)


def dump(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def template(kb: Path, locale: str, name: str) -> str:
    return (kb / "templates" / locale / f"{name}.j2").read_text(encoding="utf-8")


ZENDESK_MACROS = {
    "macros": [
        {
            "id": 25,
            "title": "Shipping::Where is my order?",
            "active": True,
            "position": 1,
            "restriction": None,
            "description": None,
            "url": "https://example.zendesk.com/api/v2/macros/25.json",
            "actions": [
                {"field": "status", "value": "pending"},
                {
                    "field": "comment_value_html",
                    "value": "<p>Hi {{ticket.requester.first_name}},</p><p>your order is on its way.<br>Track it "
                    '<a href="https://shop.example/track">here</a>.</p><p><img src="https://x/logo.png"></p>',
                },
                {"field": "set_tags", "value": "shipping"},
            ],
        },
        {
            "id": 26,
            "title": "Refund policy",
            "active": True,
            "actions": [
                {"field": "comment_value", "value": ["channel:all", "Refunds take {{ticket.custom_field_99}} days."]}
            ],
        },
        {"id": 27, "title": "Returns", "actions": [{"field": "comment_value", "value": "{{dc.returns_policy}}"}]},
        {"id": 28, "title": "Close and tag", "actions": [{"field": "status", "value": "solved"}]},
    ],
    "next_page": None,
    "previous_page": None,
    "count": 4,
}


def test_zendesk_macros(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = dump(tmp_path / "macros.json", ZENDESK_MACROS)
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert template(kb, "en", "where-is-my-order") == (
        "Hi {{ customer.name }},\n\nyour order is on its way.\nTrack it here (https://shop.example/track).\n"
    )
    data = yaml.safe_load((kb / "kb/shipping/where-is-my-order.yaml").read_text(encoding="utf-8"))
    assert data["questions"] == {"en": ["Where is my order?"]}
    assert template(kb, "en", "refund-policy") == "Refunds take {{ '{' }}{ticket.custom_field_99}} days.\n"
    err = result.stderr
    assert "macros.json: item 1: not converted to text: image https://x/logo.png" in err
    assert "macros.json: item 1: macro 'Shipping::Where is my order?': actions status, set_tags are not replies" in err
    assert "macros.json: item 2: unknown placeholder {{ticket.custom_field_99}} (en) kept as text" in err
    assert (
        "macros.json: item 3: macro 'Returns' is the dynamic content 'returns_policy': import the dynamic content"
        in err
    )
    assert "macros.json: item 4: macro 'Close and tag' adds no comment text: skipped" in err


def test_zendesk_dynamic_content_variants_become_locales(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = dump(
        tmp_path / "dynamic_content.json",
        {
            "items": [
                {
                    "id": 47,
                    "name": "Returns policy",
                    "placeholder": "{{dc.returns_policy}}",
                    "default_locale_id": 1,
                    "outdated": False,
                    "url": "https://example.zendesk.com/api/v2/dynamic_content/items/47.json",
                    "variants": [
                        {
                            "id": 1,
                            "locale_id": 1,
                            "default": True,
                            "active": True,
                            "outdated": False,
                            "content": "You can return items within 30 days.",
                        },
                        {
                            "id": 2,
                            "locale_id": 8,
                            "default": False,
                            "active": True,
                            "outdated": False,
                            "content": "Sie können Artikel innerhalb von 30 Tagen zurückgeben.",
                        },
                        {
                            "id": 3,
                            "locale_id": 16,
                            "default": False,
                            "active": False,
                            "outdated": True,
                            "content": "Vous pouvez retourner les articles sous 30 jours.",
                        },
                        {"id": 4, "locale_id": 1176, "default": False, "active": True, "content": "?"},
                    ],
                }
            ],
            "next_page": None,
            "count": 1,
        },
    )
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert template(kb, "de", "returns-policy") == "Sie können Artikel innerhalb von 30 Tagen zurückgeben.\n"
    assert template(kb, "fr", "returns-policy") == "Vous pouvez retourner les articles sous 30 jours.\n"
    assert "variant 3 of 'Returns policy' (fr) is inactive in Zendesk: imported anyway" in result.stderr
    assert "variant 4 of 'Returns policy' has Zendesk locale_id 1176, which replykit cannot name" in result.stderr


def test_gorgias_macros_grouped_by_external_id(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    def macro(number: int, name: str, language: str, html: str, external: str | None) -> dict[str, object]:
        return {
            "id": number,
            "external_id": external,
            "name": name,
            "intent": "shipping/status",
            "language": language,
            "usage": 5,
            "created_datetime": "2024-01-01T00:00:00",
            "updated_datetime": "2024-01-02T00:00:00",
            "uri": f"/api/macros/{number}/",
            "actions": [
                {
                    "arguments": {"tags": "question, order-status"},
                    "name": "addTags",
                    "title": "Add tags",
                    "type": "user",
                },
                {
                    "arguments": {"body_html": html, "body_text": "plain fallback"},
                    "name": "setResponseText",
                    "title": "Add response text",
                    "type": "user",
                },
            ],
        }

    source = dump(
        tmp_path / "gorgias.json",
        {
            "data": [
                macro(
                    1,
                    "Order status",
                    "en",
                    "<div>Hi {{ticket.customer.firstname}},</div><br><div>It was delivered.</div>",
                    "order-status",
                ),
                macro(
                    2,
                    "Bestellstatus",
                    "de",
                    "<div>Hallo {{ticket.customer.firstname}},</div><br><div>Zugestellt.</div>",
                    "order-status",
                ),
                macro(3, "Nur Deutsch", "de", "<p>Nur auf Deutsch.</p>", None),
            ],
            "meta": {"next_cursor": None, "prev_cursor": None},
            "object": "list",
            "uri": "/api/macros",
        },
    )
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert template(kb, "en", "order-status") == "Hi {{ customer.name }},\n\nIt was delivered.\n"
    assert template(kb, "de", "order-status") == "Hallo {{ customer.name }},\n\nZugestellt.\n"
    data = yaml.safe_load((kb / "kb/order-status.yaml").read_text(encoding="utf-8"))
    assert data["questions"] == {"en": ["Order status"], "de": ["Bestellstatus"]}
    assert "gorgias.json: item 3: no answer in the source locale en: skipped" in result.stderr
    assert "actions addTags are not replies" in result.stderr


def test_chatwoot_canned_responses(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = dump(
        tmp_path / "canned.json",
        [
            {
                "id": 1,
                "account_id": 3,
                "short_code": "welcome",
                "content": "Hello, {{contact.name}}! Welcome.",
                "created_at": "2024-05-01T10:00:00.000Z",
                "updated_at": "2024-05-01T10:00:00.000Z",
            },
            {
                "id": 2,
                "account_id": 3,
                "short_code": "refund_time",
                "content": "Refunds take 5 days, {{agent.name}} here.",
            },
        ],
    )
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert template(kb, "en", "welcome") == "Hello, {{ customer.name }}! Welcome.\n"
    assert yaml.safe_load((kb / "kb/refund-time.yaml").read_text(encoding="utf-8"))["questions"] == {
        "en": ["refund time"]
    }
    assert "canned.json: item 2: unknown placeholder {{agent.name}} (en) kept as text" in result.stderr


def test_help_scout_saved_replies_and_list_previews(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = dump(
        tmp_path / "saved-replies.json",
        [
            {
                "id": 234567,
                "name": "Visiting us in person",
                "text": "Hi %customer.firstName%,<br /><br />Of course you can visit us! Come in at any time."
                "<br /><br />See you!",
                "chatText": "Hi there, you can visit us.",
            },
            {"id": 123456, "name": "Giving back", "preview": "Hi there, Yes! When you check out..."},
        ],
    )
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert template(kb, "en", "visiting-us-in-person") == (
        "Hi {{ customer.name }},\n\nOf course you can visit us! Come in at any time.\n\nSee you!\n"
    )
    assert "saved-replies.json: item 2: saved reply 'Giving back' has only a 'preview'" in result.stderr


def test_helpdesk_text_is_data_even_when_it_looks_like_jinja(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = dump(
        tmp_path / "canned.json",
        [
            {"id": 1, "short_code": "evil", "content": "{% for i in range(10**9) %}x{% endfor %}{{ config }}"},
        ],
    )
    assert run_cli("import", str(source), "--kb", str(kb)).exit_code == 0
    reply = run_cli("render", "evil", "--kb", str(kb), "--locale", "en", "--channel", "chat")
    assert reply.exit_code == 0, reply.stderr
    assert reply.stdout.strip() == "{% for i in range(10**9) %}x{% endfor %}{{ config }}"


@pytest.mark.parametrize(
    ("fmt", "data", "message"),
    [
        (
            "zendesk-macros",
            {"rules": []},
            'expected a zendesk-macros export ({"macros": [...]}), found an object with keys rules',
        ),
        (
            "zendesk-macros",
            {"macros": [{"id": 1, "actions": []}]},
            "item 1: no 'title' text, which every Zendesk macro item has",
        ),
        ("gorgias", {"data": ["x"]}, "item 1: expected an object, found a JSON str"),
        ("chatwoot", [{"id": 1, "content": "x"}], "item 1: no 'short_code' text"),
        ("zendesk-dynamic-content", {"items": [{"name": "x"}]}, "item 1: dynamic content 'x' has no 'variants' list"),
        ("auto", [{"title": "a"}, {"foo": 1}], "a JSON export of another shape (a list of objects with keys title)"),
    ],
)
def test_exports_of_another_shape_are_refused_with_the_item_number(
    kb: Path, tmp_path: Path, run_cli: RunCLI, fmt: str, data: object, message: str
) -> None:
    source = dump(tmp_path / "export.json", data)
    result = run_cli("import", str(source), "--kb", str(kb), "--format", fmt)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (kb / "kb").exists()


def test_zendesk_locale_ids_from_the_mapping_file(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = dump(
        tmp_path / "dc.json",
        {
            "items": [
                {
                    "id": 1,
                    "name": "hours",
                    "default_locale_id": 1176,
                    "variants": [{"locale_id": 1176, "default": True, "content": "9 to 5."}],
                }
            ]
        },
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("zendesk_locale_ids:\n  en: 1176\n", encoding="utf-8")
    result = run_cli("import", str(source), "--kb", str(kb), "--mapping", str(mapping))
    assert result.exit_code == 0, result.stderr
    assert template(kb, "en", "hours") == "9 to 5.\n"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (
            {"id": 9, "name": "Opening hours", "text": "We are open <b>9 to 5</b>.", "chatText": "9 to 5"},
            "opening-hours",
        ),
        (
            {"macro": {"id": 9, "title": "Opening hours", "actions": [{"field": "comment_value", "value": "9 to 5."}]}},
            "opening-hours",
        ),
    ],
)
def test_single_item_responses(kb: Path, tmp_path: Path, run_cli: RunCLI, data: object, name: str) -> None:
    """Help Scout's "Get Saved Reply" and Zendesk's "Show Macro" return one object, not a list."""
    result = run_cli("import", str(dump(tmp_path / "one.json", data)), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert template(kb, "en", name).startswith(("We are open 9 to 5.", "9 to 5."))
