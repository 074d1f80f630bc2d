"""Reviews that show what changed: the lock keeps the reviewed source, diff, status --list, pending entries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from .conftest import RunCLI, WriteKB
from .lint_kb_files import CLEAN_KB

REPLYKIT = Path(sys.executable).parent / "replykit"
NEW_POLICY = {
    "kb/new-policy.yaml": """
        id: new-policy
        translations: pending
        notes: Our return window changed in November; keep the tone friendly.
        questions:
          en: ["what is the new return policy", "did the return window change"]
        """,
    "templates/en/new-policy.j2": "Returns are now accepted for 14 days.\n",
}


def test_diff_shows_the_source_change_since_the_review(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(CLEAN_KB)
    assert run_cli("mark-reviewed", "--all", "--yes", "--kb", str(root)).exit_code == 0
    same = run_cli("diff", "refund-status", "--locale", "de", "--kb", str(root))
    assert same.exit_code == 0
    assert same.stdout == "no change: the de translation of 'refund-status' was reviewed against today's en source\n"

    write_kb({"templates/en/refund-status.j2": "We refunded {{ refund_amount | money }}; allow 10 days.\n"})
    result = run_cli("diff", "refund-status", "--locale", "de", "--kb", str(root))
    assert result.exit_code == 0
    today = datetime.now(UTC).date().isoformat()
    assert f"--- en source reviewed for de on {today}\n+++ en source now\n" in result.stdout
    assert "-We refunded {{ refund_amount | money }}; it reaches your account within 5 days.\n" in result.stdout
    assert "+We refunded {{ refund_amount | money }}; allow 10 days.\n" in result.stdout

    bad = run_cli("diff", "refund-status", "--locale", "en", "--kb", str(root))
    assert bad.exit_code == 2 and "en is not a translation locale" in bad.stderr
    unknown = run_cli("diff", "refund", "--locale", "de", "--kb", str(root))
    assert unknown.exit_code == 2 and "no entry with id 'refund'" in unknown.stderr


def test_an_old_lock_without_source_text_says_how_to_compare(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(CLEAN_KB)
    old = {"version": 1, "source_locale": "en", "translations": {"refund-status": {"de": "0123456789abcdef"}}}
    (root / "replykit.lock").write_text(json.dumps(old), encoding="utf-8")
    result = run_cli("diff", "refund-status", "--locale", "de", "--kb", str(root))
    assert result.exit_code == 2
    assert "was recorded without its source text (an older lock): compare with git log -p" in result.stderr


def test_status_list_names_missing_stale_and_pending_with_a_date(write_kb: WriteKB, run_cli: RunCLI) -> None:
    files = {k: v for k, v in CLEAN_KB.items() if k != "templates/ja/refund-status.j2"}
    root = write_kb({**files, **NEW_POLICY})
    assert run_cli("mark-reviewed", "--all", "--yes", "--kb", str(root)).exit_code == 0
    write_kb({"templates/en/track-order.j2": "Your order {{ order_id }} has shipped.\n"})
    day = date(2026, 11, 2)
    stamp = datetime(2026, 11, 2, 12, tzinfo=UTC).timestamp()
    os.utime(root / "templates/en/track-order.j2", (stamp, stamp))
    os.utime(root / "kb/track-order.yaml", (stamp, stamp))

    result = run_cli("status", "--locale", "ja", "--list", "--kb", str(root))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["locale", "entry", "state", "since", "what"]
    assert lines[1].split()[:4] == ["ja", "new-policy", "pending", datetime.now(UTC).date().isoformat()]
    assert lines[2].split()[:3] == ["ja", "refund-status", "missing"]
    assert "no template refund-status" in lines[2]
    assert lines[3].split()[:4] == ["ja", "track-order", "stale", day.isoformat()]
    assert "the en source changed since it was reviewed" in lines[3]
    assert len(lines) == 4
    assert result.stderr == "3 translations need work\n"

    data = json.loads(run_cli("status", "--list", "--format", "json", "--kb", str(root)).stdout)
    assert [(i["locale"], i["entry"], i["state"]) for i in data["needs_work"]] == [
        ("de", "new-policy", "pending"), ("de", "track-order", "stale"),
        ("ja", "new-policy", "pending"), ("ja", "refund-status", "missing"), ("ja", "track-order", "stale"),
    ]
    table = run_cli("status", "--kb", str(root)).stdout.splitlines()
    assert table[2].split() == ["de", "3", "1", "0", "1", "1", "33.3%"]


def test_a_pending_entry_ships_with_warnings_not_errors(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb({**CLEAN_KB, **NEW_POLICY})
    result = run_cli("lint", str(root), "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    assert result.exit_code == 0, findings
    pending = [f for f in findings if f["rule"] == "pending-translation"]
    assert [(f["level"], f["message"].split(" translation")[0]) for f in pending] == [
        ("warning", "de"), ("warning", "ja")
    ]
    assert "replykit translations export --locale de" in pending[0]["message"]
    assert not [f for f in findings if f["rule"] == "missing-translation"]

    # Without the mark, the same entry blocks CI.
    unmarked = NEW_POLICY["kb/new-policy.yaml"].replace("translations: pending\n", "")
    write_kb({"kb/new-policy.yaml": unmarked})
    assert run_cli("lint", str(root)).exit_code == 1
    write_kb({"kb/new-policy.yaml": NEW_POLICY["kb/new-policy.yaml"].replace(": pending", ": later")})
    bad = run_cli("lint", str(root))
    assert bad.exit_code == 1 and "translations must be 'pending'" in bad.stdout


def _on_a_terminal(args: list[str], answer: bytes, env: dict[str, str]) -> tuple[int, str]:
    """Run replykit with stdin, stdout and stderr on a pseudo-terminal, typing ``answer``."""
    import pty

    primary, secondary = pty.openpty()
    proc = subprocess.Popen([str(REPLYKIT), *args], stdin=secondary, stdout=secondary, stderr=secondary, env=env)
    os.close(secondary)
    os.write(primary, answer)
    output = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(primary)
    return proc.wait(timeout=60), output.decode("utf-8", "replace").replace("\r\n", "\n")


def test_mark_reviewed_shows_the_diff_and_asks_on_a_terminal(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(CLEAN_KB)
    assert run_cli("mark-reviewed", "--all", "--yes", "--kb", str(root)).exit_code == 0
    write_kb({"templates/en/refund-status.j2": "We refunded {{ refund_amount | money }}; allow 10 days.\n"})
    env = {**os.environ, "REPLYKIT_CACHE_DIR": str(root.parent / "cache")}
    lock_before = (root / "replykit.lock").read_bytes()

    code, out = _on_a_terminal(["mark-reviewed", "refund-status", "--locale", "de", "--kb", str(root)], b"n\n", env)
    assert code == 0, out
    assert "== refund-status (de)" in out
    assert "+We refunded {{ refund_amount | money }}; allow 10 days." in out
    assert "Record 1 translation as reviewed? [y/N]" in out
    assert "nothing recorded" in out
    assert (root / "replykit.lock").read_bytes() == lock_before

    code, out = _on_a_terminal(["mark-reviewed", "refund-status", "--kb", str(root)], b"y\n", env)
    assert code == 0, out
    assert "Record 2 translations as reviewed? [y/N]" in out
    assert "marked 2 translations as reviewed" in out
    assert run_cli("diff", "refund-status", "--locale", "ja", "--kb", str(root)).stdout.startswith("no change")


def test_the_date_comes_from_git_history_in_a_git_work_tree(write_kb: WriteKB, run_cli: RunCLI) -> None:
    """A checkout sets every file's time to now; the last commit that touched the source knows better."""
    root = write_kb({**CLEAN_KB, **NEW_POLICY})
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-10-05T12:00:00Z", "GIT_COMMITTER_DATE": "2026-10-05T12:00:00Z",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "KB"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    data = json.loads(run_cli("status", "--list", "--locale", "de", "--format", "json", "--kb", str(root)).stdout)
    got = [(i["entry"], i["state"], i["since"]) for i in data["needs_work"]]
    assert got == [("new-policy", "pending", "2026-10-05")]

    # An uncommitted edit counts from the file's own time.
    write_kb({"templates/en/new-policy.j2": "Returns are now accepted for 21 days.\n"})
    data = json.loads(run_cli("status", "--list", "--locale", "de", "--format", "json", "--kb", str(root)).stdout)
    assert data["needs_work"][0]["since"] == datetime.now(UTC).date().isoformat()


