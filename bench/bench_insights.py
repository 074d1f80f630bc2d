"""`replykit insights` speed and memory as a whole process, beside baselines measured in the same run.

Messages are synthetic, made from the sample KB's own phrasings (this repository) the way exports
look: greetings and sign-offs around the question, order numbers, typos, capitals, a few topics
the KB does not cover (gift cards, ...) in several languages, dates over twelve weeks. Exports
repeat themselves (the same question with another order number); how many distinct texts the
input has after folding case, spacing and digits is printed, since matching cost follows it.

1. 100,000 messages (goal: <= 60 s as a whole process on 2 cores, bounded memory), against
   baseline A: reading the same CSV with Python's csv module (the floor of any streaming pass),
   and baseline B: ``replykit suggest --batch`` on a 2,000-message sample (per message).
2. ``--million``: 1,000,000 messages, once (peak memory should stay where 100,000 put it).

    python bench/bench_insights.py [--quick] [--messages N] [--million]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
REPLYKIT = [str(Path(sys.executable).parent / "replykit")]

# On lines of their own, as e-mails and most chat widgets have them.
GREETINGS = ["", "", "", "Hi,\n", "Hello!\n", "Hallo,\n", "Bonjour,\n", "Hola,\n", "Dear team,\n\n"]
SIGNOFFS = ["", "", "", "\nThanks!", "\nDanke.", "\nMerci.", "\nGracias", "\n\nThank you,\nAnna"]
UNCOVERED = [
    "Do you sell gift cards?", "Can I buy a gift card for my friend?", "Gibt es Geschenkgutscheine?",
    "ギフトカードはありますか", "Vendez-vous des cartes cadeaux ?", "¿Venden tarjetas de regalo?",
    "Do you have a loyalty programme?", "Gibt es ein Bonusprogramm?", "ポイントプログラムはありますか",
    "Can I pick up my order in your Berlin store?", "Kann ich im Laden abholen?",
]


def kb_questions() -> list[str]:
    questions: list[str] = []
    for path in sorted((REPO / "kb").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for texts in (data.get("questions") or {}).values():
            questions.extend(str(t) for t in texts)
    return questions


def typo(text: str, rng: random.Random) -> str:
    if len(text) < 6:
        return text
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def write_messages(path: Path, count: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    questions = kb_questions()
    start = date(2026, 9, 1)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["ticket_id", "created_at", "message"])
        for n in range(count):
            base = rng.choice(UNCOVERED) if rng.random() < 0.08 else rng.choice(questions)
            if rng.random() < 0.05:
                base = typo(base, rng)
            if rng.random() < 0.3:
                base += f" (order #{rng.randrange(10000, 99999)})"
            if rng.random() < 0.2:
                base = base.lower()
            text = rng.choice(GREETINGS) + base + rng.choice(SIGNOFFS)
            day = start + timedelta(days=rng.randrange(84))
            writer.writerow([n + 1, day.isoformat(), text])


def distinct_keys(path: Path) -> int:
    sys.path.insert(0, str(REPO / "src"))
    from replykit.insights.scan import match_key

    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        next(rows)
        return len({match_key(row[2]) for row in rows})


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (all processes: on a shared machine wall time also measures the
    neighbours) and the peak resident memory (MB) of the biggest process the command started."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return seconds, cpu, max(after.ru_maxrss, before.ru_maxrss) / 1024


def run(count: int, tmp: Path) -> None:
    data = tmp / f"messages-{count}.csv"
    write_messages(data, count)
    distinct = distinct_keys(data)
    read_only = "import csv,sys\nfor row in csv.reader(open(sys.argv[1], newline='')): pass"
    floor = [sys.executable, "-c", read_only, str(data)]
    base_s, _, _ = timed(floor)
    out = tmp / "report.json"
    cmd = [*REPLYKIT, "insights", "--kb", str(REPO), str(data), "--format", "json", "-o", str(out)]
    seconds, cpu, peak = timed(cmd)
    sample = tmp / "sample.txt"
    with open(data, encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        next(rows)
        lines = [" ".join(row[2].split()) for _, row in zip(range(2000), rows, strict=False)]  # one a line
    sample.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = [*REPLYKIT, "suggest", "--kb", str(REPO), "--batch", str(sample), "--format", "jsonl"]
    batch_s, batch_cpu, _ = timed(batch)
    per_message_batch = batch_s / len(lines)
    print(f"{count:,} messages ({distinct:,} distinct texts after folding case, spacing and digits)")
    print(f"  insights, whole process:      {seconds:7.1f} s   CPU {cpu:.1f} s (/2 cores = {cpu / 2:.1f} s)"
          f"   peak memory {peak:4.0f} MB   load average {os.getloadavg()[0]:.1f}")
    print(f"  baseline A, csv read only:    {base_s:7.1f} s   insights / A = {seconds / base_s:.0f}x")
    print(f"  baseline B, suggest --batch:  {per_message_batch * 1000:7.2f} ms a message (2,000 sample) ->"
          f" {per_message_batch * count:.0f} s for all; insights / B = {seconds / (per_message_batch * count):.2f}x"
          f"; CPU {batch_cpu / len(lines) * 1000:.2f} ms a message")
    # Matching is the cost and follows the distinct texts: insights' CPU against B's for as many.
    print(f"  insights CPU / (B's CPU a message x distinct texts) = {cpu / (batch_cpu / len(lines) * distinct):.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10,000 messages")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="also 1,000,000 messages (once: minutes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(10_000 if args.quick else args.messages, Path(tmp))
        if args.million:
            run(1_000_000, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
