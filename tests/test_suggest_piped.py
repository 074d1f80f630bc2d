"""suggest's text output on a pipe: laid out without rich's console, line for line as rich lays it out."""

from __future__ import annotations

import io

import pytest

from replykit.desk import Desk
from replykit.desk.present import emit, matches_table, verdict_text
from replykit.kb.loader import load_kb
from tests.conftest import RunCLI, WriteKB
from tests.suggest_kb import FILES

#: Wide and combining characters and a long phrasing: what makes columns hard to measure.
WIDE = """
id: gift-wrapping
questions:
  en:
    - "Can you gift wrap my order? Ｉｔ is a présent (cafe\u0301) for my grandmother's ninetieth birthday party"
  ja:
    - "ギフト包装はできますか"
tags: [gifts, 包装]
"""


def _rich_lines(root: str, question: str, locale: str | None, explain: bool, top: int = 3) -> str:
    """What rich prints piped for the same answer (the layout the plain lines must equal)."""
    suggestion = Desk(load_kb(root)).answer(question, locale=locale, explain=explain, top=top).suggestion
    out = io.StringIO()
    if suggestion.matches:
        emit([verdict_text(suggestion), "", matches_table(suggestion, explain=explain)], stream=out)
    else:
        emit([verdict_text(suggestion)], stream=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("question", "locale"),
    [
        ("Where is my order?", "en"),
        ("can you gift wrap it", "en"),
        ("ギフト包装はできますか", None),
        ("返金はいつになりますか", "ja"),
        ("zzzz qqqq", "en"),
    ],
)
@pytest.mark.parametrize("explain", [False, True])
def test_piped_table_is_rich_layout(
    write_kb: WriteKB, run_cli: RunCLI, question: str, locale: str | None, explain: bool
) -> None:
    root = write_kb({**FILES, "kb/gift-wrapping.yaml": WIDE, "templates/en/gift-wrapping.j2": "Yes.\n"})
    args = ["suggest", "--kb", str(root), *(["--locale", locale] if locale else [])]
    args += ["--explain"] if explain else []
    result = run_cli(*args, question)
    assert result.exit_code == 0, result.stderr
    expected = _rich_lines(str(root), question, locale, explain)
    assert result.stdout.startswith(expected), (result.stdout, expected)


def test_a_cell_too_long_for_the_plain_layout_is_left_to_rich(write_kb: WriteKB, run_cli: RunCLI) -> None:
    long_phrasing = "where is my order " + "really " * 300
    kb = f'id: far\nquestions:\n  en:\n    - "{long_phrasing.strip()}"\ntags: [x]\n'
    root = write_kb({**FILES, "kb/far.yaml": kb, "templates/en/far.j2": "Far.\n"})
    result = run_cli("suggest", "--kb", str(root), "--locale", "en", "--top", "5", "where is my order really")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(_rich_lines(str(root), "where is my order really", "en", False, top=5))
    assert long_phrasing.strip() in result.stdout  # never cut on a pipe
