"""Linting a large KB (5,000 entries x 5 locales by default) beside merely loading it, in the same run.

Figures: the KB load (cold: no cache; cached), and ``lint_kb`` cold (no cache at all, so the load is
included) and with the loader's cache warm. The goal of the lint issue is under 30 s cold on the
5,000 x 5 KB. With ``--examples N``, N entries get two examples per locale, so example-mismatch
queries suggest's matcher (which then builds its index: reported separately).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synth import generate_kb
from replykit.kb.loader import load_kb, load_kb_report
from replykit.lint import lint_kb


def timed(func: Callable[[], object], repeat: int) -> tuple[float, object]:
    samples = []
    result: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def add_examples(root: Path, count: int) -> None:
    """Give ``count`` entries two examples per locale, taken from their own phrasings' words."""
    kb = load_kb(root, use_cache=False)
    for entry in list(kb.entries.values())[:count]:
        lines = ["examples:"]
        for locale, phrasings in entry.questions.items():
            sep = "" if locale == "ja" else " "
            first = sep.join(reversed(phrasings[0].text.split(sep))) if sep else phrasings[0].text[::-1]
            lines.append(f'  {locale}: ["{first}", "{phrasings[1].text}"]')
        with open(entry.path, "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="500 entries")
    parser.add_argument("--entries", type=int)
    parser.add_argument("--examples", type=int, default=0, help="entries that get examples (runs the matcher)")
    args = parser.parse_args()
    entries = args.entries or (500 if args.quick else 5000)
    with tempfile.TemporaryDirectory(prefix="replykit-bench-") as tmp:
        root = generate_kb(Path(tmp) / "kb", entries=entries)
        if args.examples:
            add_examples(root, args.examples)
        cache = Path(tmp) / "cache"
        os.environ["REPLYKIT_CACHE_DIR"] = str(cache)

        def clear_cache() -> None:
            shutil.rmtree(cache, ignore_errors=True)

        def cold_load() -> object:
            clear_cache()
            return load_kb_report(root)

        def cold_lint() -> object:
            clear_cache()
            return lint_kb(root)

        load_cold, _ = timed(cold_load, 3)
        load_cached, _ = timed(lambda: load_kb_report(root), 3)
        lint_cold, findings = timed(cold_lint, 1)
        load_kb_report(root)  # warm the loader's cache (and the matcher's index, when built)
        lint_warm, _ = timed(lambda: lint_kb(root), 1)
    count = len(findings) if isinstance(findings, list) else 0
    print(f"synthetic KB: {entries} entries x 5 locales ({entries * 5} templates, {entries * 25} phrasings),"
          f" {args.examples} entries with examples; {count} findings")
    print(f"{'what':40} {'seconds':>8} {'vs cold load':>13}")
    for name, secs in (
        ("load_kb_report, cold (baseline)", load_cold),
        ("load_kb_report, cached", load_cached),
        ("lint_kb, cold (includes the load)", lint_cold),
        ("lint_kb, loader cache warm", lint_warm),
    ):
        print(f"{name:40} {secs:8.2f} {secs / load_cold:12.1f}x")
    verdict = "within" if lint_cold < 30 else "OVER"
    print(f"lint cold: {lint_cold:.1f} s, {verdict} the 30 s goal")


if __name__ == "__main__":
    main()
