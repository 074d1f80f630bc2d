"""`replykit export`: CSV that round-trips through `import`, and helpdesk payloads in their API shapes.

Shapes follow the same documentation as tests/test_import_helpdesk.py: Zendesk dynamic content items
with variants and macros (developer.zendesk.com), Gorgias macros with a setResponseText action
(developers.gorgias.com/reference/macros), Chatwoot canned responses with short_code/content
(developers.chatwoot.com, canned responses).
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import RunCLI, WriteKB

FIXTURES = Path(__file__).parent / "fixtures" / "onboarding"

KB_FILES = {
    "kb/shipping/track-order.yaml": """
        id: track-order
        questions:
          en: ["Where is my order?", "tracking number pls"]
          de: ["Wo ist meine Bestellung?"]
        variables:
          order_id: {type: string, required: true}
          eta: {type: date}
        tags: [shipping]
    """,
    "templates/en/track-order.j2": """
        Hi {{ customer.name }}, order {{ order_id }} from {{ locale.store_name }} is on its way.
        {% if eta is defined %}
        It arrives by {{ eta | date('long') }}.
        {% endif %}
    """,
    "templates/de/track-order.j2": "Hallo {{ customer.name }}, Bestellung {{ order_id }} ist unterwegs.\n",
    "templates/ja/track-order.j2": "{{ order_id }} を発送しました。\n",
    "locales/en.yaml": "store_name: Kumo\n",
    "locales/de.yaml": "store_name: Kumo\n",
    "locales/ja.yaml": "store_name: Kumo\n",
}


@pytest.fixture
def kb(write_kb: WriteKB) -> Path:
    return write_kb(KB_FILES)


def read_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def test_zendesk_dynamic_content_with_a_variant_per_locale_and_macros_that_use_it(
    kb: Path, tmp_path: Path, run_cli: RunCLI
) -> None:
    out = tmp_path / "zendesk.json"
    result = run_cli("export", "--to", "zendesk", "-o", str(out), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    data = read_json(out)
    assert isinstance(data, dict)
    (item,) = data["items"]
    assert item["name"] == "track_order"
    assert item["default_locale_id"] == 1
    variants = {v["locale_id"]: v for v in item["variants"]}
    assert set(variants) == {1, 8}  # ja has no Zendesk id without a mapping file
    assert variants[1]["default"] is True
    assert variants[1]["content"] == (
        "Hi {{ticket.requester.first_name}}, order [order_id] from Kumo is on its way.\n\nIt arrives by [eta]."
    )
    assert variants[8]["content"] == "Hallo {{ticket.requester.first_name}}, Bestellung [order_id] ist unterwegs."
    assert data["macros"] == [
        {"title": "Where is my order?", "actions": [{"field": "comment_value", "value": "{{dc.track_order}}"}]}
    ]
    err = result.stderr
    assert (
        "track-order: Zendesk cannot format what Babel formats (dates, money, numbers in the customer's locale): "
        "the agent fills in [eta] (date)" in err
    )
    assert "track-order: Zendesk has no placeholder for order_id: the agent fills in [order_id]" in err
    assert "track-order: template logic Zendesk cannot carry" in err
    assert "track-order (ja): no Zendesk locale id for ja: add it to the mapping file" in err

    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("zendesk_locale_ids: {ja: 67}\n", encoding="utf-8")
    again = run_cli("export", "--to", "zendesk", "-o", str(out), "--kb", str(kb), "--mapping", str(mapping))
    assert again.exit_code == 0
    data = read_json(out)
    assert isinstance(data, dict)
    assert {v["locale_id"] for v in data["items"][0]["variants"]} == {1, 8, 67}


def test_gorgias_macros_one_per_language(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    out = tmp_path / "gorgias.json"
    result = run_cli("export", "--to", "gorgias", "-o", str(out), "--kb", str(kb), "--locale", "en", "--locale", "de")
    assert result.exit_code == 0, result.stderr
    data = read_json(out)
    assert isinstance(data, dict)
    macros = {m["language"]: m for m in data["data"]}
    assert set(macros) == {"en", "de"}
    assert macros["de"]["name"] == "Wo ist meine Bestellung?"
    assert macros["de"]["external_id"] == "track-order"
    (action,) = macros["de"]["actions"]
    assert action["name"] == "setResponseText"
    assert (
        action["arguments"]["body_text"] == "Hallo {{ticket.customer.firstname}}, Bestellung [order_id] ist unterwegs."
    )
    assert action["arguments"]["body_html"].startswith("<p>Hallo {{ticket.customer.firstname}},")


def test_chatwoot_canned_responses_with_short_codes(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    out = tmp_path / "chatwoot.json"
    assert run_cli("export", "--to", "chatwoot", "-o", str(out), "--kb", str(kb)).exit_code == 0
    codes = {r["short_code"]: r["content"] for r in read_json(out)}  # type: ignore[attr-defined]
    assert set(codes) == {"track-order-en", "track-order-de", "track-order-ja"}
    assert codes["track-order-de"] == "Hallo {{contact.name}}, Bestellung [order_id] ist unterwegs."
    assert run_cli("export", "--to", "chatwoot", "-o", str(out), "--kb", str(kb), "-l", "de").exit_code == 0
    assert [r["short_code"] for r in read_json(out)] == ["track-order"]  # type: ignore[attr-defined]


def test_an_unknown_locale_is_a_usage_error(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    result = run_cli("export", "--to", "csv", "-o", str(tmp_path / "x.csv"), "--kb", str(kb), "--locale", "fr")
    assert result.exit_code == 2
    assert "--locale fr: not one of this KB's locales (en, de, ja)" in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_csv_export_reads_as_a_spreadsheet(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    out = tmp_path / "kb.csv"
    result = run_cli("export", "--to", "csv", "-o", str(out), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, so Excel opens UTF-8 correctly
    (row,) = csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines())
    assert row["id"] == "track-order"
    assert row["category"] == "shipping"
    assert row["tags"] == "shipping"
    assert row["question_en_2"] == "tracking number pls"
    assert row["answer_de"] == "Hallo {{ customer.name }}, Bestellung {{ order_id }} ist unterwegs."
    assert "track-order: template logic is written as text" in result.stderr


def test_csv_export_round_trips_through_import(tmp_path: Path, run_cli: RunCLI) -> None:
    first = tmp_path / "first"
    assert run_cli("init", str(first), "--locales", "en,de").exit_code == 0
    assert run_cli("import", str(FIXTURES / "faq-libreoffice.xlsx"), "--kb", str(first)).exit_code == 0
    exported = tmp_path / "export.csv"
    assert run_cli("export", "--to", "csv", "-o", str(exported), "--kb", str(first)).exit_code == 0

    # into the same KB: every entry is recognised by its id, nothing changes
    same = run_cli("import", str(exported), "--kb", str(first))
    assert same.exit_code == 0, same.stderr
    assert "write 0 files, 0 conflicts" in same.stdout

    # into a new KB: the same entries and templates
    second = tmp_path / "second"
    assert run_cli("init", str(second), "--locales", "en,de").exit_code == 0
    result = run_cli("import", str(exported), "--kb", str(second))
    assert result.exit_code == 0, result.stderr

    def tree(root: Path) -> dict[str, str]:
        return {
            str(p.relative_to(root)): p.read_text(encoding="utf-8")
            for folder in ("kb", "templates")
            for p in sorted((root / folder).rglob("*"))
            if p.is_file()
        }

    assert tree(second) == tree(first)
    assert len(tree(first)) == 3 + 2 * 3 + 2 * 2  # 3 entries with en/de templates, and the partials


def test_editing_the_exported_csv_updates_the_kb(tmp_path: Path, run_cli: RunCLI) -> None:
    root = tmp_path / "kb"
    assert run_cli("init", str(root), "--locales", "en,de").exit_code == 0
    exported = tmp_path / "export.csv"
    assert run_cli("export", "--to", "csv", "-o", str(exported), "--kb", str(root)).exit_code == 0
    assert run_cli("import", str(exported), "--kb", str(root)).exit_code == 0  # records the base
    text = exported.read_text(encoding="utf-8-sig").replace("We reply within one business day.", "We reply today.")
    exported.write_text(text, encoding="utf-8-sig")
    result = run_cli("import", str(exported), "--kb", str(root))
    assert result.exit_code == 0, result.stderr
    assert "update: templates/en/contact-us.j2" in result.stdout
    assert (root / "templates/en/contact-us.j2").read_text(encoding="utf-8") == (
        "You can write to us at {{ locale.support_email }}. We reply today.\n"
    )
    assert run_cli("lint", str(root)).exit_code == 0


def test_the_sample_kb_round_trips_through_csv_and_logic_is_never_overwritten(tmp_path: Path, run_cli: RunCLI) -> None:
    repo = Path(__file__).parents[1]
    root = tmp_path / "sample"
    for part in ("kb", "templates", "locales"):
        shutil.copytree(repo / part, root / part)
    shutil.copy(repo / "replykit.yaml", root / "replykit.yaml")
    exported = tmp_path / "sample.csv"
    assert run_cli("export", "--to", "csv", "-o", str(exported), "--kb", str(root)).exit_code == 0
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}

    back = run_cli("import", str(exported), "--kb", str(root))
    assert back.exit_code == 0, back.stderr
    assert "write 0 files, 0 conflicts, 0 warnings" in back.stdout
    assert {p: p.read_bytes() for p in before} == before  # templates with {% if %} and filters untouched

    # a translator changes the German text of a template with logic: a conflict, never a rewrite as plain text
    rows = list(csv.DictReader(exported.read_text(encoding="utf-8-sig").splitlines(keepends=True)))
    (row,) = [r for r in rows if r["id"] == "track-order"]
    assert "{% if" in row["answer_de"]
    row["answer_de"] = row["answer_de"].replace("Sendungsnummer", "Trackingnummer")
    with exported.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    changed = run_cli("import", str(exported), "--kb", str(root))
    assert changed.exit_code == 1
    assert "conflict: templates/de/track-order.j2" in changed.stdout
    assert (root / "templates/de/track-order.j2").read_bytes() == before[root / "templates/de/track-order.j2"]


def test_csv_cells_that_would_open_as_formulas_are_guarded_and_read_back(tmp_path: Path, run_cli: RunCLI) -> None:
    root = tmp_path / "kb"
    assert run_cli("init", str(root)).exit_code == 0
    source = tmp_path / "faq.csv"
    source.write_text('question_en,answer_en\n"=HYPERLINK(""http://x"")?","- step one\n- step two"\n', encoding="utf-8")
    assert run_cli("import", str(source), "--kb", str(root)).exit_code == 0
    exported = tmp_path / "export.csv"
    assert run_cli("export", "--to", "csv", "-o", str(exported), "--kb", str(root)).exit_code == 0
    rows = list(csv.reader(exported.read_text(encoding="utf-8-sig").splitlines(keepends=True)))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://x")?' in cells
    assert "'- step one\n- step two" in cells
    again = run_cli("import", str(exported), "--kb", str(root))
    assert again.exit_code == 0, again.stderr
    assert "write 0 files, 0 conflicts" in again.stdout
