"""Questions with bad bytes or of huge size, and customer or KB text that would drive the terminal.

suggest must answer (exit 0) a question that is not valid UTF-8, cut a huge one with a note, and
text output must never carry raw control characters: no OSC sequence reaches the agent's terminal,
no line break quoted from the KB starts a GitHub workflow command in a CI log.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import RunCLI, WriteKB

CONFIG = "source_locale: en\nlocales: [en]\n"
FILES = {
    "kb/track-order.yaml": 'id: track-order\nquestions:\n  en: ["where is my parcel", "tracking number"]\n',
    "kb/refund.yaml": 'id: refund\nquestions:\n  en: ["I want my money back", "refund please"]\n',
    "templates/en/track-order.j2": "Your parcel is on its way.\n",
    "templates/en/refund.j2": "Your refund is on its way.\n",
}
OSC = "\x1b]0;PWNED\x07\x1b[2J"


def replykit(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """The installed replykit with raw bytes on stdin and in its arguments, as a shell passes them."""
    command = [os.fsencode(Path(sys.executable).with_name("replykit")), *(os.fsencode(a) for a in args)]
    return subprocess.run(command, input=stdin, capture_output=True, check=False, env=dict(os.environ))


def test_a_question_that_is_not_utf8_is_answered(write_kb: WriteKB) -> None:
    root = str(write_kb(FILES, config=CONFIG))
    for result in (
        replykit("suggest", "--kb", root, stdin=b"where is my \xff\xfe parcel\n"),
        replykit("suggest", "--kb", root, os.fsdecode(b"where is my \xff parcel")),
        replykit("suggest", "--kb", root, "--format", "json", os.fsdecode(b"where is my \xe9 parcel")),
    ):
        assert result.returncode == 0, result.stderr
        assert b"Traceback" not in result.stderr
        assert b"track-order" in result.stdout
        result.stdout.decode("utf-8")  # what was printed is valid UTF-8


def test_a_ten_megabyte_question_is_cut_with_a_note(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = str(write_kb(FILES, config=CONFIG))
    huge = "where is my parcel " * 550_000  # 10.4 MB
    piped = replykit("suggest", "--kb", root, stdin=huge.encode())
    assert piped.returncode == 0
    assert piped.stderr.decode() == (
        "replykit: note: the question on standard input is longer than 50,000 characters;"
        " only the first 50,000 are matched (docs/limits.md)\n"
    )
    assert b"confident match: track-order" in piped.stdout
    given = run_cli("suggest", "--kb", root, "--format", "json", huge[:200_000])
    assert given.exit_code == 0
    assert given.stderr == (
        "replykit: note: the question is 200,000 characters long; only the first 50,000 are matched (docs/limits.md)\n"
    )
    assert '"id": "track-order"' in given.stdout


def test_escape_sequences_in_a_question_never_reach_the_terminal(write_kb: WriteKB, run_cli: RunCLI,
                                                                  tmp_path: Path) -> None:
    root = str(write_kb(FILES, config=CONFIG))
    batch = tmp_path / "questions.txt"
    batch.write_text(f"where is my parcel {OSC}\nrefund please\n", encoding="utf-8")
    for args in (("suggest", "--kb", root, f"where {OSC} is my parcel"), ("suggest", "--kb", root, "--explain",
                 f"where {OSC} is my parcel"), ("suggest", "--kb", root, "--batch", str(batch))):
        result = run_cli(*args)
        assert result.exit_code == 0
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    batch_lines = run_cli("suggest", "--kb", root, "--batch", str(batch)).stdout.splitlines()
    assert batch_lines[0].startswith("ok\ten\ttrack-order ")  # control characters read as spaces
    assert batch_lines[0].endswith("\twhere is my parcel  ]0;PWNED [2J")


def test_kb_text_with_line_breaks_is_shown_escaped(write_kb: WriteKB, run_cli: RunCLI) -> None:
    forged = "where is my parcel\\n::error file=x.py,line=1::forged"
    files = {
        **FILES,
        "kb/track-order.yaml": f'id: track-order\nquestions:\n  en: ["{forged}"]\n',
        "kb/lost.yaml": f'id: lost\nquestions:\n  en: ["{forged}"]\n',
        "templates/en/lost.j2": "We are looking for it.\n",
    }
    root = str(write_kb(files, config=CONFIG))
    suggested = run_cli("suggest", "--kb", root, "where is my parcel")
    assert suggested.exit_code == 0
    assert "[en] where is my parcel\\n::error file=x.py,line=1::forged" in suggested.stdout
    assert not any(line.startswith("::") for line in suggested.stdout.splitlines())
    for fmt in ("text", "github"):
        linted = run_cli("lint", root, "--format", fmt)
        lines = linted.stdout.splitlines()
        assert len(lines) == 1 and "ambiguous-questions" in lines[0], lines
        assert not any(line.startswith("::error") for line in lines)


def test_an_escape_sequence_in_a_kb_phrasing_is_a_kb_problem(write_kb: WriteKB, run_cli: RunCLI) -> None:
    entry = 'id: track-order\nquestions:\n  en: ["where is my parcel \\e]0;PWNED\\a"]\ntags: ["a\\x07"]\n'
    root = write_kb({**FILES, "kb/track-order.yaml": entry}, config=CONFIG)
    result = run_cli("check", "--kb", str(root))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{root}/kb/track-order.yaml:3:8: questions for en holds the control character \\x1b: remove it",
        f"{root}/kb/track-order.yaml:4:8: tags holds the control character \\x07: remove it",
        "replykit: error: the knowledge base has 2 problems; fix them and retry",
    ]


def test_render_shows_control_characters_in_a_value_as_escapes(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(
        {
            "kb/hello.yaml": "id: hello\nquestions:\n  en: [\"hello\"]\nvariables:\n  name: {type: string}\n",
            "templates/en/hello.j2": "Hi {{ name }}\nbye\n",
        }
    )
    result = run_cli("render", "hello", "--kb", str(root), "--locale", "en", "--channel", "chat",
                     "--var", "name=Eve\x1b]0;pwned\x07")
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert result.stdout == "Hi Eve\\x1b]0;pwned\\x07\nbye\n"
