"""`replykit suggest` speed, each figure beside a baseline measured in the same run.

1. One question as a whole process on the sample KB (this repository), with --locale and with
   language detection, for a question the words settle (no encoder) and one they leave unsure (the
   ``multilingual`` extra's encoder loads, when installed), against
   ``python -c "import rapidfuzz, jinja2, yaml, babel, typer"`` (goals of the suggest issue: 1.08x
   for JSON, 1.35x for the table and reply, 1.30x detected).
   The commands run interleaved, round after round, so a change in the machine's load hits every
   one of them alike; each gets the median wall time and the median CPU time (user + sys of the
   process), and both as ratios to the baseline's.
2. In process on a synthetic KB (5,000 entries x 5 locales x 5 phrasings): index build (cold) and
   cached load, and time per question once loaded (goal: < 20 ms), against a home-made matcher:
   rapidfuzz ``process.extractOne`` with token_set_ratio over every phrasing.
3. ``suggest --batch`` of 10,000 questions as a whole process against that KB (goal: < 30 s), against
   the home-made matcher's time for the same questions (extrapolated from a sample).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.synth import generate_kb  # noqa: E402


def wall(cmd: Sequence[str], runs: int, env: dict[str, str] | None = None) -> float:
    """Median wall time of a whole process."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def timed(cmd: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + sys, from the process's own rusage) of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, list(cmd))
    return elapsed, usage.ru_utime + usage.ru_stime


def interleaved(commands: Sequence[Sequence[str]], runs: int, env: dict[str, str]) -> list[tuple[float, float]]:
    """Median (wall, CPU) of each command, run round-robin ``runs`` times."""
    samples: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(runs):
        for cmd, got in zip(commands, samples, strict=True):
            got.append(timed(cmd, env))
    return [(statistics.median(w for w, _ in got), statistics.median(c for _, c in got)) for got in samples]


def per_call(func: Callable[[str], object], items: Sequence[str]) -> float:
    start = time.perf_counter()
    for item in items:
        func(item)
    return (time.perf_counter() - start) / len(items)


def questions_from(kb: object, count: int, seed: int = 1) -> list[str]:
    """Customer-like questions: KB phrasings with words dropped, shuffled and one typo."""
    from replykit.kb.model import KnowledgeBase

    assert isinstance(kb, KnowledgeBase)
    rng = random.Random(seed)
    phrasings = [p.text for e in kb.entries.values() for p in e.phrasings()]
    out = []
    for _ in range(count):
        text = rng.choice(phrasings)
        words = text.split()
        if len(words) > 3:
            words.pop(rng.randrange(len(words)))
            rng.shuffle(words)
            i = rng.randrange(len(words))
            w = words[i]
            if len(w) > 4:
                j = rng.randrange(1, len(w) - 1)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
            text = " ".join(words)
        else:
            text = text[: max(2, len(text) - 1)]
        out.append(text)
    return out


def row(name: str, value: float, baseline: float, goal: str, unit: str = "s") -> None:
    shown = f"{value * 1000:9.2f} ms" if unit == "ms" else f"{value:9.3f} s "
    print(f"{name:52} {shown} {value / baseline:7.2f}x  {goal}")


#: Questions of part 1: one the words settle (``Matcher._lexically_sure``: the encoder of the
#: ``multilingual`` extra stays unloaded) and one they leave unsure (the encoder loads: numpy, its
#: state and the KB's phrasing vectors), each as JSON with --locale, table and reply, and detected.
WHOLE_PROCESS_QUESTIONS = (
    ("sure", "Can I change my delivery address?"),
    ("unsure", "Hi, where is my parcel? I ordered 10 days ago and tracking hasn't moved"),
)


def loads_encoder(cmd: Sequence[str], env: dict[str, str]) -> bool:
    """Whether a whole process loads the encoder: it imports numpy, which nothing else on suggest's
    path does (``-X importtime`` lists every import; the stored encoder does not import its package)."""
    done = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=True, env=env)
    return any(line.rsplit("|", 1)[-1].strip() == "numpy" for line in done.stderr.splitlines())


