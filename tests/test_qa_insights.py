"""insights on realistic exports: found in QA, each through the CLI."""

from __future__ import annotations

import json
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
