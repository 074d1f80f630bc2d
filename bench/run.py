"""Run every benchmark (bench/bench_*.py), each in its own process so none warms another's caches.

    python bench/run.py                 # all, on the full-size synthetic KB
    python bench/run.py --quick         # smaller KBs, for a quick look
    python bench/run.py load suggest    # only these

Every figure is reported beside a baseline measured in the same run, as a ratio.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller synthetic KBs")
    args = parser.parse_args()
    found = sorted(HERE.glob("bench_*.py"))
    chosen = [p for p in found if not args.names or p.stem.removeprefix("bench_") in args.names]
    if not chosen:
        print(f"no benchmark named {', '.join(args.names)}; have: "
              + ", ".join(p.stem.removeprefix("bench_") for p in found), file=sys.stderr)
        return 2
    failed = 0
    for script in chosen:
        print(f"\n=== {script.stem.removeprefix('bench_')} ===", flush=True)
        extra = ["--quick"] if args.quick else []
        failed += subprocess.call([sys.executable, str(script), *extra]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
