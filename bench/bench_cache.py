"""A big KB as users meet it: whole ``replykit suggest`` processes on the synthetic KB (5,000 entries
x 5 locales x 5 phrasings, 30,000 files), each figure beside the import floor measured in the same
run (``python -c "import rapidfuzz, jinja2, yaml, babel, typer"``).

1. first question on an empty cache: the KB parsed and the index built (goal: <= 25 s, <= 800 MB):
   a vague one (with the ``multilingual`` extra it also encodes all 125,000 phrasings), and (1b,
   another empty cache) one the words settle (an entry's own phrasing: no encoder);
2. one question, cache warm, ``--locale`` (goal: <= 3x the floor's time, <= 250 MB): a vague one
   (the words alone do not settle it: the multilingual encoder re-ranks, when installed), and
   one the words settle (an entry's own phrasing, answered and rendered without the encoder);
3. first question after editing one entry file (goal: <= 5 s), three kinds of edit:
   a. outside its questions (a comment): the index is kept, only that file is parsed again;
   b. one phrasing reworded with a word whose character n-grams no other entry uses: the index is
      spliced (only the edited entry is weighed again);
   c. one phrasing reworded with a common word: the IDF of common n-grams changes, and with it
      most phrasings' vectors: the index is built again (meaning vectors of unchanged entries kept);
4. first reply rendered from a template after ``cp -p`` of it (same size and mtime): the reply must
   show the edit, and cheap (templates are read when rendered; the KB and index are kept).

Each row gives wall seconds and CPU seconds (user + sys of the process and the helper process it
waits for), the peak resident memory, and the ratios to the floor; the load average is printed at
the start and the end (the machine may be shared).

    python bench/bench_cache.py                   # generates the KB in a temporary folder
    python bench/bench_cache.py --kb /tmp/big/kb  # reuses a KB made by bench/synth.py (edits are undone)
    python bench/bench_cache.py --quick           # 500 entries
    python bench/bench_cache.py --kb /tmp/big/kb --first-only   # only the floor and rows 1 and 1b
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.synth import generate_kb  # noqa: E402

FLOOR = [sys.executable, "-c", "import rapidfuzz, jinja2, yaml, babel, typer"]
REPLYKIT = [sys.executable, "-c", "from replykit.cli import main; main()"]


def measure(cmd: Sequence[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds, peak resident MB and stdout of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode})")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def median_of(cmd: Sequence[str], env: dict[str, str], runs: int) -> tuple[float, float, float]:
    samples = [measure(cmd, env) for _ in range(runs)]
    return (statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples),
            max(s[2] for s in samples))


def row(name: str, figure: tuple[Any, ...], floor: tuple[float, float, float], goal: str) -> None:
    wall, cpu, mb = figure[:3]
    print(f"{name:50} {wall:7.2f} s {wall / floor[0]:6.1f}x {cpu:7.2f} s {cpu / floor[1]:6.1f}x"
          f" {mb:6.0f} MB  {goal}", flush=True)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def reword(entry: Path, word: str) -> None:
    """Put ``word`` at the start of the entry's first phrasing."""
    lines = entry.read_text(encoding="utf-8").split("\n")
    first = next(i for i, line in enumerate(lines) if line.lstrip().startswith('- "'))
    lines[first] = lines[first].replace('- "', f'- "{word} ', 1)
    entry.write_text("\n".join(lines), encoding="utf-8")


def first_phrasing(entry: Path) -> str:
    text = entry.read_text(encoding="utf-8")
    return next(line for line in text.split("\n") if line.lstrip().startswith('- "')).strip()[3:-1]


