"""ambiguous-questions on a KB of copied entries: lint time as the copies grow, beside loading the KB.

Help desks copy an entry to start a new one, so N entries can share the same phrasings. The rule
used to confirm every candidate pair with a full suggest (N=200: 74 s; N=600: no end after 10
minutes). Now copies form one group per distinct phrasing, ranked once. Reported per N: the KB
load (the baseline, same run), the rule's time, their ratio, and the growth exponent between sizes
(1 is linear, 2 quadratic).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from replykit.kb.loader import load_kb
from replykit.lint import lint_kb

PHRASINGS = {
    "en": ["where is my parcel", "my order has not arrived", "tracking number please", "when will it ship",
           "has my package been sent"],
    "de": ["wo ist mein Paket", "meine Bestellung ist nicht angekommen", "Sendungsnummer bitte",
           "wann wird verschickt", "wurde mein Paket versendet"],
}


def copied_kb(root: Path, copies: int) -> Path:
    """``copies`` entries with the same phrasings, plus one distinct entry."""
    (root / "kb").mkdir(parents=True)
    for locale in PHRASINGS:
        (root / "templates" / locale).mkdir(parents=True)
    (root / "replykit.yaml").write_text("source_locale: en\nlocales: [en, de]\n", encoding="utf-8")
    for n in range(copies):
        questions = "".join(f"  {loc}: {items!r}\n".replace("'", '"') for loc, items in PHRASINGS.items())
        (root / "kb" / f"copy-{n}.yaml").write_text(f"id: copy-{n}\nquestions:\n{questions}", encoding="utf-8")
        for locale in PHRASINGS:
            (root / "templates" / locale / f"copy-{n}.j2").write_text("Hello\n", encoding="utf-8")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="up to 200 copies")
    args = parser.parse_args()
    sizes = (50, 100, 200) if args.quick else (50, 100, 200, 400, 800)
    previous: tuple[int, float] | None = None
    print(f"{'copies':>6}  {'load s':>7}  {'rule s':>7}  {'rule/load':>9}  {'growth':>6}  findings")
    for copies in sizes:
        with tempfile.TemporaryDirectory(prefix="replykit-bench-") as tmp:
            root = copied_kb(Path(tmp) / "kb", copies)
            start = time.perf_counter()
            kb = load_kb(root, use_cache=False)
            load = time.perf_counter() - start
            start = time.perf_counter()
            findings = lint_kb(kb, rules=["ambiguous-questions"])
            rule = time.perf_counter() - start
        growth = f"{math.log(rule / previous[1]) / math.log(copies / previous[0]):.2f}" if previous else "-"
        print(f"{copies:>6}  {load:>7.2f}  {rule:>7.2f}  {rule / load:>9.2f}  {growth:>6}  {len(findings)}")
        previous = (copies, rule)


if __name__ == "__main__":
    main()
