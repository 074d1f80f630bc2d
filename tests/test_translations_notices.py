"""Stale or missing translations are never silent: render and suggest say so, with locale and date."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from .conftest import RunCLI, WriteKB
from .lint_kb_files import CLEAN_KB

CHANGED = datetime(2026, 11, 2, 12, tzinfo=UTC)


def _stale_kb(write_kb: WriteKB, run_cli: RunCLI) -> Path:
    pending = "id: new-policy\ntranslations: pending\nquestions:\n  en: [what is the new return policy]\n"
    root = write_kb({
        **CLEAN_KB,
        "kb/new-policy.yaml": pending,
        "templates/en/new-policy.j2": "Returns are now accepted for 14 days.\n",
    })
    assert run_cli("mark-reviewed", "--all", "--yes", "--kb", str(root)).exit_code == 0
    write_kb({"templates/en/refund-status.j2": "We refunded {{ refund_amount | money }}; allow 10 days.\n"})
    for rel in ("templates/en/refund-status.j2", "kb/refund-status.yaml", "kb/new-policy.yaml",
                "templates/en/new-policy.j2"):
        os.utime(root / rel, (CHANGED.timestamp(), CHANGED.timestamp()))
    return root


def test_a_stale_translation_renders_with_a_notice(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = _stale_kb(write_kb, run_cli)
    today = datetime.now(UTC).date().isoformat()
    args = ("render", "refund-status", "--locale", "de", "--var", "refund_amount=12.50 EUR", "--kb", str(root))
    data = json.loads(run_cli(*args, "--format", "json").stdout)
    assert data["notices"] == [
        "The de translation of 'refund-status' may be out of date: its en source changed on 2026-11-02,"
        f" after its last review on {today}; compare with replykit render refund-status --locale en before sending."
    ]
    text = run_cli(*args)
    assert text.exit_code == 0
    assert "notice: The de translation of 'refund-status' may be out of date" in text.stderr

    # A reviewed translation, and the source itself, say nothing.
    fresh = run_cli("render", "track-order", "--locale", "de", "--var", "order_id=A1", "--format", "json",
                    "--kb", str(root))
    assert json.loads(fresh.stdout)["notices"] == []
    source = run_cli(*args[:3], "en", *args[4:], "--format", "json")
    assert json.loads(source.stdout)["notices"] == []


def test_a_pending_translation_falls_back_with_its_date(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = _stale_kb(write_kb, run_cli)
    data = json.loads(run_cli("render", "new-policy", "--locale", "ja", "--format", "json", "--kb", str(root)).stdout)
    assert data["locale_used"] == "en"
    assert "The ja translation of 'new-policy' is pending (its en source last changed on 2026-11-02)." in (
        data["notices"]
    )


def test_suggest_shows_the_notice_with_the_reply(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = _stale_kb(write_kb, run_cli)
    result = run_cli("suggest", "--kb", str(root), "--locale", "de", "wann bekomme ich mein Geld zurück")
    assert result.exit_code == 0, result.stderr
    assert "The de translation of 'refund-status' may be out of date: its en source changed on 2026-11-02" in (
        result.stdout
    )


def test_suggest_json_carries_the_notice(write_kb: WriteKB, run_cli: RunCLI) -> None:
    root = _stale_kb(write_kb, run_cli)
    result = run_cli("suggest", "--kb", str(root), "--locale", "de", "--format", "json",
                     "wann bekomme ich mein Geld zurück")
    assert result.exit_code == 0, result.stderr
    reply = json.loads(result.stdout)["reply"]
    assert reply["entry"] == "refund-status"
    assert any(n.startswith("The de translation of 'refund-status' may be out of date: its en source changed on"
                            " 2026-11-02") for n in reply["notices"])
