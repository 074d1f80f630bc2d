"""The opt-in usage log: off by default, masked by default, one valid JSON line per event even when shared."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.conftest import RunCLI, WriteKB
from tests.desk_kb import CONFIG, ORDERS_SECTION, files_with_orders
from tests.serve_server import REPLYKIT, running_server

MESSAGE = "Hi, where is my order KS-2026-00001? Call me on +49 30 1234567 or mail anna.schmidt@example.de"


def _kb(write_kb: WriteKB, log_section: str = "") -> Path:
    return write_kb(files_with_orders(), config=CONFIG + ORDERS_SECTION + log_section)


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_off_by_default(write_kb: WriteKB, run_cli: RunCLI) -> None:
    kb = _kb(write_kb)
    assert run_cli("suggest", "--kb", str(kb), MESSAGE).exit_code == 0
    assert not (kb / ".replykit").exists()
    assert sorted(p.name for p in kb.iterdir()) == ["exports", "kb", "replykit.yaml", "templates"]


def test_on_in_replykit_yaml_and_masked(write_kb: WriteKB, run_cli: RunCLI) -> None:
    kb = _kb(write_kb, "usage_log: {enabled: true}\n")
    result = run_cli("suggest", "--kb", str(kb), MESSAGE)
    assert result.exit_code == 0, result.stderr
    assert "KS-2026-00001" in result.stdout  # the agent sees everything; only the log is masked
    (record,) = _records(kb / ".replykit" / "usage.jsonl")
    assert record["event"] == "answer" and record["source"] == "suggest"
    assert record["asked"] == "Hi, where is my order [order]? Call me on [phone] or mail [email]"
    assert record["language"] == "en" and record["picked"] == "track-order"
    assert record["suggested"][0] == {"id": "track-order", "score": record["suggested"][0]["score"]}  # type: ignore[index]
    assert record["sent"] is None
    assert str(record["time"]).endswith("+00:00")


def test_mask_false_keeps_the_text(write_kb: WriteKB, run_cli: RunCLI) -> None:
    kb = _kb(write_kb, "usage_log: {enabled: true, path: logs/asked.jsonl, mask: false}\n")
    assert run_cli("suggest", "--kb", str(kb), MESSAGE).exit_code == 0
    (record,) = _records(kb / "logs" / "asked.jsonl")
    assert record["asked"] == MESSAGE


def test_bad_section_is_a_one_line_error(write_kb: WriteKB, run_cli: RunCLI) -> None:
    kb = _kb(write_kb, "usage_log: {enabled: yes please}\n")
    result = run_cli("suggest", "--kb", str(kb), MESSAGE)
    assert result.exit_code == 2
    assert result.stderr == f"replykit: error: {kb / 'replykit.yaml'}: usage_log: enabled and mask are true or false\n"


def test_serve_logs_every_answer_and_what_was_sent_from_many_writers(write_kb: WriteKB, tmp_path: Path) -> None:
    kb = _kb(write_kb)
    log = tmp_path / "shared.jsonl"
    with running_server(kb, "--usage-log", str(log)) as server:
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda n: server.request("/api/suggest", {"text": f"{MESSAGE} #{n}"})[0],
                                     range(24)))
        assert statuses == [200] * 24
        status, logged = server.request("/api/sent", {"text": "Sent to anna.schmidt@example.de", "entry": "track-order",
                                                      "locale": "en", "query": MESSAGE})
        assert (status, logged) == (200, {"logged": True})
        # other processes append to the same file at the same time
        config = CONFIG + ORDERS_SECTION + f"usage_log: {{enabled: true, path: {log}}}\n"
        (kb / "replykit.yaml").write_text(config, encoding="utf-8")
        writers = [subprocess.Popen([REPLYKIT, "suggest", "--kb", str(kb), MESSAGE], stdout=subprocess.DEVNULL)
                   for _ in range(4)]
        assert [w.wait(timeout=120) for w in writers] == [0] * 4
    records = _records(log)  # every line is whole JSON
    assert len(records) == 24 + 1 + 4
    assert sorted({str(r["source"]) for r in records}) == ["serve", "suggest"]
    (sent,) = [r for r in records if r["event"] == "sent"]
    assert sent["sent"] == "Sent to [email]" and sent["asked"] == (
        "Hi, where is my order [order]? Call me on [phone] or mail [email]"
    )