def whole_process(runs: int) -> None:
    exe = [sys.executable, "-c", "from replykit.cli import main; main()"]
    base_cmd = [sys.executable, "-c", "import rapidfuzz, jinja2, yaml, babel, typer"]
    with tempfile.TemporaryDirectory(prefix="replykit-bench-") as cache:
        env = {**os.environ, "REPLYKIT_CACHE_DIR": cache}
        rows = [("python -c 'import rapidfuzz, jinja2, yaml, babel, typer'", base_cmd, "baseline")]
        for label, question in WHOLE_PROCESS_QUESTIONS:
            rows += [
                (f"{label}: suggest --locale en --format json",
                 [*exe, "suggest", "--kb", str(REPO), "--locale", "en", "--format", "json", question], "~1.08x"),
                (f"{label}: suggest --locale en (table + reply)",
                 [*exe, "suggest", "--kb", str(REPO), "--locale", "en", question], "<= 1.35x"),
                (f"{label}: suggest --format json (detected)",
                 [*exe, "suggest", "--kb", str(REPO), "--format", "json", question], "<= 1.30x"),
            ]
        # An installed replykit has bytecode, as the baseline's libraries do; a checkout run with
        # PYTHONDONTWRITEBYTECODE=1 would recompile every module of ours in every process.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src")], check=True,
                       stdout=subprocess.DEVNULL)
        for _, cmd, _ in rows[1:]:
            wall(cmd, 2, env)  # fill the KB, index, language-model, encoder and template caches
        figures = interleaved([cmd for _, cmd, _ in rows], runs, env)
        (base_wall, base_cpu) = figures[0]
        print(f"\n1. one question, whole process, sample KB (cached index; medians of {runs} interleaved runs)")
        for n, (label, question) in enumerate(WHOLE_PROCESS_QUESTIONS):
            loaded = loads_encoder(rows[1 + 3 * n][1], env)
            print(f"   {label}: {question!r} (the encoder {'loads' if loaded else 'stays unloaded'})")
        print(f"{'what':52} {'wall':>12} {'ratio':>8} {'CPU':>12} {'ratio':>8}  goal")
        for (name, _, goal), (wall_s, cpu_s) in zip(rows, figures, strict=True):
            ratios = f"{wall_s / base_wall:7.2f}x {cpu_s:9.3f} s  {cpu_s / base_cpu:7.2f}x"
            print(f"{name:52} {wall_s:9.3f} s  {ratios}  {goal}")


def synthetic(entries: int, batch_size: int) -> None:
    from rapidfuzz import fuzz, process, utils

    from replykit.kb.loader import load_kb
    from replykit.matching import Matcher

    with tempfile.TemporaryDirectory(prefix="replykit-bench-") as tmp:
        os.environ["REPLYKIT_CACHE_DIR"] = str(Path(tmp) / "cache")
        root = generate_kb(Path(tmp) / "kb", entries=entries)
        kb = load_kb(root)
        n_phrasings = sum(1 for e in kb.entries.values() for _ in e.phrasings())
        start = time.perf_counter()
        matcher = Matcher.for_kb(kb)  # builds and caches the index
        build_s = time.perf_counter() - start
        start = time.perf_counter()
        matcher = Matcher.for_kb(kb)
        cached_s = time.perf_counter() - start

        questions = questions_from(kb, batch_size)
        sample = questions[:200]
        texts = [p.text for e in kb.entries.values() for p in e.phrasings()]
        home_made = per_call(
            lambda q: process.extractOne(q, texts, scorer=fuzz.token_set_ratio, processor=utils.default_process),
            sample[:50],
        )
        given = per_call(lambda q: matcher.suggest(q, locale="en"), sample)
        start = time.perf_counter()
        matcher.suggest(sample[0])  # trains (and caches) the KB's language model, loads fastText
        langid_s = time.perf_counter() - start
        detected = per_call(lambda q: matcher.suggest(q), sample)

        print(f"\n2. in process, synthetic KB: {entries} entries x 5 locales x 5 phrasings = {n_phrasings} phrasings")
        print(f"{'what':52} {'time':>12} {'ratio':>8}  goal")
        row("home-made: rapidfuzz extractOne over all phrasings", home_made, home_made, "baseline", "ms")
        row("Matcher.suggest, --locale given", given, home_made, "< 20 ms", "ms")
        row("Matcher.suggest, language detected", detected, home_made, "< 20 ms", "ms")
        print(f"index build (cold, then cached on disk): {build_s:.2f} s; cached load {cached_s:.2f} s "
              f"({cached_s / build_s:.2f}x of a build); language model training (cached too): {langid_s:.2f} s")

        qfile = Path(tmp) / "questions.txt"
        qfile.write_text("\n".join(questions) + "\n", encoding="utf-8")
        cmd = [sys.executable, "-c", "from replykit.cli import main; main()", "suggest", "--kb", str(root),
               "--batch", str(qfile), "--format", "jsonl"]
        batch_s = wall(cmd, 1, dict(os.environ))
        home_made_batch = home_made * len(questions)
        cores = os.cpu_count()
        print(f"\n3. suggest --batch of {len(questions)} questions, whole process (language detected, {cores} cores)")
        print(f"{'what':52} {'time':>12} {'ratio':>8}  goal")
        row("home-made matcher, same questions (extrapolated)", home_made_batch, home_made_batch, "baseline")
        row("replykit suggest --batch --format jsonl", batch_s, home_made_batch, "< 30 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a 500-entry KB and a batch of 1,000")
    parser.add_argument("--entries", type=int)
    parser.add_argument("--whole-process-only", action="store_true", help="only part 1 (the sample KB)")
    parser.add_argument("--runs", type=int, help="rounds of part 1 (default: 5 with --quick, else 9)")
    args = parser.parse_args()
    whole_process(runs=args.runs or (5 if args.quick else 9))
    if args.whole_process_only:
        return
    entries = args.entries or (500 if args.quick else 5000)
    synthetic(entries, batch_size=1000 if args.quick else 10000)


if __name__ == "__main__":
    main()
