"""Loading a large KB: cold (parse everything) and cached, beside plain PyYAML over the same files.

Baselines, measured in the same run: ``yaml.safe_load`` (what a home-made loader does) and
``yaml.load`` with libyaml's CSafeLoader (the fastest PyYAML can parse; it keeps no line numbers
and does no validation). replykit's cold load parses with line marks and validates everything.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synth import generate_kb
from replykit.kb.loader import load_kb


def timed(func: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--entries", type=int)
    args = parser.parse_args()
    entries = args.entries or (500 if args.quick else 5000)
    repeat = 3
    with tempfile.TemporaryDirectory(prefix="replykit-bench-") as tmp:
        root = generate_kb(Path(tmp) / "kb", entries=entries)
        cache = Path(tmp) / "cache"
        os.environ["REPLYKIT_CACHE_DIR"] = str(cache)
        files = sorted((root / "kb").glob("**/*.yaml"))

        def plain(loader: type) -> None:
            for path in files:
                yaml.load(path.read_bytes(), Loader=loader)

        def cold() -> None:
            for stale in cache.glob("*"):
                stale.unlink()
            load_kb(root)

        safe = timed(lambda: plain(yaml.SafeLoader), 1 if not args.quick else repeat)
        csafe = timed(lambda: plain(yaml.CSafeLoader), repeat)
        cold_s = timed(cold, repeat)
        load_kb(root)  # warm the cache
        cached_s = timed(lambda: load_kb(root), repeat)
    print(f"synthetic KB: {entries} entries x 5 locales x 5 phrasings ({len(files)} entry files)")
    print(f"{'what':38} {'seconds':>8} {'vs safe_load':>13} {'vs CSafeLoader':>15}")
    for name, secs in (
        ("yaml.safe_load (baseline)", safe),
        ("yaml.load CSafeLoader (baseline)", csafe),
        ("replykit load_kb, cold", cold_s),
        ("replykit load_kb, cached", cached_s),
    ):
        print(f"{name:38} {secs:8.3f} {secs / safe:12.2f}x {secs / csafe:14.2f}x")


if __name__ == "__main__":
    main()
