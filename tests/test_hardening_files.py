"""The file system under a KB: links that loop or leave the KB, unreadable files, odd names, full disks.

Each case runs the CLI on a real temporary KB and ends in a clear error with exit 2 (never a
traceback, never a walk of the whole disk, never the content of a file outside the KB).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import RunCLI, WriteKB


@pytest.fixture
def in_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the tmp folder, so messages show paths relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path

CONFIG = "source_locale: en\nlocales: [en, de]\n"
ENTRY = 'id: a\nquestions:\n  en: ["where is my parcel"]\n'
BASE = {"kb/a.yaml": ENTRY, "templates/en/a.j2": "Hello\n", "locales/en.yaml": "shop: Kumo\n"}


def kb_problems(result_stderr: str) -> list[str]:
    assert "Traceback" not in result_stderr
    return result_stderr.splitlines()


def test_symlink_loops_under_kb_templates_and_locales(write_kb: WriteKB, run_cli: RunCLI, in_folder: Path) -> None:
    root = write_kb(BASE, config=CONFIG)
    os.symlink(".", root / "kb/again")
    os.symlink("..", root / "templates/en/up")
    os.symlink("self.yaml", root / "locales/self.yaml")
    result = run_cli("check", "--kb", "kb-root")
    assert result.exit_code == 2
    assert kb_problems(result.stderr) == [
        "kb-root/kb/again:1:1: a folder link that loops back to a folder above it: remove the link",
        "kb-root/locales/self.yaml:1:1: a link that loops: fix or remove it",
        "kb-root/templates/en/up:1:1: a folder link that loops back to a folder above it: remove the link",
        "replykit: error: the knowledge base has 3 problems; fix them and retry",
    ]


def test_a_link_to_the_root_folder_is_refused_without_walking_it(write_kb: WriteKB, run_cli: RunCLI,
                                                                  in_folder: Path) -> None:
    root = write_kb(BASE, config=CONFIG)
    os.symlink("/", root / "kb/root")
    result = run_cli("suggest", "--kb", "kb-root", "where is my parcel")
    assert result.exit_code == 2
    assert kb_problems(result.stderr) == [
        "kb-root/kb/root:1:1: links outside the KB (to /): replace the link with a copy, or remove it",
        "replykit: error: the knowledge base has 1 problem; fix it and retry",
    ]


def test_a_template_linked_to_a_file_outside_the_kb_never_renders(write_kb: WriteKB, run_cli: RunCLI,
                                                                  tmp_path: Path, in_folder: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET\n", encoding="utf-8")
    root = write_kb({**BASE, "templates/en/a.j2": "{% include 'other.txt' %}\n"}, config=CONFIG)
    os.symlink(secret, root / "templates/en/other.txt")
    os.symlink(secret, root / "templates/en/b.j2")
    for args in (("render", "a", "--locale", "en"), ("lint",), ("suggest", "where is my parcel")):
        result = run_cli(*args, "--kb", "kb-root")
        assert result.exit_code == 2, args
        assert "SECRET" not in result.stdout + result.stderr
        assert kb_problems(result.stderr)[:2] == [
            f"kb-root/templates/en/b.j2:1:1: links outside the KB (to {secret}): replace the link with a copy,"
            " or remove it",
            f"kb-root/templates/en/other.txt:1:1: links outside the KB (to {secret}): replace the link with a copy,"
            " or remove it",
        ]


def test_links_inside_the_kb_still_work(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({**BASE, "shared/a.j2": "Hallo\n"}, config=CONFIG)
    os.symlink("../../shared/a.j2", root / "templates/en/b.j2")
    os.symlink("en", root / "templates/de")
    result = run_cli("render", "a", "--locale", "de", "--kb", str(root))
    assert (result.exit_code, result.stdout) == (0, "Hello\n")


def test_a_file_name_that_is_not_utf8_is_named_and_refused(write_kb: WriteKB, run_cli: RunCLI,
                                                            in_folder: Path) -> None:
    root = write_kb(BASE, config=CONFIG)
    with open(os.path.join(os.fsencode(root / "kb"), b"caf\xe9.yaml"), "wb") as f:
        f.write(ENTRY.encode())
    result = run_cli("check", "--kb", "kb-root")
    assert result.exit_code == 2
    assert kb_problems(result.stderr) == [
        "kb-root/kb/caf\\xe9.yaml:1:1: the file name is not UTF-8: rename it",
        "replykit: error: the knowledge base has 1 problem; fix it and retry",
    ]


def test_a_file_above_the_size_limit_is_refused_unread(write_kb: WriteKB, run_cli: RunCLI, in_folder: Path) -> None:
    root = write_kb(BASE, config=CONFIG)
    with open(root / "locales/en.yaml", "wb") as f:
        f.truncate(3 * 1024**3)  # 3 GB, sparse: reading it would exhaust memory
    result = run_cli("check", "--kb", "kb-root")
    assert result.exit_code == 2
    assert kb_problems(result.stderr) == [
        "kb-root/locales/en.yaml:1:1: file is 3072.0 MB, above the 4 MB limit: split it",
        "replykit: error: the knowledge base has 1 problem; fix it and retry",
    ]


def test_an_unreadable_file_is_named(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(BASE, config=CONFIG)
    (root / "locales/en.yaml").chmod(0)
    # root reads anything: run without the capabilities that bypass file permissions (util-linux setpriv)
    command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    replykit = Path(sys.executable).with_name("replykit")
    result = subprocess.run([*command, str(replykit), "check", "--kb", str(root)], capture_output=True, text=True,
                            check=False, env=dict(os.environ))
    assert result.returncode == 2
    assert kb_problems(result.stderr) == [
        f"{root}/locales/en.yaml:1:1: cannot be read (Permission denied): fix its permissions",
        "replykit: error: the knowledge base has 1 problem; fix it and retry",
    ]


def test_a_failed_write_is_a_clear_error_and_keeps_the_old_file(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({**BASE, "kb/a.yaml": ENTRY + '  de: ["wo ist mein Paket"]\n', "templates/de/a.j2": "Hallo\n"},
                    config=CONFIG)
    assert run_cli("mark-reviewed", "--all", "--yes", "--kb", str(root)).exit_code == 0
    lock = root / "replykit.lock"
    before = lock.read_bytes()
    (root / "templates/en/a.j2").write_text("Hello again\n", encoding="utf-8")

    def small_files() -> None:  # every write past 64 bytes fails, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))

    replykit = Path(sys.executable).with_name("replykit")
    result = subprocess.run([str(replykit), "mark-reviewed", "--all", "--yes", "--kb", str(root)], capture_output=True,
                            text=True, preexec_fn=small_files, check=False, env=dict(os.environ))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr == (
        f"replykit: error: {lock}: cannot be written (File too large): free some space or fix the folder's"
        " permissions, then retry; the file was left as it was\n"
    )
    assert lock.read_bytes() == before
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []


def test_a_link_added_after_the_kb_was_cached_is_still_refused(write_kb: WriteKB, run_cli: RunCLI,
                                                               tmp_path: Path, in_folder: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET\n", encoding="utf-8")
    root = write_kb({**BASE, "templates/en/a.j2": "{% include 'other.txt' %}\n"}, config=CONFIG)
    first = run_cli("render", "a", "--locale", "en", "--kb", "kb-root")  # loads and caches the clean KB
    assert first.exit_code == 2 and "other.txt" in first.stderr
    os.symlink(secret, root / "templates/en/other.txt")  # not a .j2 file: it changes no fingerprint
    (root / "kb/dangling.yaml").symlink_to("nowhere.yaml")
    result = run_cli("render", "a", "--locale", "en", "--kb", "kb-root")
    assert result.exit_code == 2
    assert "SECRET" not in result.stdout + result.stderr
    assert kb_problems(result.stderr)[0] == (
        "kb-root/kb/dangling.yaml:1:1: a link to nothing: fix or remove it"
    )
    assert kb_problems(result.stderr)[1].startswith("kb-root/templates/en/other.txt:1:1: links outside the KB")
