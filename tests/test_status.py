"""`replykit status`: translation coverage per locale, as a table and as JSON."""

from __future__ import annotations

import json

from .conftest import RunCLI, WriteKB
from .lint_kb_files import CLEAN_KB


def test_status_table_and_json(write_kb: WriteKB, run_cli: RunCLI) -> None:
    files = {k: v for k, v in CLEAN_KB.items() if k != "templates/ja/refund-status.j2"}
    root = write_kb(files)
    assert run_cli("mark-reviewed", "--all", "--yes", "--kb", str(root)).exit_code == 0
    write_kb({"templates/en/track-order.j2": "Your order {{ order_id }} has shipped.\n"})

    table = run_cli("status", "--kb", str(root))
    assert table.exit_code == 0
    assert table.stdout.splitlines() == [
        "locale       entries  complete  missing  stale  pending  percent",
        "en (source)        2         2        0      0        0   100.0%",
        "de                 2         1        0      1        0    50.0%",
        "ja                 2         0        1      1        0     0.0%",
    ]

    data = json.loads(run_cli("status", "--kb", str(root), "--format", "json").stdout)
    assert data["locales"][2] == {
        "locale": "ja", "source": False, "entries": 2, "complete": 0, "missing": 1, "stale": 1, "pending": 0,
        "percent": 0.0,
    }


def test_status_of_a_complete_kb(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = write_kb(CLEAN_KB)
    rows = json.loads(run_cli("status", "--kb", str(root), "--format", "json").stdout)["locales"]
    got = [(r["locale"], r["complete"], r["percent"]) for r in rows]
    assert got == [("en", 2, 100.0), ("de", 2, 100.0), ("ja", 2, 100.0)]
