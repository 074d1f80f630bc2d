"""Commands that render replies load the KB without reading its templates (only the folders' stat),
and read each template they use from disk: a template edited, added or removed after a warm
question is what the next reply shows, and lint and check still report template problems."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import WriteKB

REPLYKIT = str(Path(sys.executable).with_name("replykit"))
CONFIG = "source_locale: en\nlocales: [en, de]\n"
#: The loader trusts a file or folder's recorded stat only when it is older than this (its racy window).
SETTLE_SECONDS = 2.2


def fifty_entries() -> dict[str, str]:
    """50 entries with an English template each; German templates for the first 25 (the others fall back)."""
    files: dict[str, str] = {}
    for i in range(50):
        files[f"kb/e{i:02}.yaml"] = (
            f'id: e{i:02}\nquestions:\n  en: ["question number {i:02} about topic {i:02}"]\n'
            f'  de: ["frage nummer {i:02}"]\n'
        )
        files[f"templates/en/e{i:02}.j2"] = f"English reply {i:02}.\n"
        if i < 25:
            files[f"templates/de/e{i:02}.j2"] = f"Deutsche Antwort {i:02}.\n"
    return files


def replykit(cache: Path, *args: str) -> tuple[int, str, str]:
    """A whole process, as users run it (nothing of an earlier command is left in memory)."""
    environ = {k: v for k, v in os.environ.items() if k != "XDG_CACHE_HOME"}
    environ["REPLYKIT_CACHE_DIR"] = str(cache)
    done = subprocess.run([REPLYKIT, *args], capture_output=True, text=True, env=environ, timeout=120, check=False)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def warm(write_kb: WriteKB, tmp_path: Path) -> tuple[Path, Path]:
    """A 50-entry KB whose files and folders are past the racy window, asked once and rendered once:
    the next command takes the recorded fingerprint from the stat of kb/ and the template folders."""
    root = write_kb(fifty_entries(), config=CONFIG)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    time.sleep(SETTLE_SECONDS)
    code, out, _ = replykit(cache, "suggest", "--kb", str(root), "--locale", "en", "question number 07 about topic 07")
    assert code == 0 and "English reply 07." in out
    code, out, _ = replykit(cache, "render", "--kb", str(root), "--locale", "de", "e03")
    assert (code, out) == (0, "Deutsche Antwort 03.\n")
    return root, cache


def suggest(root: Path, cache: Path, number: str, locale: str = "en") -> tuple[int, str, str]:
    question = f"question number {number} about topic {number}" if locale == "en" else f"frage nummer {number}"
    return replykit(cache, "suggest", "--kb", str(root), "--locale", locale, question)


def test_a_template_edited_after_a_warm_question_is_the_next_reply(warm: tuple[Path, Path]) -> None:
    root, cache = warm
    (root / "templates/en/e07.j2").write_text("English reply 07, edited.\n", encoding="utf-8")
    code, out, _ = suggest(root, cache, "07")
    assert code == 0 and "English reply 07, edited." in out


def test_a_template_copied_with_cp_p_is_the_next_reply(warm: tuple[Path, Path], tmp_path: Path) -> None:
    """Same size, same mtime, written in place: no folder changes, the renderer reads the new text."""
    root, cache = warm
    template = root / "templates/de/e03.j2"
    copy = tmp_path / "copy.j2"
    copy.write_text("Deutsche Antwort 33.\n", encoding="utf-8")
    stamp = template.stat().st_mtime
    os.utime(copy, (stamp, stamp))
    subprocess.run(["cp", "-p", str(copy), str(template)], check=True)
    assert template.stat().st_mtime == stamp
    code, out, _ = replykit(cache, "render", "--kb", str(root), "--locale", "de", "e03")
    assert (code, out) == (0, "Deutsche Antwort 33.\n")


def test_a_template_added_for_a_locale_that_fell_back_is_used(warm: tuple[Path, Path]) -> None:
    root, cache = warm
    code, out, err = suggest(root, cache, "30", "de")
    assert code == 0 and "English reply 30." in out and "no de template for 'e30'" in out + err
    (root / "templates/de/e30.j2").write_text("Deutsche Antwort 30.\n", encoding="utf-8")
    code, out, err = suggest(root, cache, "30", "de")
    assert code == 0 and "Deutsche Antwort 30." in out and "English reply 30." not in out
    assert "no de template" not in out + err


def test_a_template_added_in_a_new_subfolder_is_found(warm: tuple[Path, Path]) -> None:
    root, cache = warm
    (root / "kb/e05.yaml").write_text(
        'id: e05\ntemplate: more/e05\nquestions:\n  en: ["question number 05 about topic 05"]\n', encoding="utf-8"
    )
    (root / "templates/en/more").mkdir()
    (root / "templates/en/more/e05.j2").write_text("Reply from a subfolder.\n", encoding="utf-8")
    code, out, _ = suggest(root, cache, "05")
    assert code == 0 and "Reply from a subfolder." in out
    (root / "templates/en/more/e05.j2").write_text("Reply from a subfolder, edited.\n", encoding="utf-8")
    code, out, _ = suggest(root, cache, "05")
    assert code == 0 and "Reply from a subfolder, edited." in out


def test_a_removed_template_falls_back_at_once(warm: tuple[Path, Path]) -> None:
    root, cache = warm
    (root / "templates/de/e03.j2").unlink()
    code, out, err = replykit(cache, "render", "--kb", str(root), "--locale", "de", "e03")
    assert (code, out) == (0, "English reply 03.\n") and "no de template for 'e03'" in err


def test_a_removed_source_template_refuses_the_kb(warm: tuple[Path, Path]) -> None:
    root, cache = warm
    (root / "templates/en/e40.j2").unlink()
    code, _, err = suggest(root, cache, "07")
    assert code != 0 and "e40" in err


def test_a_template_replaced_by_a_folder_of_templates_is_seen(warm: tuple[Path, Path]) -> None:
    root, cache = warm
    shutil.rmtree(root / "templates/de")
    code, out, err = replykit(cache, "render", "--kb", str(root), "--locale", "de", "e03")
    assert (code, out) == (0, "English reply 03.\n") and "no de template for 'e03'" in err


def test_a_template_broken_after_a_warm_question_is_refused_when_rendered(warm: tuple[Path, Path]) -> None:
    root, cache = warm
    (root / "templates/en/e07.j2").write_bytes(b"English reply \xff 07.\n")
    code, out, err = suggest(root, cache, "07")
    assert code != 0 and "English reply" not in out
    assert "e07.j2:1" in err and "not UTF-8" in err
    deep = "{{ " + "(" * 40 + "1" + ")" * 40 + " }}\n"
    (root / "templates/en/e07.j2").write_text(deep, encoding="utf-8")
    code, out, err = suggest(root, cache, "07")
    assert code != 0 and "e07.j2:1" in err and "nested more than" in err


def test_lint_and_check_still_read_every_template(warm: tuple[Path, Path]) -> None:
    root, cache = warm
    (root / "templates/en/e12.j2").write_bytes(b"English reply \xff 12.\n")
    code, out, err = replykit(cache, "lint", "--kb", str(root))
    assert code != 0 and "e12.j2:1" in out + err and "not UTF-8" in out + err
    code, out, err = replykit(cache, "check", "--kb", str(root))
    assert code != 0 and "e12.j2" in out + err