def test_a_stale_translation_dates_from_the_commit_that_changed_the_source(write_kb: WriteKB, run_cli: RunCLI) -> None:
    """An edit of another locale's questions in the entry file is not a source change."""
    root = write_kb(CLEAN_KB)

    def commit(day: str) -> None:
        env = {**os.environ, "GIT_AUTHOR_DATE": f"{day}T12:00:00Z", "GIT_COMMITTER_DATE": f"{day}T12:00:00Z",
               "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
               "GIT_COMMITTER_EMAIL": "t@example.com"}
        for args in (["add", "-A"], ["commit", "-qm", day]):
            subprocess.run(["git", *args], cwd=root, env=env, check=True)

    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    assert run_cli("mark-reviewed", "--all", "--yes", "--kb", str(root)).exit_code == 0
    commit("2026-10-05")
    write_kb({"templates/en/refund-status.j2": "We refunded {{ refund_amount | money }}; allow 10 days.\n"})
    commit("2026-10-20")
    entry = CLEAN_KB["kb/refund-status.yaml"].replace('"Erstattung nicht erhalten"', '"Geld nicht erhalten"')
    write_kb({"kb/refund-status.yaml": entry})
    commit("2026-10-25")
    result = run_cli("status", "--list", "--locale", "ja", "--kb", str(root))
    assert result.stdout.splitlines()[1].split()[:4] == ["ja", "refund-status", "stale", "2026-10-20"]
    assert result.stderr == "1 translation needs work\n"
    render = run_cli("render", "refund-status", "--locale", "ja", "--var", "refund_amount=1000 JPY", "--kb", str(root))
    assert "its en source changed on 2026-10-20" in render.stderr
