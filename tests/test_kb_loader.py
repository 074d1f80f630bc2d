"""The KB format: every validation error names its file and line, all problems at once, exit 2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from replykit import KBError, load_kb, load_kb_report
from replykit.errors import KBNotFoundError

from .conftest import RunCLI, WriteKB

GOOD_ENTRY = """
id: track-order
questions:
  en: ["Where is my order?", "tracking number pls"]
  de: ["Wo ist meine Bestellung?"]
  ja: ["注文した商品はいつ届きますか"]
variables:
  order_id: {type: string, required: true}
  eta: {type: date}
tags: [shipping]
examples: {en: ["my parcel never came"]}
"""
TEMPLATE = "Your order {{ order_id }} is on its way.\n"


def problems_of(root: Path) -> list[str]:
    result = load_kb_report(root)
    return [p.format(relative_to=root) for p in result.problems]


def test_a_valid_kb_loads_with_typed_entries(write_kb: WriteKB) -> None:
    root = write_kb({"kb/shipping/track-order.yaml": GOOD_ENTRY, "templates/en/track-order.j2": TEMPLATE})
    kb = load_kb(root)
    entry = kb.entries["track-order"]
    assert kb.locales == ("en", "de", "ja")
    assert [p.text for p in entry.questions["en"]] == ["Where is my order?", "tracking number pls"]
    assert entry.questions["ja"][0].line == 5
    assert entry.variables["order_id"].required is True
    assert entry.variables["eta"].type == "date"
    assert entry.template == "track-order"
    assert entry.tags == ("shipping",)
    assert kb.templates["en"]["track-order"].path == root / "templates/en/track-order.j2"


def test_yaml_syntax_error_names_file_and_line(write_kb: WriteKB) -> None:
    root = write_kb({"kb/a.yaml": "id: a\nquestions:\n  en: [unclosed\n", "templates/en/a.j2": "x"})
    [message] = problems_of(root)
    assert message.startswith("kb/a.yaml:4:1: YAML syntax error")


def test_a_tab_in_the_indentation_says_to_use_spaces(write_kb: WriteKB) -> None:
    root = write_kb({"kb/a.yaml": "id: a\nquestions:\n\ten: [hello]\n", "templates/en/a.j2": "x"})
    [message] = problems_of(root)
    assert message.startswith("kb/a.yaml:3:1: YAML syntax error")
    assert message.endswith("a tab character; YAML indents with spaces only, replace the tab with spaces")


def test_an_unquoted_colon_says_to_quote_the_text(write_kb: WriteKB) -> None:
    root = write_kb({"kb/a.yaml": "id: a\nquestions:\n  en: Note: it ships\n", "templates/en/a.j2": "x"})
    [message] = problems_of(root)
    assert message.startswith("kb/a.yaml:3:11: YAML syntax error: mapping values are not allowed")
    assert "must be quoted" in message


def test_duplicate_keys_are_reported_not_silently_dropped(write_kb: WriteKB) -> None:
    entry = "id: a\nquestions:\n  en: [one]\n  en: [two]\n"
    root = write_kb({"kb/a.yaml": entry, "templates/en/a.j2": "x"})
    assert problems_of(root) == ["kb/a.yaml:4:3: duplicate key 'en' (first at line 3): remove one"]


def test_norwegian_no_is_a_locale_not_a_boolean(write_kb: WriteKB) -> None:
    config = "source_locale: en\nlocales: [en, no]\n"
    entry = "id: a\nquestions:\n  en: [hello]\n  no: [hei, 'takk for sist']\n"
    root = write_kb({"kb/a.yaml": entry, "templates/en/a.j2": "x", "templates/no/a.j2": "y"}, config=config)
    kb = load_kb(root)
    assert kb.locales == ("en", "no")
    assert [p.text for p in kb.entries["a"].questions["no"]] == ["hei", "takk for sist"]


def test_questions_must_be_text(write_kb: WriteKB) -> None:
    entry = "id: a\nquestions:\n  en:\n    - where is it\n    - 42\n    - yes\n"
    root = write_kb({"kb/a.yaml": entry, "templates/en/a.j2": "x"})
    assert problems_of(root) == [
        "kb/a.yaml:5:7: questions for en must be texts, found a number: put it in quotes to keep it as text",
        "kb/a.yaml:6:7: questions for en must be texts, found a yes/no value: put it in quotes to keep it as text",
    ]


def test_empty_question_list(write_kb: WriteKB) -> None:
    root = write_kb({"kb/a.yaml": "id: a\nquestions:\n  en: []\n", "templates/en/a.j2": "x"})
    assert problems_of(root) == ["kb/a.yaml:3:7: questions for en is empty: add phrasings or remove the locale"]


def test_unknown_keys_are_errors_with_the_allowed_keys(write_kb: WriteKB) -> None:
    entry = "id: a\nquestions: {en: [hi]}\nvaraibles: {}\nvariables:\n  x: {type: string, requird: true}\n"
    root = write_kb({"kb/a.yaml": entry, "templates/en/a.j2": "x"})
    assert problems_of(root) == [
        "kb/a.yaml:3:1: unknown key 'varaibles' in an entry: expected one of id, questions, template, variables,"
        " tags, examples, lint, draft, translations, notes",
        "kb/a.yaml:5:21: unknown key 'requird' in variable 'x': expected one of type, required, description",
    ]


def test_unknown_variable_type(write_kb: WriteKB) -> None:
    entry = "id: a\nquestions: {en: [hi]}\nvariables:\n  eta: {type: datum}\n"
    root = write_kb({"kb/a.yaml": entry, "templates/en/a.j2": "x"})
    [message] = problems_of(root)
    assert message.startswith("kb/a.yaml:4:15: variable 'eta' has unknown type 'datum': use one of string, int")


def test_duplicate_ids_across_folders(write_kb: WriteKB) -> None:
    root = write_kb(
        {
            "kb/shipping/a.yaml": "id: a\nquestions: {en: [one]}\n",
            "kb/returns/a.yaml": "id: a\nquestions: {en: [two]}\n",
            "templates/en/a.j2": "x",
        }
    )
    [message] = problems_of(root)
    assert message.startswith("kb/shipping/a.yaml:1:1: duplicate id 'a', also used by")
    assert "kb/returns/a.yaml" in message


def test_id_must_equal_file_name(write_kb: WriteKB) -> None:
    root = write_kb({"kb/track.yaml": "id: track-order\nquestions: {en: [hi]}\n", "templates/en/track-order.j2": "x"})
    assert problems_of(root) == [
        "kb/track.yaml:1:5: id 'track-order' differs from the file name 'track.yaml': make them equal"
    ]


def test_id_must_be_a_slug(write_kb: WriteKB) -> None:
    root = write_kb({"kb/Track.yaml": "id: Track\nquestions: {en: [hi]}\n", "templates/en/Track.j2": "x"})
    [message] = problems_of(root)
    assert message.startswith("kb/Track.yaml:1:5: id 'Track' must be lower-case letters")


def test_locale_not_declared(write_kb: WriteKB) -> None:
    root = write_kb({"kb/a.yaml": "id: a\nquestions:\n  en: [hi]\n  fr: [salut]\n", "templates/en/a.j2": "x"})
    assert problems_of(root) == ["kb/a.yaml:4:3: locale 'fr' is not declared in replykit.yaml: add it to locales"]


def test_invalid_locale_ids_in_entries_and_config(write_kb: WriteKB) -> None:
    config = "source_locale: en\nlocales: [en, xx-YY, 'de_']\n"
    root = write_kb({"kb/a.yaml": "id: a\nquestions:\n  en: [hi]\n  english: [hey]\n", "templates/en/a.j2": "x"},
                    config=config)
    assert problems_of(root) == [
        "kb/a.yaml:4:3: 'english' is not a locale id: use a BCP 47 tag or a Babel id such as pt-BR or pt_BR",
        "replykit.yaml:2:15: 'xx-YY' is not a locale Babel knows: use an id such as en, de_AT or pt-BR",
        "replykit.yaml:2:22: 'de_' is not a locale id: use a BCP 47 tag or a Babel id such as pt-BR or pt_BR",
    ]


def test_bcp47_and_babel_ids_are_the_same_locale(write_kb: WriteKB) -> None:
    config = "source_locale: en\nlocales: [en, pt-BR]\n"
    entry = "id: a\nquestions:\n  en: [hi]\n  pt_BR: [oi]\n"
    root = write_kb({"kb/a.yaml": entry, "templates/en/a.j2": "x", "templates/pt-BR/a.j2": "y"}, config=config)
    kb = load_kb(root)
    assert kb.locales == ("en", "pt_BR")
    assert "pt_BR" in kb.entries["a"].questions
    assert "a" in kb.templates["pt_BR"]


def test_missing_source_template(write_kb: WriteKB) -> None:
    root = write_kb({"kb/a.yaml": "id: a\nquestions: {en: [hi]}\ntemplate: reply-a\n", "templates/de/reply-a.j2": "x"})
    assert problems_of(root) == ["kb/a.yaml:3:1: no template for the source locale: create templates/en/reply-a.j2"]


def test_file_that_is_not_utf8(write_kb: WriteKB) -> None:
    root = write_kb({"kb/a.yaml": "id: a\nquestions: {en: [caf\xe9]}\n".encode("latin-1"), "templates/en/a.j2": "x"})
    assert problems_of(root) == ["kb/a.yaml:2:21: file is not UTF-8 text: save it with UTF-8 encoding"]


def test_template_that_is_not_utf8(write_kb: WriteKB) -> None:
    root = write_kb({"kb/a.yaml": "id: a\nquestions: {en: [hi]}\n", "templates/en/a.j2": b"Gr\xfc\xdfe\n"})
    assert "templates/en/a.j2:1:3: file is not UTF-8 text: save it with UTF-8 encoding" in problems_of(root)


def test_config_problems(write_kb: WriteKB) -> None:
    root = write_kb({}, config="source_locale: fr\nlocales: [en, de]\nmatchin: {}\n")
    assert problems_of(root) == [
        "replykit.yaml:1:16: source_locale 'fr' is not in locales: add it there",
        "replykit.yaml:3:1: unknown key 'matchin' in replykit.yaml: expected one of source_locale, locales,"
        " fallbacks, matching, lint, orders, usage_log",
    ]


def test_all_problems_are_reported_at_once_and_exit_2(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(
        {
            "kb/a.yaml": "id: a\nquestions:\n  en: [hi]\n  en: [again]\n",
            "kb/b.yaml": "id: b\nquestions: {en: []}\n",
            "kb/c.yaml": "id: c\nquestions: {en: [x]\n",
            "templates/en/a.j2": "x",
            "templates/en/b.j2": "x",
        }
    )
    result = run_cli("check", "--kb", str(root))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len([line for line in lines if "kb/" in line]) == 3
    assert lines[-1] == "replykit: error: the knowledge base has 3 problems; fix them and retry"
    assert "Traceback" not in result.stderr


def test_load_kb_raises_with_every_problem(write_kb: WriteKB) -> None:
    root = write_kb({"kb/a.yaml": "id: b\nquestions: {en: []}\n"})
    with pytest.raises(KBError) as info:
        load_kb(root)
    assert len(info.value.problems) == 2


# ---- finding the KB ------------------------------------------------------------------------


def test_kb_is_found_by_walking_up(write_kb: WriteKB, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_kb({"kb/a.yaml": "id: a\nquestions: {en: [hi]}\n", "templates/en/a.j2": "x"})
    monkeypatch.chdir(root / "kb")
    assert load_kb().root == root.resolve()


def test_kb_from_environment(write_kb: WriteKB, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = write_kb({"kb/a.yaml": "id: a\nquestions: {en: [hi]}\n", "templates/en/a.j2": "x"})
    monkeypatch.setenv("REPLYKIT_KB", str(root))
    monkeypatch.chdir(tmp_path)
    assert "a" in load_kb().entries


def test_no_kb_anywhere_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCLI) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(KBNotFoundError):
        load_kb()
    result = run_cli("check", "--kb", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    expected = "no replykit.yaml there (--kb): point it at the folder that holds replykit.yaml"
    assert result.stderr.strip().endswith(expected)


# ---- the cache -----------------------------------------------------------------------------


def test_second_load_comes_from_the_cache_and_edits_invalidate_it(write_kb: WriteKB) -> None:
    root = write_kb({"kb/a.yaml": "id: a\nquestions: {en: [hi]}\n", "templates/en/a.j2": "x"})
    first = load_kb(root)
    cached = list(Path(os.environ["REPLYKIT_CACHE_DIR"]).glob("kb-*.bundle"))
    assert len(cached) == 1
    assert load_kb(root).fingerprint == first.fingerprint
    (root / "kb/a.yaml").write_text("id: a\nquestions: {en: [hello there]}\n", encoding="utf-8")
    again = load_kb(root)
    assert again.fingerprint != first.fingerprint
    assert again.entries["a"].questions["en"][0].text == "hello there"


def test_the_cache_keeps_the_last_three_versions_of_a_kb_with_their_indexes(
    write_kb: WriteKB, run_cli: RunCLI
) -> None:
    root = write_kb({"kb/a.yaml": "id: a\nquestions: {en: [hi]}\n", "templates/en/a.j2": "x"})
    cache = Path(os.environ["REPLYKIT_CACHE_DIR"])
    versions = []
    for n in range(5):
        (root / "kb/a.yaml").write_text(f"id: a\nquestions: {{en: [hello number {n}]}}\n", encoding="utf-8")
        assert run_cli("suggest", "--kb", str(root), "--locale", "en", "--format", "json", "hello").exit_code == 0
        versions.append(load_kb(root).fingerprint)
    kept = {p.name.split("-")[1] for p in cache.glob("kb-*.bundle")}
    assert kept == set(versions[-3:])
    assert len(list(cache.glob("index-*.bundle"))) == 3  # the search index went with its KB version
    # The newest version is still served from the cache.
    assert load_kb(root).entries["a"].questions["en"][0].text == "hello number 4"


def test_cache_is_not_used_for_a_broken_kb(write_kb: WriteKB) -> None:
    root = write_kb({"kb/a.yaml": "id: a\nquestions: {en: [hi]}\n", "templates/en/a.j2": "x"})
    load_kb(root)
    (root / "kb/a.yaml").write_text("id: a\nquestions: {en: []}\n", encoding="utf-8")
    with pytest.raises(KBError):
        load_kb(root)


def test_check_summarises_a_good_kb(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({"kb/shipping/track-order.yaml": GOOD_ENTRY, "templates/en/track-order.j2": TEMPLATE})
    result = run_cli("check", "--kb", str(root))
    assert result.exit_code == 0, result.stderr
    assert "1 entry, 4 phrasings, locales en, de, ja (source en)" in result.stdout


def test_check_takes_the_kb_folder_as_its_argument_like_lint(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({"kb/shipping/track-order.yaml": GOOD_ENTRY, "templates/en/track-order.j2": TEMPLATE})
    result = run_cli("check", str(root))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"{root}: 1 entry, 4 phrasings")
    both = run_cli("check", str(root), "--kb", str(root.parent))
    assert both.exit_code == 2
    assert both.stderr == f"replykit: error: two KBs given ({root} and --kb {root.parent}): give one\n"
