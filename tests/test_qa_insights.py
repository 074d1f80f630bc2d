"""insights on realistic exports: found in QA, each through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import RunCLI, WriteKB
from .test_insights import KB_FILES


def test_steady_traffic_is_no_trend(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    source = tmp_path / "tickets.csv"
    days = [f"2026-10-{d:02d}" for d in range(1, 32)]
    source.write_text(
        "created,message\n" + "".join(f"{d},where is my parcel\n{d},I want to cancel my order\n" for d in days),
        encoding="utf-8",
    )
    result = run_cli("insights", "--kb", str(root), str(source), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["trend"] == []
    text = run_cli("insights", "--kb", str(root), str(source)).stdout
    assert "▼" not in text and "▲" not in text and "Trend" not in text


def test_a_gaps_suggested_id_is_the_same_in_every_run(write_kb: WriteKB, tmp_path: Path) -> None:
    # --draft names files by these ids: a different id per run would leave a new draft each time.
    # Every word of these messages is equally frequent, so only a stable tie-break gives one answer;
    # each process gets its own string hash seed, which decided the tie before.
    root = write_kb(KB_FILES)
    source = tmp_path / "mail.txt"
    source.write_text("do you sell gift cards? I want one for my sister\n" * 6, encoding="utf-8")
    replykit = Path(sys.executable).parent / "replykit"
    ids = set()
    for seed in ("1", "2", "3", "4", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [str(replykit), "insights", "--kb", str(root), str(source), "--format", "json"],
            capture_output=True, text=True, env=env, check=True,
        )
        ids.add(tuple(g["id"] for g in json.loads(out.stdout)["gaps"]))
    assert ids == {("gift-card",)}


def test_the_summary_line_counts_in_words(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    root = write_kb(KB_FILES)
    source = tmp_path / "mail.txt"
    source.write_text("do you sell gift cards?\ncan I buy a gift card\ngift cards available?\n", encoding="utf-8")
    result = run_cli("insights", "--kb", str(root), str(source))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("3 messages · 0 answered with confidence (0%) · 1 gap · 0 records skipped\n")
    page = tmp_path / "report.html"
    assert run_cli("insights", "--kb", str(root), str(source), "--format", "html", "-o", str(page)).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "<b>1</b>gap (3 messages)</div>" in html and "<b>0</b>records skipped</div>" in html


def test_csv_as_excel_writes_it_in_europe(write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path) -> None:
    # Excel's plain "CSV" on a German or French Windows: semicolons and Windows-1252, CRLF lines.
    root = write_kb(KB_FILES)
    source = tmp_path / "tickets.csv"
    rows = ["Ticket ID;Created;Subject;Description", '1;2026-10-01;Paket;"Wo ist mein Paket? Grüße"']
    rows += ["2;2026-10-02;Geld;wann bekomme ich mein Geld zurück", "3;2026-10-03;x;Où est mon colis?"]
    source.write_bytes("\r\n".join(rows).encode("cp1252") + b"\r\n")
    result = run_cli("insights", "--kb", str(root), str(source), "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["messages"], report["skipped"]) == (3, 0)
    counts = {e["id"]: e["count"] for e in report["entries"]}
    assert counts["refund-status"] == 1 and counts["track-order"] == 2
    assert f"{source}:2: record 1: not UTF-8: read as Windows-1252 from here on" in result.stderr
    assert result.stderr.count("replykit: warning:") == 1


def test_a_folder_without_emails_is_an_error_not_an_empty_report(
    write_kb: WriteKB, run_cli: RunCLI, tmp_path: Path
) -> None:
    root = write_kb(KB_FILES)
    folder = tmp_path / "Downloads"
    folder.mkdir()
    (folder / "export.msg").write_bytes(b"Outlook's own format")
    result = run_cli("insights", "--kb", str(root), str(folder))
    assert result.exit_code == 2
    assert result.stderr == (
        f"replykit: error: {folder}: no .eml file in this folder or below: give the folder the e-mails were saved to\n"
    )
