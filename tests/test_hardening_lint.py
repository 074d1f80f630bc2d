"""lint on KBs that used to blow up: copied entries (quadratic pairs) and deeply nested templates."""

from __future__ import annotations

import re

from .conftest import RunCLI, WriteKB

CONFIG = "source_locale: en\nlocales: [en, de]\n"
QUESTIONS = '  en: ["where is my parcel", "my order has not arrived"]\n  de: ["wo ist mein Paket"]\n'


def copies(n: int) -> dict[str, str]:
    files = {}
    for i in range(n):
        files[f"kb/copy-{i:02}.yaml"] = f"id: copy-{i:02}\nquestions:\n{QUESTIONS}"
        files[f"templates/en/copy-{i:02}.j2"] = "Hello\n"
    return files


def test_copied_entries_give_one_finding_per_group_not_one_per_pair(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(copies(40), config=CONFIG)
    result = run_cli("lint", str(root), "--format", "text", "--rule", "ambiguous-questions")
    assert result.exit_code == 0
    lines = [re.sub(r"\d\.\d\d", "S", line) for line in result.stdout.splitlines()]  # scores: the matcher's
    others = "'copy-02', 'copy-03', 'copy-04', 'copy-05' and 34 more"
    assert lines == [
        f"{root}/kb/copy-00.yaml:3:8: warning ambiguous-questions en phrasing 'where is my parcel' of 'copy-00'"
        f" is as close to 'copy-01' ('where is my parcel') and 38 other entries ({others}): suggest scores"
        " copy-00 S, copy-01 S; reword them so the entries can be told apart",
        f"{root}/kb/copy-00.yaml:4:8: warning ambiguous-questions de phrasing 'wo ist mein Paket' of 'copy-00'"
        f" is as close to 'copy-01' ('wo ist mein Paket') and 38 other entries ({others}): suggest scores"
        " copy-00 S, copy-01 S; reword them so the entries can be told apart",
    ]


def test_two_entries_still_give_the_pair_finding(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(copies(2), config=CONFIG)
    result = run_cli("lint", str(root), "--format", "text", "--rule", "ambiguous-questions")
    assert re.sub(r"\d\.\d\d", "S", result.stdout.splitlines()[0]) == (
        f"{root}/kb/copy-00.yaml:3:8: warning ambiguous-questions en phrasing 'where is my parcel' of 'copy-00'"
        " is as close to 'copy-01' ('where is my parcel'): suggest scores copy-00 S, copy-01 S;"
        " reword one so the entries can be told apart"
    )


def test_deeply_nested_templates_are_kb_errors_not_recursion_errors(write_kb: WriteKB, run_cli: RunCLI) -> None:
    entry = 'id: a\nquestions:\n  en: ["where is my parcel"]\n'
    files = {
        "kb/a.yaml": entry,
        "templates/en/a.j2": "Hello {{ " + "(" * 100 + "1" + ")" * 100 + " }}\n",
        "templates/en/_blocks.j2": "{% if x %}" * 300 + "x" + "{% endif %}" * 300 + "\n",
    }
    root = write_kb(files, config="source_locale: en\nlocales: [en]\n")
    linted = run_cli("lint", str(root), "--format", "text")
    assert "Traceback" not in linted.stderr
    assert linted.exit_code == 1
    assert linted.stdout.splitlines() == [
        f"{root}/kb/a.yaml:1:1: error kb-format no template for the source locale: create templates/en/a.j2",
        f"{root}/templates/en/_blocks.j2:1:501: error kb-format blocks nested more than 50 deep:"
        " split the expression or the blocks",
        f"{root}/templates/en/a.j2:1:7: error kb-format brackets nested more than 30 deep:"
        " split the expression or the blocks",
    ]
    rendered = run_cli("render", "a", "--locale", "en", "--kb", str(root))
    assert rendered.exit_code == 2
    assert rendered.stderr.endswith("replykit: error: the knowledge base has 3 problems; fix them and retry\n")


def test_nesting_at_the_bounds_still_lints(write_kb: WriteKB, run_cli: RunCLI) -> None:
    entry = 'id: a\nquestions:\n  en: ["where is my parcel"]\nvariables:\n  x: {type: string}\n'
    template = "{{ " + "(" * 30 + "x" + ")" * 30 + " }}" + "{% if x %}" * 50 + "y" + "{% endif %}" * 50 + "\n"
    root = write_kb({"kb/a.yaml": entry, "templates/en/a.j2": template}, config="source_locale: en\nlocales: [en]\n")
    result = run_cli("lint", str(root), "--format", "text")
    assert (result.exit_code, result.stdout) == (0, "")
