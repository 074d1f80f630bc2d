"""Terminal presentation: East Asian widths, the terminal's width, colour (and NO_COLOR), completion, `list`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import unicodedata

import pexpect

from tests.conftest import RunCLI, WriteKB
from tests.desk_kb import CONFIG, FILES
from tests.serve_server import REPLYKIT

COLOUR = re.compile(r"\x1b\[[0-9;]*(?:3[0-9]|9[0-7])[;m]")  # a foreground colour in an SGR sequence
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

JA_FILES = {
    **FILES,
    "kb/gift-wrapping.yaml": """
        id: gift-wrapping
        questions:
          en: ["Can you gift wrap my order?"]
          ja: ["ギフトラッピングをお願いできますか？プレゼント用に包装してほしいです"]
        tags: [presale, ギフト]
    """,
    "templates/en/gift-wrapping.j2": "Yes, we gift wrap.\n",
}


def _cells(text: str) -> int:
    """Terminal cells, as a terminal counts them: wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _run_on_terminal(*args: str, columns: int = 80, env: dict[str, str] | None = None) -> str:
    child = pexpect.spawn(REPLYKIT, list(args), env={**os.environ, "TERM": "xterm-256color", **(env or {})},
                          encoding="utf-8", timeout=60, dimensions=(60, columns))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return str(child.before).replace("\r\n", "\n")


def test_table_columns_line_up_in_terminal_cells(write_kb: WriteKB, run_cli: RunCLI) -> None:
    kb = str(write_kb(JA_FILES, config=CONFIG))
    result = run_cli("suggest", "--kb", kb, "--top", "4", "荷物はどこですか、ギフトラッピングも")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.split("\n---")[0].splitlines()
    header = next(line for line in lines if line.startswith("#"))
    rows = [line for line in lines if re.match(r"\d ", line)]
    assert any(any(unicodedata.east_asian_width(c) == "W" for c in row) for row in rows)
    tags_at = _cells(header[: header.index("tags")])
    for row in rows:
        # the tags column starts at the same cell in every row: wide characters count twice
        tag_text = next(t for t in ("shipping", "returns", "orders", "presale") if t in row)
        assert _cells(row[: row.index(tag_text)]) == tags_at, (header, row)


def test_on_a_terminal_the_table_fits_and_is_coloured(write_kb: WriteKB) -> None:
    kb = str(write_kb(JA_FILES, config=CONFIG))
    screen = _run_on_terminal("suggest", "--kb", kb, "ギフトラッピングをお願いできますか", columns=60)
    assert COLOUR.search(screen), screen  # the verdict and the entry ids are coloured
    table = ANSI.sub("", screen).split("── reply")[0].split("--- reply")[0]
    for line in table.splitlines():
        assert _cells(line) <= 60, line
    assert "…" in table  # the long phrasing was shortened to fit, not wrapped into the next row


def test_no_color_and_pipes_are_plain(write_kb: WriteKB) -> None:
    kb = str(write_kb(JA_FILES, config=CONFIG))
    screen = _run_on_terminal("suggest", "--kb", kb, "where is my order", env={"NO_COLOR": "1"})
    assert not COLOUR.search(screen), screen
    piped = subprocess.run([REPLYKIT, "suggest", "--kb", kb, "where is my order"], capture_output=True, text=True,
                           check=True, env={**os.environ, "FORCE_COLOR": ""})
    assert "\x1b" not in piped.stdout
    assert all(line == line.rstrip() for line in piped.stdout.splitlines())


