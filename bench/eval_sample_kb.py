"""Score `suggest` on customer messages written for the sample KB (bench/data/sample_kb_messages.jsonl).

The evaluation sets in ../shared/eval are real but generic; these are the messages the sample
store gets: chat lines and e-mails in en/ja/de/fr/es, messages in languages the KB lacks, two
questions in one message, and questions no entry answers. Written by the team, labelled by hand;
a check on the sample KB, not a target to tune single messages to.

    .venv/bin/python bench/eval_sample_kb.py [--kb .] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import replykit

DATA = Path(__file__).parent / "data" / "sample_kb_messages.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=Path(__file__).parent.parent)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    kb = replykit.load_kb(args.kb)
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts: Counter[str] = Counter()
    misses: list[str] = []
    for row in rows:
        answer = replykit.suggest(kb, row["text"], top=3)
        ids = [m.id for m in answer.matches]
        language = str(getattr(answer, "language", answer.locale)).replace("_", "-").split("-")[0]
        counts["all"] += 1
        counts["language_ok"] += language == row["language"]
        if row["language"] not in kb.config.locales:
            counts["foreign"] += 1
            counts["foreign_language_ok"] += language == row["language"]
            counts["foreign_top3"] += row["expect"] in ids
        if row["expect"] is None:
            counts["oos"] += 1
            counts["oos_confident"] += answer.confident
            if answer.confident and args.show_misses:
                misses.append(f"OOS confident -> {ids[:1]}: {row['text']!r}")
            continue
        counts["in_scope"] += 1
        top1 = bool(ids) and ids[0] == row["expect"]
        counts["top1"] += top1
        counts["top3"] += row["expect"] in ids
        counts["confident"] += answer.confident
        counts["confident_right"] += answer.confident and top1
        if "also" in row:
            counts["two"] += 1
            found = set(ids)
            for part in getattr(answer, "parts", ()) or ():
                found.update(m.id for m in part.matches[:1])
            counts["two_both"] += row["expect"] in found and row["also"] in found
        if args.show_misses and not top1:
            misses.append(f"{row['expect']:>26} got {ids} conf={answer.confident}: {row['text'][:70]!r}")

    def share(a: str, b: str) -> str:
        return f"{counts[a] / counts[b]:.3f}" if counts[b] else "-"

    print(f"messages {len(rows)} (in scope {counts['in_scope']}, out of scope {counts['oos']}, "
          f"in languages the KB lacks {counts['foreign']})")
    print(f"top-1 {share('top1', 'in_scope')}  top-3 {share('top3', 'in_scope')}  "
          f"confident share {share('confident', 'in_scope')}  "
          f"confident precision {share('confident_right', 'confident')}")
    print(f"out of scope answered confidently: {counts['oos_confident']} of {counts['oos']}")
    print(f"language right {share('language_ok', 'all')} (all), {share('foreign_language_ok', 'foreign')} "
          f"(languages the KB lacks); their entry in top-3 {share('foreign_top3', 'foreign')}")
    print(f"two questions, both entries found: {counts['two_both']} of {counts['two']}")
    for line in misses:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
