"""`replykit import` of spreadsheets and Markdown: layouts, encodings, bad input, and re-import as a sync."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml

from tests.conftest import RunCLI, WriteKB

FIXTURES = Path(__file__).parent / "fixtures" / "onboarding"
CONFIG = "source_locale: en\nlocales: [en, de]\n"

WIDE_CSV = (
    "category,question_en,question_en_2,answer_en,question_de,answer_de\n"
    'Shipping,Where is my order?,Where\'s my parcel?,"Hi {{ticket.requester.first_name}}, it is on its way.",'
    'Wo ist meine Bestellung?,"Hallo {{ticket.requester.first_name}}, sie ist unterwegs."\n'
    "Returns,How do I return an item?,,Send it back within 30 days.,Wie schicke ich etwas zurück?,"
    "Senden Sie es innerhalb von 30 Tagen zurück.\n"
)


@pytest.fixture
def kb(write_kb: WriteKB) -> Path:
    return write_kb({}, config=CONFIG)


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def kb_files(root: Path) -> dict[str, str]:
    """Every file of the KB with its text (to prove that a failed import wrote nothing)."""
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()}


def entry(root: Path, rel: str) -> dict[str, object]:
    data = yaml.safe_load((root / rel).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# ---- layouts ------------------------------------------------------------------------------------


def test_wide_csv_becomes_entries_templates_and_variables(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = write(tmp_path / "faq.csv", WIDE_CSV)
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert "create: kb/shipping/where-is-my-order.yaml" in result.stdout
    assert "faq.csv: 2 entries, write 6 files, 0 conflicts" in result.stdout
    data = entry(kb, "kb/shipping/where-is-my-order.yaml")
    assert data["questions"] == {"en": ["Where is my order?", "Where's my parcel?"], "de": ["Wo ist meine Bestellung?"]}
    assert (kb / "templates/en/where-is-my-order.j2").read_text(
        encoding="utf-8"
    ) == "Hi {{ customer.name }}, it is on its way.\n"
    assert run_cli("lint", str(kb)).exit_code == 0
    order = write(tmp_path / "order.yaml", "customer: {name: Anna}\n")
    reply = run_cli(
        "render", "where-is-my-order", "--kb", str(kb), "--locale", "de", "--channel", "chat", "--order", str(order)
    )
    assert reply.exit_code == 0, reply.stderr
    assert reply.stdout.strip() == "Hallo Anna, sie ist unterwegs."


def test_long_layout_links_languages_by_id_and_extra_rows_add_phrasings(
    kb: Path, tmp_path: Path, run_cli: RunCLI
) -> None:
    source = write(
        tmp_path / "faq-long.csv",
        (
            "id,question,answer,language,category\n"
            "track-order,Where is my order?,It is on its way.,en,shipping\n"
            "track-order,Wo ist meine Bestellung?,Sie ist unterwegs.,de,\n"
            "track-order,Where's my parcel?,,en,\n"
            "track-order,Wo ist mein Paket?,Anderer Text.,de-DE,\n"
        ),
    )
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    data = entry(kb, "kb/shipping/track-order.yaml")
    assert data["questions"] == {
        "en": ["Where is my order?", "Where's my parcel?"],
        "de": ["Wo ist meine Bestellung?", "Wo ist mein Paket?"],
    }
    assert (kb / "templates/de/track-order.j2").read_text(encoding="utf-8") == "Sie ist unterwegs.\n"
    assert (
        "faq-long.csv:5: a second, different answer for 'track-order' in de: the first (faq-long.csv:3) was kept"
        in result.stderr
    )


def test_plain_question_answer_columns_use_locale_and_category_option(
    kb: Path, tmp_path: Path, run_cli: RunCLI
) -> None:
    source = write(tmp_path / "de.csv", "Question;Answer\nWie lange dauert der Versand?;Drei bis fünf Tage.\n")
    result = run_cli("import", str(source), "--kb", str(kb), "--locale", "de", "--category", "Versand")
    # German-only FAQs have no English reply, which every entry needs: listed, nothing written.
    assert result.exit_code == 2
    assert "de.csv:2: no answer in the source locale en: skipped" in result.stderr
    ok = write(tmp_path / "en.csv", "Question;Answer\nHow long does shipping take?;Three to five days.\n")
    result = run_cli("import", str(ok), "--kb", str(kb), "--category", "Delivery Times")
    assert result.exit_code == 0, result.stderr
    assert (kb / "kb/delivery-times/how-long-does-shipping-take.yaml").is_file()


def test_markdown_with_language_sections_and_anchors(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = write(
        tmp_path / "faq.md",
        (
            "# English\n\n## Shipping\n\n### Where is my order? {#track-order}\n\n"
            "It is on its way.\n\nTrack it online.\n\n"
            "### How do I pay?\n\nBy card.\n\n"
            "# Deutsch\n\n## Versand\n\n### Wo ist meine Bestellung? {#track-order}\n\nSie ist unterwegs.\n\n"
            "### Wie bezahle ich?\n\nMit Karte.\n\n```\n# not a heading\n```\n"
        ),
    )
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert (kb / "templates/en/track-order.j2").read_text(encoding="utf-8") == "It is on its way.\n\nTrack it online.\n"
    assert entry(kb, "kb/shipping/track-order.yaml")["questions"] == {
        "en": ["Where is my order?"],
        "de": ["Wo ist meine Bestellung?"],
    }
    assert entry(kb, "kb/shipping/how-do-i-pay.yaml")["questions"] == {
        "en": ["How do I pay?"],
        "de": ["Wie bezahle ich?"],
    }
    assert "```\n# not a heading\n```" in (kb / "templates/de/how-do-i-pay.j2").read_text(encoding="utf-8")


def test_markdown_one_file_per_language(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    en = write(tmp_path / "faq.en.md", "## Where is my order? {#track-order}\n\nOn its way.\n")
    de = write(tmp_path / "faq.de.md", "## Wo ist meine Bestellung? {#track-order}\n\nUnterwegs.\n")
    result = run_cli("import", str(en), str(de), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert (kb / "templates/de/track-order.j2").read_text(encoding="utf-8") == "Unterwegs.\n"


# ---- real spreadsheet files ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["faq-libreoffice.xlsx", "faq-libreoffice.ods"])
def test_spreadsheets_written_by_libreoffice(kb: Path, run_cli: RunCLI, name: str) -> None:
    result = run_cli("import", str(FIXTURES / name), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert (kb / "templates/de/where-is-my-order.j2").read_text(encoding="utf-8") == (
        "Hallo {{ customer.name }}, Ihre Bestellung ist unterwegs.\n"
        "Sie können sie mit dem Link in Ihrer Versand-E-Mail verfolgen.\n"
    )
    assert entry(kb, "kb/returns/how-do-i-return-an-item.yaml")["questions"] == {
        "en": ["How do I return an item?", "Can I send it back?"],
        "de": ["Wie schicke ich etwas zurück?"],
    }
    assert f"{name}:2:" in result.stderr and "formula" in result.stderr  # the "days" column: computed by LibreOffice
    assert run_cli("lint", str(kb)).exit_code == 0


def test_xlsx_written_by_openpyxl_with_a_formula_that_has_no_saved_result(
    kb: Path, tmp_path: Path, run_cli: RunCLI
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["question_en", "answer_en", "question_de", "answer_de"])
    sheet.append(
        ["Do you ship to Austria?", "Yes, in 3 to 5 days.", "Liefern Sie nach Österreich?", "Ja, in 3 bis 5 Tagen."]
    )
    sheet.append(["How much is shipping?", '=CONCAT("It costs ", 5, " EUR.")', "Was kostet der Versand?", "5 EUR."])
    book.create_sheet("Notes").append(["internal"])
    path = tmp_path / "openpyxl.xlsx"
    book.save(path)
    result = run_cli("import", str(path), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert "openpyxl.xlsx:3: cell B3 is a formula (=CONCAT(" in result.stderr
    assert "no saved result" in result.stderr
    assert "only the first sheet 'Sheet' was read; not imported: Notes" in result.stderr
    assert "openpyxl.xlsx:3: no answer in the source locale en: skipped" in result.stderr
    assert (kb / "templates/en/do-you-ship-to-austria.j2").read_text(encoding="utf-8") == "Yes, in 3 to 5 days.\n"


def test_xlsx_category_merged_over_rows_applies_to_each_row(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    # Spreadsheet FAQs group rows under a category written once in merged cells.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["category", "question_en", "answer_en"])
    sheet.append(["Shipping", "Where is my order?", "On its way."])
    sheet.append([None, "Do you ship to Austria?", "Yes."])
    sheet.append([None, "How much is shipping?", "5 EUR."])
    sheet.append(["Returns", "How do I return an item?", "Send it back."])
    sheet.merge_cells("A2:A4")
    path = tmp_path / "merged.xlsx"
    book.save(path)
    result = run_cli("import", str(path), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert "merged.xlsx:2: cells A2:A4 are merged: 'Shipping' applies to rows 2-4" in result.stderr
    for name in ("where-is-my-order", "do-you-ship-to-austria", "how-much-is-shipping"):
        assert (kb / f"kb/shipping/{name}.yaml").is_file(), name
    assert (kb / "kb/returns/how-do-i-return-an-item.yaml").is_file()


# ---- encodings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_csv_encodings_excel_writes(kb: Path, tmp_path: Path, run_cli: RunCLI, encoding: str) -> None:
    text = (
        "question_en,answer_en,question_de,answer_de\n"
        "Can I pay later?,Yes – within 14 days.,Kann ich später zahlen?,Ja – binnen 14 Tagen gemäß AGB.\n"
    )
    source = write(tmp_path / "excel.csv", text.encode(encoding))
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert (kb / "templates/de/can-i-pay-later.j2").read_text(encoding="utf-8") == "Ja – binnen 14 Tagen gemäß AGB.\n"
    assert ("read as Windows-1252" in result.stderr) == (encoding == "cp1252")
    assert "\ufeff" not in json.dumps(entry(kb, "kb/can-i-pay-later.yaml"))


# ---- bad input: a clear message with the row, nothing half-written --------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "empty.csv: the sheet 'empty.csv' is empty"),
        ("header-only.csv", "question_en,answer_en\n", "found no question with an answer in en"),
        ("columns.csv", "title,body\nHi,There\n", "columns.csv:1: no answer column (found: title, body)"),
        (
            "long.csv",
            "question,answer,language\nHi,There,en\n",
            "long.csv:1: one row per language needs the columns id",
        ),
        (
            "locale.csv",
            "question_en,answer_en,question_fr,answer_fr\nA?,B.,C?,D.\n",
            "locale.csv:1: locale 'fr' is not one of this KB's locales (en, de)",
        ),
        (
            "bad.cp.csv",
            b"question_en,answer_en\nA?,\x81\x8d\n",
            "bad.cp.csv:2: the file is neither UTF-8 nor Windows-1252",
        ),
        (
            "other.json",
            '{"articles": [{"title": "x"}]}',
            "other.json: a JSON export of another shape (an object with keys articles)",
        ),
        ("broken.json", '{"macros": [', "broken.json:1: not valid JSON"),
        ("broken.xlsx", "not a zip", "broken.xlsx: not a readable XLSX workbook"),
        ("broken.ods", "not a zip", "broken.ods: not a readable ODS spreadsheet"),
        ("faq.docx", "x", "faq.docx: cannot tell the format from the name: give --format"),
    ],
)
def test_bad_input_is_one_clear_error_and_nothing_is_written(
    kb: Path, tmp_path: Path, run_cli: RunCLI, name: str, content: str | bytes, message: str
) -> None:
    before = kb_files(kb)
    source = write(tmp_path / name, content)
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert kb_files(kb) == before


def test_an_error_in_a_late_row_leaves_the_good_rows_unwritten(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    before = kb_files(kb)
    source = write(
        tmp_path / "late.csv",
        "id,question,answer,language\n"
        + "".join(f"q{n},Question {n}?,Answer {n}.,en\n" for n in range(50))
        + "q50,Question 50?,Answer.,xx-bogus\n",
    )
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 2
    assert "late.csv:52:" in result.stderr
    assert kb_files(kb) == before


def test_a_50_mb_file_is_refused_before_reading(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    big = tmp_path / "huge.csv"
    with big.open("wb") as f:
        f.write(b"question_en,answer_en\n")
        f.truncate(50 * 1024 * 1024)
    result = run_cli("import", str(big), "--kb", str(kb))
    assert result.exit_code == 2
    assert "huge.csv: 50.0 MB is more than replykit imports (20 MB)" in result.stderr


def test_duplicate_questions_and_unknown_placeholders_are_warnings_with_rows(
    kb: Path, tmp_path: Path, run_cli: RunCLI
) -> None:
    source = write(
        tmp_path / "dups.csv",
        (
            "question_en,answer_en\n"
            "Where is my order?,On its way to {{ticket.requester.first_name}}. Ref {{ticket.id}}.\n"
            "where is my  order?,Another answer.\n"
        ),
    )
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert "dups.csv:3: duplicate question 'where is my order?' (also dups.csv:2): dropped here" in result.stderr
    assert "dups.csv:3: no question left to match customers' messages: skipped" in result.stderr
    assert "dups.csv:2: unknown placeholder {{ticket.id}} (en) kept as text: map it" in result.stderr
    reply = run_cli(
        "render",
        "where-is-my-order",
        "--kb",
        str(kb),
        "--locale",
        "en",
        "--channel",
        "chat",
        "--order",
        str(write(tmp_path / "o.yaml", "customer: {name: Bo}\n")),
    )
    assert reply.stdout.strip() == "On its way to Bo. Ref {{ticket.id}}."


def test_a_mapping_file_turns_unknown_placeholders_into_variables(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = write(
        tmp_path / "faq.csv", "question_en,answer_en\nStatus?,Order {{ticket.id}} ships %conversation.number%.\n"
    )
    mapping = write(
        tmp_path / "map.yaml", 'placeholders:\n  "{{ ticket.id }}": order_id\n  "%conversation.number%": case_id\n'
    )
    result = run_cli("import", str(source), "--kb", str(kb), "--mapping", str(mapping))
    assert result.exit_code == 0, result.stderr
    assert (kb / "templates/en/status.j2").read_text(encoding="utf-8") == "Order {{ order_id }} ships {{ case_id }}.\n"
    assert entry(kb, "kb/status.yaml")["variables"] == {
        "order_id": {"type": "string", "required": True},
        "case_id": {"type": "string", "required": True},
    }
    reply = run_cli(
        "render",
        "status",
        "--kb",
        str(kb),
        "--locale",
        "en",
        "--channel",
        "chat",
        "--var",
        "order_id=A-1",
        "--var",
        "case_id=77",
    )
    assert reply.stdout.strip() == "Order A-1 ships 77."


def test_jinja_in_imported_text_is_data_never_template_source(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    attack = "{{ ''.__class__.__mro__ }} {% for x in range(9) %}x{% endfor %} {# c #} {{ '{' }} {"
    source = write(tmp_path / "evil.csv", "question_en,answer_en\nEvil?," + json.dumps(attack) + "\n")
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    reply = run_cli("render", "evil", "--kb", str(kb), "--locale", "en", "--channel", "chat")
    assert reply.exit_code == 0, reply.stderr
    assert reply.stdout.strip() == attack


# ---- re-import is a sync ------------------------------------------------------------------------


def test_the_same_import_again_changes_nothing(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = write(tmp_path / "faq.csv", WIDE_CSV)
    assert run_cli("import", str(source), "--kb", str(kb)).exit_code == 0
    state = kb / "replykit.import-state.json"
    assert state.is_file()
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in kb.rglob("*") if p.is_file()}
    again = run_cli("import", str(source), "--kb", str(kb))
    assert again.exit_code == 0
    assert "write 0 files, 0 conflicts" in again.stdout
    assert "create" not in again.stdout and "update" not in again.stdout
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in kb.rglob("*") if p.is_file()} == before


def test_an_upstream_change_to_an_unedited_file_lands(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = write(tmp_path / "faq.csv", WIDE_CSV)
    assert run_cli("import", str(source), "--kb", str(kb)).exit_code == 0
    write(source, WIDE_CSV.replace("Send it back within 30 days.", "Send it back within 60 days."))
    dry = run_cli("import", str(source), "--kb", str(kb), "--dry-run")
    assert dry.exit_code == 0
    assert "would update: templates/en/how-do-i-return-an-item.j2" in dry.stdout
    assert "30 days" in (kb / "templates/en/how-do-i-return-an-item.j2").read_text(encoding="utf-8")
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0
    assert result.stdout.count("update:") == 1
    assert (kb / "templates/en/how-do-i-return-an-item.j2").read_text(
        encoding="utf-8"
    ) == "Send it back within 60 days.\n"


def test_a_local_edit_is_kept_when_upstream_did_not_change(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = write(tmp_path / "faq.csv", WIDE_CSV)
    assert run_cli("import", str(source), "--kb", str(kb)).exit_code == 0
    template = kb / "templates/en/how-do-i-return-an-item.j2"
    write(template, "Send it back within {{ locale.return_days }} days.\n")
    yaml_file = kb / "kb/returns/how-do-i-return-an-item.yaml"
    write(
        yaml_file,
        yaml_file.read_text(encoding="utf-8").replace(
            "  - How do I return an item?\n", "  - How do I return an item?\n  - return label\n"
        ),
    )
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert "keep local edit: templates/en/how-do-i-return-an-item.j2" in result.stdout
    assert "keep local edit: kb/returns/how-do-i-return-an-item.yaml" in result.stdout
    assert template.read_text(encoding="utf-8") == "Send it back within {{ locale.return_days }} days.\n"
    assert "return label" in yaml_file.read_text(encoding="utf-8")


def test_a_change_on_both_sides_is_a_conflict_local_kept_upstream_shown(
    kb: Path, tmp_path: Path, run_cli: RunCLI
) -> None:
    source = write(tmp_path / "faq.csv", WIDE_CSV)
    assert run_cli("import", str(source), "--kb", str(kb)).exit_code == 0
    template = kb / "templates/en/how-do-i-return-an-item.j2"
    write(template, "Send it back within 45 days (our edit).\n")
    write(source, WIDE_CSV.replace("Send it back within 30 days.", "Send it back within 60 days."))
    state_before = (kb / "replykit.import-state.json").read_text(encoding="utf-8")
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 1
    assert (
        "conflict: templates/en/how-do-i-return-an-item.j2: changed here and upstream: your text is kept"
        in result.stdout
    )
    assert "-Send it back within 45 days (our edit)." in result.stdout
    assert "+Send it back within 60 days." in result.stdout
    assert "1 conflict" in result.stdout
    assert template.read_text(encoding="utf-8") == "Send it back within 45 days (our edit).\n"
    assert (kb / "replykit.import-state.json").read_text(encoding="utf-8") == state_before
    assert run_cli("import", str(source), "--kb", str(kb)).exit_code == 1  # still a conflict until settled

    settled = run_cli("import", str(source), "--kb", str(kb), "--resolve", "upstream")
    assert settled.exit_code == 0
    assert template.read_text(encoding="utf-8") == "Send it back within 60 days.\n"
    assert "write 0 files" in run_cli("import", str(source), "--kb", str(kb)).stdout


def test_resolving_a_conflict_for_the_local_text(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = write(tmp_path / "faq.csv", WIDE_CSV)
    assert run_cli("import", str(source), "--kb", str(kb)).exit_code == 0
    template = kb / "templates/en/how-do-i-return-an-item.j2"
    write(template, "Ours.\n")
    write(source, WIDE_CSV.replace("Send it back within 30 days.", "Theirs."))
    assert run_cli("import", str(source), "--kb", str(kb), "--resolve", "local").exit_code == 0
    assert template.read_text(encoding="utf-8") == "Ours.\n"
    assert run_cli("import", str(source), "--kb", str(kb)).exit_code == 0  # settled: no conflict any more


def test_ids_stay_stable_and_unique(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    first = write(tmp_path / "a.csv", "question_en,answer_en\nWhere is my order?,A.\n")
    second = write(tmp_path / "b.csv", "question_en,answer_en\nWhere is my order?,B.\n日本への配送は？,C.\n")
    assert run_cli("import", str(first), "--kb", str(kb)).exit_code == 0
    result = run_cli("import", str(second), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert (kb / "templates/en/where-is-my-order.j2").read_text(encoding="utf-8") == "A.\n"
    assert (kb / "templates/en/where-is-my-order-2.j2").read_text(encoding="utf-8") == "B.\n"
    hashed = [p.name for p in (kb / "kb").glob("faq-*.yaml")]
    assert len(hashed) == 1
    again = run_cli("import", str(second), "--kb", str(kb))
    assert "write 0 files" in again.stdout
    assert sorted(p.name for p in (kb / "kb").glob("*.yaml")) == sorted(
        ["where-is-my-order.yaml", "where-is-my-order-2.yaml", *hashed]
    )


@pytest.mark.parametrize(("name", "module"), [("faq-libreoffice.xlsx", "openpyxl"), ("faq-libreoffice.ods", "odf")])
def test_a_missing_extra_is_one_line_with_the_install_command(
    kb: Path, run_cli: RunCLI, monkeypatch: pytest.MonkeyPatch, name: str, module: str
) -> None:
    for loaded in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, loaded)
    monkeypatch.setitem(sys.modules, module, None)  # what `import` sees when the package is not installed
    result = run_cli("import", str(FIXTURES / name), "--kb", str(kb))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"replykit: error: importing {name.rsplit('.', 1)[1].upper()} needs the optional 'xlsx' libraries: "
        "pip install 'replykit[xlsx]'"
    ]


def test_a_failed_write_puts_back_what_was_written(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    (kb / "kb").mkdir()
    (kb / "kb/zeta").write_text("a file where the import needs a folder\n", encoding="utf-8")
    before = kb_files(kb)
    source = write(tmp_path / "faq.csv", "category,question_en,answer_en\nAlpha,First?,One.\nZeta,Second?,Two.\n")
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 2
    assert "cannot write" in result.stderr and "nothing was imported" in result.stderr
    assert kb_files(kb) == before
    assert not (kb / "kb/alpha").exists()
    assert not (kb / "templates").exists()


def test_an_upstream_placeholder_gets_declared_even_in_a_locally_edited_entry(
    kb: Path, tmp_path: Path, run_cli: RunCLI
) -> None:
    source = write(tmp_path / "faq.csv", "id,question_en,answer_en,tags\nstatus,Status?,It ships soon.,orders\n")
    assert run_cli("import", str(source), "--kb", str(kb)).exit_code == 0
    entry_file = kb / "kb/status.yaml"
    data = entry(kb, "kb/status.yaml")
    data["questions"] = {"en": ["Status?", "where is it"]}  # a local edit
    data["examples"] = {"en": ["any news on my order?"]}
    entry_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    write(source, "id,question_en,answer_en,tags\nstatus,Status?,Order {{ order_id }} ships soon.,orders\n")
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "update: templates/en/status.j2" in result.stdout
    merged = entry(kb, "kb/status.yaml")
    assert merged["questions"] == {"en": ["Status?", "where is it"]}  # the local questions stay
    assert merged["examples"] == {"en": ["any news on my order?"]}
    assert merged["variables"] == {"order_id": {"type": "string", "required": True}}
    lint = run_cli("lint", str(kb))
    assert "undeclared" not in lint.stdout
    assert "missing-translation" in lint.stdout  # the KB declares de, the source has no German: lint's job


def test_markdown_without_anchors_pairs_by_position_and_says_so(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = write(
        tmp_path / "faq.md",
        (
            "# en\n\n## Where is my order?\n\nOn its way.\n\n## Can I pay later?\n\nYes.\n\n"
            "# de\n\n## Wo ist meine Bestellung?\n\nUnterwegs.\n\n"
            "# Klingon\n\n## nuqDaq?\n\nqaStaH.\n"
        ),
    )
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stderr
    assert "faq.md: the languages have different numbers of questions (de: 1, en: 2) and are paired by position" in (
        result.stderr
    )
    assert "faq.md:17: 'Klingon' is not a language of this KB: its questions were skipped" in result.stderr
    assert entry(kb, "kb/where-is-my-order.yaml")["questions"] == {
        "en": ["Where is my order?"],
        "de": ["Wo ist meine Bestellung?"],
    }
    assert entry(kb, "kb/can-i-pay-later.yaml")["questions"] == {"en": ["Can I pay later?"]}


def test_an_entry_moved_to_another_folder_keeps_syncing(kb: Path, tmp_path: Path, run_cli: RunCLI) -> None:
    source = write(tmp_path / "faq.csv", WIDE_CSV)
    assert run_cli("import", str(source), "--kb", str(kb)).exit_code == 0
    (kb / "kb/policies").mkdir()
    (kb / "kb/returns/how-do-i-return-an-item.yaml").rename(kb / "kb/policies/how-do-i-return-an-item.yaml")
    write(source, WIDE_CSV.replace("How do I return an item?,", "How do I return an item?,Can I send it back?"))
    result = run_cli("import", str(source), "--kb", str(kb))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "update: kb/policies/how-do-i-return-an-item.yaml" in result.stdout
    assert not (kb / "kb/returns/how-do-i-return-an-item.yaml").exists()
    assert entry(kb, "kb/policies/how-do-i-return-an-item.yaml")["questions"]["en"] == [
        "How do I return an item?",
        "Can I send it back?",
    ]
    assert "write 0 files" in run_cli("import", str(source), "--kb", str(kb)).stdout