def _complete(words: str, env: dict[str, str] | None = None) -> list[str]:
    environment = {**os.environ, "_REPLYKIT_COMPLETE": "complete_bash", "COMP_WORDS": words,
                   "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)), **(env or {})}
    out = subprocess.run([REPLYKIT], capture_output=True, text=True, env=environment, check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_shell_completion_knows_commands_entries_locales_and_tags(write_kb: WriteKB) -> None:
    kb = str(write_kb(JA_FILES, config=CONFIG + "fallbacks: {en_GB: [en]}\n"))
    assert {"desk", "list"} <= set(_complete("replykit "))
    assert "serve" in _complete("replykit se")
    assert _complete(f"replykit render --kb {kb} tr") == ["track-order"]
    assert _complete("replykit render c", env={"REPLYKIT_KB": kb}) == ["cancel-order"]
    assert _complete(f"replykit suggest --kb {kb} --locale e") == ["en", "en_GB"]
    assert _complete(f"replykit list --kb {kb} --tag ギ") == ["ギフト"]
    assert _complete("replykit render x", env={"REPLYKIT_KB": "/nonexistent"}) == []
    # --kb typed after the word being completed (the cursor moved back): bash passes the whole line.
    elsewhere = {"REPLYKIT_KB": "/nonexistent"}
    assert _complete(f"replykit render tr --kb {kb}", env={**elsewhere, "COMP_CWORD": "2"}) == ["track-order"]
    assert _complete(f"replykit suggest --locale e --kb={kb}", env={**elsewhere, "COMP_CWORD": "3"}) == ["en", "en_GB"]
    # typer detects the user's shell from the process tree: run it from bash, as a bash user does
    # (make runs a recipe with a variable assignment through sh, which typer does not support).
    # ("; exit $?" keeps bash from replacing itself with the command.)
    script = subprocess.run(["bash", "-c", f"'{REPLYKIT}' --show-completion; exit $?"], capture_output=True,
                            text=True, check=False)
    assert script.returncode == 0, script.stderr
    assert "_REPLYKIT_COMPLETE=complete_bash" in script.stdout


def test_list_filters_by_tag_locale_and_words(write_kb: WriteKB, run_cli: RunCLI) -> None:
    kb = str(write_kb(JA_FILES, config=CONFIG))
    everything = run_cli("list", "--kb", kb)
    assert everything.exit_code == 0, everything.stderr
    lines = everything.stdout.splitlines()
    assert lines[0].split() == ["entry", "tags", "templates", "question"]
    assert [line.split()[0] for line in lines[1:-1]] == ["cancel-order", "gift-wrapping", "refund-status",
                                                          "track-order"]
    assert lines[-1] == "4 of 4 entries"
    by_tag = run_cli("list", "--kb", kb, "--tag", "returns")
    assert by_tag.stdout.splitlines()[1].startswith("refund-status  returns") and "1 of 4" in by_tag.stdout
    ja = run_cli("list", "--kb", kb, "--locale", "ja", "ラッピング")
    assert "[ja] ギフトラッピングをお願いできますか？プレゼント用に包装してほしいです" in ja.stdout
    assert ja.stdout.splitlines()[-1] == "1 of 4 entries"
    assert "en" in ja.stdout.splitlines()[1].split()  # its only template is English
    none = run_cli("list", "--kb", kb, "nothing-like-this")
    assert none.exit_code == 0 and none.stdout == "no entry matches: 0 of 4 entries\n"
    document = json.loads(run_cli("list", "--kb", kb, "--format", "json", "--tag", "tracking").stdout)
    assert document == [{
        "id": "track-order", "tags": ["shipping", "tracking"], "template_locales": ["en", "de", "ja"],
        "variables": ["order_id", "carrier", "shipped_at"],
        "questions": {
            "en": ["Where is my order?", "how can I track my parcel", "tracking number please"],
            "de": ["Wo ist meine Bestellung?", "Wie kann ich mein Paket verfolgen?"],
            "ja": ["荷物はどこですか", "注文した商品がまだ届いていません"],
        },
    }]
    bad = run_cli("list", "--kb", kb, "--locale", "fr")
    assert bad.exit_code == 2 and bad.stderr == "replykit: error: --locale fr: the KB's locales are en, de, ja\n"
