"""`replykit translations export|import`: PO, XLIFF and CSV out to translators' tools and back.

Real counterparts read the files: gettext's msgfmt, translate-toolkit's pofilter and its XLIFF
store. The tests fail (never skip) when one of them is missing: see system-packages.txt and the
dev extra.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from .conftest import RunCLI, WriteKB
from .lint_kb_files import CLEAN_KB

BIN = Path(sys.executable).parent
TODAY = datetime.now(UTC).date().isoformat()
JA_POLICY = "返品は14日以内{% if member is defined %}（会員様は30日以内）{% endif %}に受け付けております。"


def _kb(write_kb: WriteKB) -> Path:
    """CLEAN_KB without the ja refund-status template, with a pending entry and locale texts."""
    files = {k: v for k, v in CLEAN_KB.items() if k != "templates/ja/refund-status.j2"}
    files["locales/en.yaml"] += 'support_hours: "Monday to Friday, 9:00-18:00"\n'
    files["locales/de.yaml"] += 'support_hours: "Montag bis Freitag, 9-18 Uhr"\n'
    files["kb/new-policy.yaml"] = """
        id: new-policy
        translations: pending
        notes: The return window changed in November; keep the tone friendly.
        questions:
          en: ["what is the new return policy", "did the return window change"]
        variables:
          return_by: {type: date, required: true, description: Last day to send the item back}
          member: {type: string}
        """
    files["templates/en/new-policy.j2"] = (
        "Returns are now accepted for 14 days{% if member is defined %}, or 30 days for members{% endif %}.\n"
        "\n"
        "{% if return_by is defined %}\n"
        "Please send the item back by {{ return_by | date }}.\n"
        "{% endif %}\n"
    )
    return write_kb(files)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _export(run_cli: RunCLI, root: Path, locale: str, fmt: str, *extra: str) -> Path:
    out = root.parent / f"{locale}-{fmt}{'-all' if '--all' in extra else ''}.{fmt}"
    result = run_cli("translations", "export", "--kb", str(root), "--locale", locale, "--format", fmt, "-o", str(out),
                     *extra)
    assert result.exit_code == 0, result.stderr
    return out


def _import(run_cli: RunCLI, root: Path, *files: Path) -> tuple[int, str, str]:
    result = run_cli("translations", "import", "--kb", str(root), *map(str, files))
    return result.exit_code, result.stdout, result.stderr


def _translate_po(path: Path, translations: dict[str, str], *, keep_fuzzy: bool = False) -> None:
    """What a translator's tool does: fill msgstr by msgctxt and clear the fuzzy flag."""
    catalog = read_po(io.BytesIO(path.read_bytes()))
    for message in catalog:
        if message.context in translations:
            message.string = translations[message.context]
            if not keep_fuzzy:
                message.flags.discard("fuzzy")
    out = io.BytesIO()
    write_po(out, catalog, include_previous=True)
    path.write_bytes(out.getvalue())


def _tool(name: str) -> str:
    found = shutil.which(name) or (str(BIN / name) if (BIN / name).exists() else None)
    assert found, f"{name} is required for this test (gettext / translate-toolkit): install it"
    return found


# ---- round trips --------------------------------------------------------------------------------


