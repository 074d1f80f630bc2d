"""replykit.yaml is validated in one place: check refuses what suggest and lint would refuse."""

from __future__ import annotations

from .conftest import RunCLI, WriteKB

BASE = {"kb/a.yaml": 'id: a\nquestions:\n  en: ["where is my parcel"]\n', "templates/en/a.j2": "Hello\n"}


def test_check_refuses_the_matching_config_that_suggest_refuses(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(BASE, config="source_locale: en\nlocales: [en]\nmatching:\n  min_score: 1.5\n")
    expected = f"{root}/replykit.yaml:4:3: matching.min_score must be a number from 0 to 1, not 1.5\n"
    for args in (("check",), ("suggest", "where is my parcel")):
        result = run_cli(*args, "--kb", str(root))
        assert result.exit_code == 2
        assert result.stderr == expected + "replykit: error: the knowledge base has 1 problem; fix it and retry\n"


def test_an_empty_locale_list_names_the_problem(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(BASE, config="source_locale: en\nlocales: []\n")
    result = run_cli("check", "--kb", str(root))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{root}/replykit.yaml:2:10: locales is empty: list every locale the KB promises, e.g. [en, de, ja]",
        "replykit: error: the knowledge base has 1 problem; fix it and retry",
    ]


def test_every_config_problem_is_reported_at_once_by_check(write_kb: WriteKB, run_cli: RunCLI) -> None:
    config = """\
        source_locale: en
        locales: [en, en]
        fallbacks: [de]
        matching: {word_weight: yes, typo_similarity: 20, margin: 0.1}
        lint:
          rules:
            no-such-rule: error
            length: {max: {chat: -3}}
        colours: on
        """
    root = write_kb(BASE, config=config)
    result = run_cli("check", "--kb", str(root))
    assert result.exit_code == 2
    where = f"{root}/replykit.yaml"
    lines = result.stderr.splitlines()
    assert lines[:4] == [
        f"{where}:2:15: locale 'en' is listed twice",
        f"{where}:3:12: fallbacks must map a locale to a list of locales, e.g. {{en_GB: [en]}}",
        f"{where}:4:12: matching.word_weight must be a number from 0 to 1, not True",
        f"{where}:4:30: matching.typo_similarity must be a number from 50 to 100, not 20",
    ]
    assert lines[4].startswith(f"{where}:4:51: unknown matching setting 'margin': use one of min_score,")
    assert lines[5].startswith(f"{where}:7:5: unknown lint rule 'no-such-rule': use one of kb-format,")
    assert lines[6:] == [
        f"{where}:8:19: lint rule 'length' option 'max' must be a whole number above 0",
        f"{where}:9:1: unknown key 'colours' in replykit.yaml: expected one of source_locale, locales, fallbacks,"
        " matching, lint, orders, usage_log",
        "replykit: error: the knowledge base has 8 problems; fix them and retry",
    ]


def test_valid_lint_settings_still_apply(write_kb: WriteKB, run_cli: RunCLI) -> None:
    files = {**BASE, "templates/en/a.j2": "Hello  there\n"}
    loud = write_kb(files, config="source_locale: en\nlocales: [en]\n", name="loud")
    quiet = write_kb(files, config="source_locale: en\nlocales: [en]\nlint:\n  rules:\n    whitespace: off\n",
                     name="quiet")
    assert "whitespace" in run_cli("lint", str(loud), "--format", "text").stdout
    result = run_cli("check", "--kb", str(quiet))
    assert result.exit_code == 0
    assert "whitespace" not in run_cli("lint", str(quiet), "--format", "text").stdout
