"""A new version of a KB is built from the last stored one (only changed entry files are parsed
again); whatever it reports, answers or refuses is what a load on an empty cache gives."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import WriteKB

REPLYKIT = str(Path(sys.executable).with_name("replykit"))
CONFIG = "source_locale: en\nlocales: [en, de]\n"
FILES = {
    "kb/track.yaml": (
        'id: track\nquestions:\n  en: ["where is my parcel", "track my order"]\n  de: ["wo ist mein paket"]\n'
    ),
    "kb/refund.yaml": 'id: refund\nquestions:\n  en: ["i want a refund", "money back please"]\n',
    "kb/more/hours.yaml": 'id: hours\nquestions:\n  en: ["when are you open"]\n',
    "templates/en/track.j2": "Your parcel is on its way.\n",
    "templates/en/refund.j2": "Refunds take five days.\n",
    "templates/en/hours.j2": "We open at nine.\n",
}


def run(root: Path, cache: Path, *question: str) -> tuple[int, str, str]:
    environ = {k: v for k, v in os.environ.items() if k != "XDG_CACHE_HOME"}
    environ["REPLYKIT_CACHE_DIR"] = str(cache)
    done = subprocess.run([REPLYKIT, "suggest", "--kb", str(root), "--locale", "en", *question],
                          capture_output=True, text=True, env=environ, timeout=120, check=False)
    return done.returncode, done.stdout, done.stderr


def edit_phrasing(root: Path) -> None:
    path = root / "kb/refund.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("money back please", "give me my money back"),
                    encoding="utf-8")


def duplicate_id(root: Path) -> None:  # the new file sorts first: the stored entry is the duplicate
    (root / "kb/a").mkdir()
    (root / "kb/a/track.yaml").write_text('id: track\nquestions:\n  en: ["another"]\n', encoding="utf-8")


def template_gone(root: Path) -> None:
    (root / "templates/en/hours.j2").unlink()


def locale_dropped(root: Path) -> None:  # replykit.yaml changed: every entry is validated again
    (root / "replykit.yaml").write_text("source_locale: en\nlocales: [en]\n", encoding="utf-8")


def template_edit(root: Path) -> None:
    (root / "templates/en/refund.j2").write_text("Refunds take three days.\n", encoding="utf-8")


def entry_removed(root: Path) -> None:
    (root / "kb/more/hours.yaml").unlink()


@pytest.mark.parametrize("edit", [edit_phrasing, duplicate_id, template_gone, locale_dropped, template_edit,
                                  entry_removed])
def test_a_kb_built_from_its_last_version_answers_as_a_fresh_load(
    write_kb: WriteKB, tmp_path: Path, edit: Callable[[Path], None]
) -> None:
    root = write_kb(FILES, config=CONFIG)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    assert run(root, cache, "where is my parcel")[0] == 0
    edit(root)
    for question in ("give me my money back", "when are you open", "where is my parcel"):
        incremental = run(root, cache, question)
        fresh_cache = tmp_path / f"fresh-{len(list(tmp_path.glob('fresh-*')))}"
        fresh_cache.mkdir(mode=0o700)
        assert incremental == run(root, fresh_cache, question)
    # and the version stored from the last one is read back as it was built
    assert run(root, cache, "i want a refund") == run(root, fresh_cache, "i want a refund")