def test_export_then_import_without_edits_changes_no_byte(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = _kb(write_kb)
    assert run_cli("mark-reviewed", "--all", "--yes", "--kb", str(root)).exit_code == 0
    before = _snapshot(root)
    for fmt in ("po", "xliff", "csv"):
        for locale in ("de", "ja"):
            for extra in ((), ("--all",)):
                code, out, err = _import(run_cli, root, _export(run_cli, root, locale, fmt, *extra))
                assert code == 0, err
                assert out.startswith("imported 0 files changed, 0 translations recorded as reviewed"), out
    assert _snapshot(root) == before


def test_po_passes_msgfmt_and_pofilter_and_carries_context(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = _kb(write_kb)
    po = _export(run_cli, root, "de", "po", "--all")
    check = subprocess.run([_tool("msgfmt"), "--check-format", "--check-header", "-o", "/dev/null", str(po)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    filtered = po.parent / "filtered.po"
    pofilter = subprocess.run([_tool("pofilter"), str(po), str(filtered)], capture_output=True, text=True)
    assert pofilter.returncode == 0, pofilter.stderr
    assert filtered.exists()

    text = po.read_text(encoding="utf-8")
    assert '"Language: de\\n"' in text
    again = po.read_bytes()
    assert _export(run_cli, root, "de", "po", "--all").read_bytes() == again  # same KB, same bytes
    # msgctxt starts with the entry id; variables with type and example; the entry's notes; placeholders flagged
    assert 'msgctxt "new-policy#new-policy#2"\nmsgid "Please send the item back by {{ return_by | date }}."' in text
    assert "#. note: The return window changed in November; keep the tone friendly." in text
    assert "#. {{ return_by }} is date, required, e.g. " in text
    assert ": Last day to send" in text
    assert '#, no-python-brace-format, no-python-format, placeholders:r"\\{\\{.*?\\}\\}|\\{%.*?%\\}"' in text
    assert "#: templates/en/new-policy.j2:4" in text
    # the {% if %} lines stay in the skeleton: no unit holds them
    assert "{% if return_by is defined %}" not in text
    # questions go out as phrasings to write, with the instruction
    assert 'msgctxt "new-policy#questions"\nmsgid ""\n"what is the new return policy\\n"' in text
    assert "natural phrasings for the market" in text
    # locale data: the texts, not the codes, URLs or time zones
    assert 'msgctxt "@locale#support_hours"' in text
    assert "@locale#timezone" not in text and "@locale#currency" not in text


def test_xliff_is_valid_1_2_and_opens_in_translate_toolkit(write_kb: WriteKB, run_cli: RunCLI) -> None:
    from translate.storage import factory

    root = _kb(write_kb)
    xliff = _export(run_cli, root, "de", "xliff", "--all")
    store = factory.getobject(str(xliff))
    units = {u.getid().split("\x04")[-1]: u for u in store.units}  # ttk prefixes the <file> name
    unit = units["track-order#track-order#1"]
    assert "{{ order_id }}" in unit.source
    assert "Ihre Bestellung" in unit.target
    text = xliff.read_text(encoding="utf-8")
    assert '<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">' in text
    assert 'source-language="en" target-language="de"' in text
    assert '<source>Your order <ph id="1" ctype="x-jinja">{{ order_id }}</ph> is on its way.</source>' in text


def test_a_translator_fills_the_missing_units_and_the_import_writes_them(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = _kb(write_kb)
    assert run_cli("mark-reviewed", "--all", "--yes", "--kb", str(root)).exit_code == 0
    po = _export(run_cli, root, "ja", "po")
    ids = [m.context for m in read_po(io.BytesIO(po.read_bytes())) if m.id]
    assert ids == [
        "new-policy#new-policy#1", "new-policy#new-policy#2", "new-policy#questions",
        "refund-status#refund-status#1",
        "@locale#support_hours",
    ]
    _translate_po(po, {
        "refund-status#refund-status#1": "{{ refund_amount | money }}を返金いたしました。5日以内に反映されます。",
        "new-policy#new-policy#1": JA_POLICY,
        "new-policy#new-policy#2": "{{ return_by | date }}までに商品をご返送ください。",
        "new-policy#questions": "新しい返品ポリシーは？\n返品期限は変わりましたか\n",
        "@locale#support_hours": "月曜日〜金曜日 9:00〜18:00",
    })
    code, out, err = _import(run_cli, root, po)
    assert code == 0, err
    assert "wrote templates/ja/new-policy.j2\nwrote templates/ja/refund-status.j2\n" in out
    assert "wrote kb/new-policy.yaml" in out and "wrote locales/ja.yaml" in out
    assert "reviewed ja new-policy\nreviewed ja refund-status\n" in out
    assert (root / "templates/ja/new-policy.j2").read_text(encoding="utf-8") == (
        f"{JA_POLICY}\n\n{{% if return_by is defined %}}\n"
        "{{ return_by | date }}までに商品をご返送ください。\n{% endif %}\n"
    )
    entry = (root / "kb/new-policy.yaml").read_text(encoding="utf-8")
    assert entry.endswith(  # written like its neighbour, after it
        '  en: ["what is the new return policy", "did the return window change"]\n'
        '  ja: ["新しい返品ポリシーは？", "返品期限は変わりましたか"]\nvariables:\n'
        "  return_by: {type: date, required: true, description: Last day to send the item back}\n"
        "  member: {type: string}\n"
    )
    locale_file = (root / "locales/ja.yaml").read_text(encoding="utf-8")
    assert locale_file.endswith('support_hours: "月曜日〜金曜日 9:00〜18:00"\n')
    lock = json.loads((root / "replykit.lock").read_text(encoding="utf-8"))
    assert lock["translations"]["refund-status"]["ja"]["reviewed"] == TODAY

    # ja is complete and reviewed now; lint has nothing to say about it.
    lint = run_cli("lint", str(root), "--format", "json")
    ja = [f for f in json.loads(lint.stdout)["findings"] if "/ja/" in f["path"] or "ja " in f["message"][:3]]
    assert ja == []
    assert run_cli("translations", "export", "--kb", str(root), "--locale", "ja").stderr == (
        "replykit: exported 0 units for ja (0 to translate, 0 to review)\n"
    )


def test_stale_units_go_out_fuzzy_with_the_previous_source(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = _kb(write_kb)
    assert run_cli("mark-reviewed", "--all", "--yes", "--kb", str(root)).exit_code == 0
    write_kb({"templates/en/track-order.j2": CLEAN_KB["templates/en/track-order.j2"].replace(
        "It should arrive on", "It should reach you on")})
    po = _export(run_cli, root, "de", "po")
    text = po.read_text(encoding="utf-8")
    assert (
        '#, fuzzy, no-python-brace-format, no-python-format, placeholders:r"\\{\\{.*?\\}\\}|\\{%.*?%\\}"\n'
        '#| msgid "It should arrive on {{ eta | date }}."\n'
        'msgctxt "track-order#track-order#2"\n'
        'msgid "It should reach you on {{ eta | date }}."\n'
        'msgstr "Sie sollte am {{ eta | date }} ankommen."\n'
    ) in text
    assert "track-order#track-order#1" not in text  # the unchanged paragraph needs no work

    xliff = _export(run_cli, root, "de", "xliff")
    xtext = xliff.read_text(encoding="utf-8")
    assert '<target state="needs-review-translation">Sie sollte am' in xtext
    assert '<alt-trans origin="previous-source">\n          <source>It should arrive on' in xtext

    # Left fuzzy: nothing changes, the translation stays stale.
    before = _snapshot(root)
    assert _import(run_cli, root, po)[0] == 0
    assert _snapshot(root) == before
    # Reviewed (fuzzy cleared, wording updated): written and recorded against today's source.
    _translate_po(po, {"track-order#track-order#2": "Sie sollte Sie am {{ eta | date }} erreichen."})
    code, out, err = _import(run_cli, root, po)
    assert code == 0, err
    assert "wrote templates/de/track-order.j2" in out and "reviewed de track-order" in out
    assert "Sie sollte Sie am {{ eta | date }} erreichen." in (root / "templates/de/track-order.j2").read_text()
    stale = run_cli("lint", str(root), "--rule", "stale-translation", "--format", "json")
    assert [f["path"].split("templates/")[-1] for f in json.loads(stale.stdout)["findings"]] == ["ja/track-order.j2"]


def test_a_file_edited_in_poedit_style_imports(write_kb: WriteKB, run_cli: RunCLI) -> None:
    """Poedit's header, lines wrapped at another width, units in another order."""
    root = _kb(write_kb)
    po = _export(run_cli, root, "ja", "po")
    catalog = read_po(io.BytesIO(po.read_bytes()))
    messages = [m for m in catalog if m.id]
    for m in messages:
        catalog.delete(m.id, m.context)
    for m in reversed(messages):
        catalog[m.id] = m
    translations = {
        "refund-status#refund-status#1": "{{ refund_amount | money }}を返金いたしました。5日以内にお客様の口座に"
                                         "反映されます。",
        "new-policy#new-policy#1": JA_POLICY,
    }
    for m in messages:
        if m.context in translations:
            m.string = translations[m.context]
    out = io.BytesIO()
    write_po(out, catalog, width=40)
    poedit = '"X-Generator: Poedit 3.4.2\\n"\n"X-Poedit-SourceCharset: UTF-8\\n"\n'
    text = out.getvalue().decode("utf-8").replace('"Generated-By: Babel', poedit + '"Generated-By: Babel')
    text = text.replace("Last-Translator: replykit export", "Last-Translator: Aiko Tanaka <aiko@example.com>")
    po.write_text(text, encoding="utf-8")
    assert "X-Generator: Poedit 3.4.2" in text
    assert text.index("refund-status#refund-status#1") < text.index("new-policy#new-policy#1")  # reordered

    code, out_text, err = _import(run_cli, root, po)
    assert code == 0, err
    assert "wrote templates/ja/refund-status.j2" in out_text
    assert "skipped templates/ja/new-policy.j2: 1 of 2 paragraphs untranslated, not written" in out_text
    assert not (root / "templates/ja/new-policy.j2").exists()


def test_xliff_and_csv_translations_import(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = _kb(write_kb)
    xliff = _export(run_cli, root, "ja", "xliff")
    text = xliff.read_text(encoding="utf-8")
    # A CAT tool's target: the placeholder as an inline element, moved to where Japanese wants it.
    source = '<source>We refunded <ph id="1" ctype="x-jinja">{{ refund_amount | money }}</ph>; it reaches'
    assert source in text
    end = text.index("</source>", text.index(source)) + len("</source>")
    target = ('\n        <target state="translated"><ph id="1" ctype="x-jinja">{{ refund_amount | money }}</ph>'
              "を返金いたしました。5日以内に反映されます。</target>")
    xliff.write_text(text[:end] + target + text[end:], encoding="utf-8")
    code, out, err = _import(run_cli, root, xliff)
    assert code == 0, err
    assert (root / "templates/ja/refund-status.j2").read_text(encoding="utf-8") == (
        "{{ refund_amount | money }}を返金いたしました。5日以内に反映されます。\n"
    )

    # CSV as a spreadsheet saves it: columns in another order, the target typed in.
    table = _export(run_cli, root, "de", "csv", "--all")
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"), newline="")))
    for row in rows:
        if row["unit"] == "@locale#support_hours":
            row["target"] = "Mo-Fr, 9-18 Uhr"
    columns = ["unit", "target", "source", "locale", "state", "notes", "location", "previous_source"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    table.write_text(buffer.getvalue(), encoding="utf-8")
    code, out, err = _import(run_cli, root, table)
    assert code == 0, err
    assert out.startswith("wrote locales/de.yaml\n")
    assert 'support_hours: "Mo-Fr, 9-18 Uhr"\n' in (root / "locales/de.yaml").read_text(encoding="utf-8")


# ---- refusals: a clear error with file, line and unit, and nothing written -----------------------


def _refused(run_cli: RunCLI, root: Path, *files: Path) -> str:
    before = _snapshot(root)
    code, out, err = _import(run_cli, root, *files)
    assert code == 2, (out, err)
    assert err.startswith("replykit: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert _snapshot(root) == before
    return err


def test_refusals(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = _kb(write_kb)
    po = _export(run_cli, root, "ja", "po")
    original = po.read_bytes()
    good = "{{ refund_amount | money }}を返金いたしました。5日以内に反映されます。"

    def edited(name: str, translations: dict[str, str]) -> Path:
        path = po.parent / name
        path.write_bytes(original)
        _translate_po(path, translations)
        return path

    # a broken placeholder: a variable renamed
    broken = edited("broken.po", {"refund-status#refund-status#1": good.replace("refund_amount", "refund_amt")})
    err = _refused(run_cli, root, broken)
    assert f"{broken}:" in err and "unit 'refund-status#refund-status#1'" in err
    assert "missing {{ refund_amount | money }}; not in the source {{ refund_amt | money }}" in err

    # the same placeholders in an order Jinja cannot parse
    swapped = "返品は14日以内{% endif %}（会員様は30日以内）{% if member is defined %}に受け付けております。"
    nesting = edited("nesting.po", {"new-policy#new-policy#1": swapped})
    err = _refused(run_cli, root, nesting)
    assert "nesting.po:" in err and "unit 'new-policy#new-policy#1': the template would not parse" in err
    # a placeholder added
    added = "{{ return_by | date }}までに{{ order_id }}をご返送ください。"
    extra = edited("extra.po", {"new-policy#new-policy#2": added})
    assert "not in the source {{ order_id }}" in _refused(run_cli, root, extra)

    # lint's translation rules: a number that differs from the source
    number = edited("number.po", {"refund-status#refund-status#1": good.replace("5日", "10日")})
    err = _refused(run_cli, root, number)
    assert "unit 'refund-status#refund-status#1': the translation fails lint: templates/ja/refund-status.j2:1:" in err
    assert "number-mismatch: number '5' of the en template (line 1) is missing here" in err

    # an unknown entry
    unknown = po.parent / "unknown.po"
    unknown.write_bytes(original.replace(b'msgctxt "refund-status#', b'msgctxt "refund-state#'))
    err = _refused(run_cli, root, unknown)
    assert "unit 'refund-state#refund-status#1': no entry 'refund-state' in this KB" in err

    # the wrong locale
    wrong = po.parent / "wrong.po"
    wrong.write_bytes(original.replace(b'"Language: ja\\n"', b'"Language: fr\\n"'))
    err = _refused(run_cli, root, wrong)
    assert f"{wrong}:1: the file is for locale 'fr', which is not a translation locale of this KB (de, ja)" in err

    # a tool's regional code for the KB's language is that language (Crowdin writes de-DE)
    regional = po.parent / "regional.po"
    regional.write_bytes(original.replace(b'"Language: ja\\n"', b'"Language: ja_JP\\n"'))
    assert _import(run_cli, root, regional)[0] == 0

    # not UTF-8
    latin = po.parent / "latin1.po"
    latin.write_bytes(original.replace("何".encode(), b"") + "# café\n".encode("latin-1"))
    err = _refused(run_cli, root, latin)
    assert f"{latin}:" in err and "not UTF-8 (byte 0xe9): save the file as UTF-8" in err

    # truncated, in the middle of a line and at a unit boundary
    cut = po.parent / "cut.po"
    good_file = edited("good.po", {"refund-status#refund-status#1": good})
    data = good_file.read_bytes()
    cut.write_bytes(data[: data.index(b"new-policy#questions") + 5])
    assert "ends in the middle of a line (truncated?)" in _refused(run_cli, root, cut)
    cut.write_bytes(data[: data.index(b"\n\n", data.index(b"new-policy#questions")) + 1])
    assert "holds 3 of the 5 units it was exported with (truncated?)" in _refused(run_cli, root, cut)
    xliff = _export(run_cli, root, "ja", "xliff")
    xdata = xliff.read_bytes()
    xliff.write_bytes(xdata[: len(xdata) // 2])
    assert "not well-formed XLIFF" in _refused(run_cli, root, xliff)
    table = _export(run_cli, root, "ja", "csv")
    tdata = table.read_bytes()
    table.write_bytes(tdata[: tdata.index(b"questions") + 3])
    assert "truncated?" in _refused(run_cli, root, table)

    # the source changed since the export
    write_kb({"templates/en/new-policy.j2": "Returns are now accepted for 30 days.\n"})
    changed = edited("changed.po", {"new-policy#new-policy#1": JA_POLICY})
    err = _refused(run_cli, root, changed)
    assert "unit 'new-policy#new-policy#1': the en source of this unit changed since the export: export again" in err


def test_all_files_or_none(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = _kb(write_kb)
    ja = _export(run_cli, root, "ja", "po")
    _translate_po(ja, {"refund-status#refund-status#1": "{{ refund_amount | money }}を返金いたしました。5日以内です。"})
    de = _export(run_cli, root, "de", "po")
    de_policy = "Rücksendungen nehmen wir jetzt 14 Tage{% if member is defined %} (Mitglieder 30 Tage){% endif %} an."
    _translate_po(de, {"new-policy#new-policy#1": de_policy,
                       "new-policy#new-policy#2": "Bitte senden Sie den Artikel bis {{ return_date | date }} zurück."})
    err = _refused(run_cli, root, ja, de)
    assert f"{de}:" in err and "unit 'new-policy#new-policy#2': the placeholders differ" in err
    assert not (root / "templates/ja/refund-status.j2").exists()


def test_files_saved_by_translate_toolkit_import(write_kb: WriteKB, run_cli: RunCLI) -> None:
    """translate-toolkit writes the files back (its own PO wrapping, XLIFF targets as text)."""
    from translate.storage import factory

    root = _kb(write_kb)
    for fmt, locale in (("xliff", "ja"), ("po", "de")):
        path = _export(run_cli, root, locale, fmt)
        store = factory.getobject(str(path))
        for unit in store.units:
            uid = unit.getcontext() if fmt == "po" else unit.getid().split("\x04")[-1]
            if uid == "refund-status#refund-status#1" and locale == "ja":
                unit.target = "{{ refund_amount | money }}を返金いたしました。5日以内に反映されます。"
            elif uid == "new-policy#questions" and locale == "de":
                unit.target = "Was gilt jetzt für Rücksendungen?\nHat sich die Rückgabefrist geändert?"
                unit.markfuzzy(False)
        store.save()
        code, out, err = _import(run_cli, root, path)
        assert code == 0 and "wrote " in out, err
    assert (root / "templates/ja/refund-status.j2").read_text(encoding="utf-8").startswith(
        "{{ refund_amount | money }}を返金いたしました。"
    )
    assert 'de: ["Was gilt jetzt für Rücksendungen?", "Hat sich die Rückgabefrist geändert?"]' in (
        root / "kb/new-policy.yaml"
    ).read_text(encoding="utf-8")