def run_first(root: Path, runs: int) -> None:
    """The floor, then row 1 for a vague question and for one the words settle, each on an empty cache."""
    entries = sorted((root / "kb").rglob("*.yaml"))
    sure = first_phrasing(entries[len(entries) // 2])
    print(f"load average at the start: {load()}")
    with tempfile.TemporaryDirectory(prefix="replykit-bench-cache-") as cache:
        env = {**os.environ, "REPLYKIT_CACHE_DIR": cache}
        floor = median_of(FLOOR, env, runs)
    print(f"{'what':50} {'wall':>9} {'ratio':>7} {'cpu':>9} {'ratio':>7} {'peak':>9}  goal")
    row("python -c 'import rapidfuzz, jinja2, yaml, babel, typer'", floor, floor, "baseline")
    for name, words in (("1. first question, empty cache (parse + index)", "where is my order please"),
                        ("1b. ... one the words settle (no encoder)", sure)):
        with tempfile.TemporaryDirectory(prefix="replykit-bench-cache-") as cache:
            env = {**os.environ, "REPLYKIT_CACHE_DIR": cache}
            question = [*REPLYKIT, "suggest", "--kb", str(root), "--locale", "en", words]
            row(name, measure(question, env), floor, "<= 25 s, <= 800 MB")
    print(f"load average at the end: {load()}")


def run(root: Path, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="replykit-bench-cache-") as cache:
        env = {**os.environ, "REPLYKIT_CACHE_DIR": cache}
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src")], check=True,
                       stdout=subprocess.DEVNULL)
        question = [*REPLYKIT, "suggest", "--kb", str(root), "--locale", "en", "where is my order please"]
        print(f"load average at the start: {load()}")
        floor = median_of(FLOOR, env, runs)
        print(f"{'what':50} {'wall':>9} {'ratio':>7} {'cpu':>9} {'ratio':>7} {'peak':>9}  goal")
        row("python -c 'import rapidfuzz, jinja2, yaml, babel, typer'", floor, floor, "baseline")
        cold = measure(question, env)
        row("1. first question, empty cache (parse + index)", cold, floor, "<= 25 s, <= 800 MB")
        warm = median_of(question, env, runs)
        row("2. one question, warm cache, --locale", warm, floor, "<= 3x, <= 250 MB")
        entries = sorted((root / "kb").rglob("*.yaml"))
        entry = entries[len(entries) // 2]
        original = entry.read_bytes()
        sure = [*REPLYKIT, "suggest", "--kb", str(root), "--locale", "en", first_phrasing(entry)]
        row("2b. ... one the words settle (an entry's phrasing)", median_of(sure, env, runs), floor,
            "<= 3x, <= 250 MB")
        template = sorted((root / "templates" / "en").rglob("*.j2"))[0]
        saved = template.read_bytes()
        render = [*REPLYKIT, "render", "--kb", str(root), "--locale", "en", template.stem, "--var", "order_id=A1"]
        try:
            entry.write_bytes(original.replace(b"questions:", b"questions:  # edited", 1))
            row("3a. after editing one entry, not its questions", measure(question, env), floor, "<= 5 s")
            reword(entry, "xyzzyq")  # x, y and q are no letters of bench/synth.py's words
            row("3b. ... one phrasing, with a rare word", measure(question, env), floor, "<= 5 s")
            entry.write_bytes(original)
            reword(entry, "tomorrow")  # " to", "tom", "mor": n-grams of many entries
            row("3c. ... one phrasing, with a common word", measure(question, env), floor, "<= 5 s")
            copy = Path(cache) / "template-copy.j2"
            changed = saved.replace(b"Reply", b"Answer", 1)
            copy.write_bytes(changed)
            stamp = template.stat().st_mtime
            os.utime(copy, (stamp, stamp))
            time.sleep(2.5)  # past the racy window, so the manifest trusts the recorded stat
            median_of(question, env, 1)
            before = median_of(render, env, runs)
            row("4a. render of one entry's reply, warm cache", before, floor, "")
            subprocess.run(["cp", "-p", str(copy), str(template)], check=True)
            seen = measure(render, env)
            if "Answer" not in seen[3]:
                raise SystemExit("the cp -p edit of a template was not seen: the reply shows the old text")
            row("4b. the same render after cp -p of its template", seen, floor, "seen; cheap")
        finally:
            entry.write_bytes(original)
            template.write_bytes(saved)
        print(f"load average at the end: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="500 entries instead of 5,000")
    parser.add_argument("--kb", type=Path, help="a KB generated by bench/synth.py to reuse")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--first-only", action="store_true", help="only the floor and the first questions (1, 1b)")
    args = parser.parse_args()
    if args.kb is not None:
        print(f"KB: {args.kb}")
        (run_first if args.first_only else run)(args.kb, args.runs)
        return
    entries = 500 if args.quick else 5000
    tmp = Path(tempfile.mkdtemp(prefix="replykit-bench-kb-"))
    try:
        root = generate_kb(tmp / "kb", entries=entries)
        print(f"KB: synthetic, {entries} entries x 5 locales x 5 phrasings")
        run(root, args.runs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
