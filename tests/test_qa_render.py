"""Rendering after careless KB edits: found in QA, through the CLI."""

from __future__ import annotations

from .conftest import RunCLI, WriteKB

KB = {
    "kb/contact.yaml": "id: contact\nquestions: {en: [How can I reach you?]}\n",
    "templates/en/contact.j2": "Thank you for contacting {{ locale.store_name }}.\n",
    "templates/de/contact.j2": "Vielen Dank für Ihre Anfrage bei {{ locale.store_name }}.\n",
    "locales/en.yaml": "store_name: Kumo Supply\n",
}


def test_a_locale_key_left_empty_falls_back_instead_of_printing_none(write_kb: WriteKB, run_cli: RunCLI) -> None:
    # A translator blanks the value to fill it in later: `store_name:` is YAML's null.
    root = write_kb({**KB, "locales/de.yaml": "store_name:\n"}, config="source_locale: en\nlocales: [en, de]\n")
    result = run_cli("render", "contact", "--kb", str(root), "--locale", "de", "--channel", "chat")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Vielen Dank für Ihre Anfrage bei Kumo Supply.\n"


def test_a_locale_key_empty_in_every_locale_is_an_error_and_a_lint_finding(
    write_kb: WriteKB, run_cli: RunCLI
) -> None:
    # Blanked in the source locale too, there is nothing to fall back on: never "contacting None".
    root = write_kb(
        {**KB, "locales/en.yaml": "team: Support\nstore_name:\n", "locales/de.yaml": "store_name:\n"},
        config="source_locale: en\nlocales: [en, de]\n",
    )
    result = run_cli("render", "contact", "--kb", str(root), "--locale", "de", "--channel", "chat")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "replykit: error: templates/de/contact.j2:1: locale.store_name has no value in this reply's locale"
        " files (locales/<locale>.yaml and its fallbacks): give it one; replykit lint names the file and line\n"
    )
    lint = run_cli("lint", str(root), "--rule", "locale-data")
    assert lint.exit_code == 1
    assert [line.removeprefix(f"{root}/") for line in lint.stdout.splitlines()[:2]] == [
        "locales/de.yaml:1:1: error locale-data key 'store_name' has no value, and templates/de/contact.j2"
        " line 1 reads it as locale.store_name: give it a value",
        "locales/en.yaml:2:1: error locale-data key 'store_name' has no value, and templates/de/contact.j2"
        " line 1 reads it as locale.store_name: give it a value",
    ]


def test_a_broken_template_is_reported_before_missing_values(write_kb: WriteKB, run_cli: RunCLI) -> None:
    # Asking the agent for values first sends them round twice before the real problem shows.
    root = write_kb({
        "kb/track.yaml": "id: track\nquestions: {en: [Where is it?]}\n"
        "variables: {order_id: {type: string, required: true}}\n",
        "templates/en/track.j2": "Order {{ order_id }} is on its way {{ eta }\n",
    })
    result = run_cli("render", "track", "--kb", str(root), "--locale", "en")
    assert result.exit_code == 2
    assert result.stderr == "replykit: error: templates/en/track.j2:1: template syntax error: unexpected '}'\n"
