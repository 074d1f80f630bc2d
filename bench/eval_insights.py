"""How well ``replykit insights`` finds what the KB does not answer, on data nobody here wrote.

For each evaluation set in ../shared/eval/data (bitext, banking77, xsid: real customer questions
labelled by intent), a throw-away KB is built from its phrasings *without* some entries; then all
its questions are fed to :func:`replykit.insights.analyze`. Figures:

- recall: share of the removed entries' questions that land in gaps whose majority is that entry
  (goal >= 75 %); reach: share of them that suggest did not answer with confidence (only those
  can be in a gap: recall's ceiling, set by the matcher, not by the grouping);
- purity: per gap, the share of its biggest label; ``pure`` is the share of gaps >= 85 % pure;
- languages (xsid): per removed entry, how many gaps hold most of it and how many languages its
  biggest gap gathers (one gap, many languages, is the goal);
- count error (with every entry in the KB): sum over entries of |best-match count - true count|
  / number of questions, and the worst entry's |error| / its true count.

    python bench/eval_insights.py [--data ../shared/eval/data] [--sets xsid,bitext]

Nothing of the data is copied into the repository; the KBs live in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from replykit.insights import InsightsOptions, Message, analyze
from replykit.kb.loader import load_kb

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "eval" / "data"
#: Every n-th label (sorted) is removed from the KB: about one entry in six.
REMOVE_EVERY = 6


def read_jsonl(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def slug(label: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", label.lower()).strip("-")


def write_kb(root: Path, phrasings: list[dict[str, str]]) -> None:
    """One entry per label, its phrasings per locale, a one-line template: a KB as an author writes it."""
    by_label: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for p in phrasings:
        by_label[p["label"]][p["locale"]].append(p["text"])
    locales = sorted({p["locale"] for p in phrasings}, key=lambda loc: (loc != "en", loc))
    (root / "kb").mkdir(parents=True)
    (root / "replykit.yaml").write_text(f"source_locale: en\nlocales: [{', '.join(locales)}]\n", encoding="utf-8")
    for label, questions in by_label.items():
        entry_id = slug(label)
        entry = {"id": entry_id, "questions": {loc: qs for loc, qs in questions.items() if qs}}
        (root / "kb" / f"{entry_id}.yaml").write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        folder = root / "templates" / "en"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{entry_id}.j2").write_text(f"Reply about {label}.\n", encoding="utf-8")


def evaluate(name: str, data: Path) -> dict[str, object]:
    phrasings = read_jsonl(data / name / "kb.jsonl")
    queries = read_jsonl(data / name / "dev.jsonl")
    labels = sorted({p["label"] for p in phrasings})
    removed = set(labels[REMOVE_EVERY // 2 :: REMOVE_EVERY])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "kb"
        write_kb(root, [p for p in phrasings if p["label"] not in removed])
        kb = load_kb(root)
        messages = [Message(n, q["text"], f"{name}:{n}") for n, q in enumerate(queries, 1)]
        started = time.perf_counter()
        report = analyze(kb, messages, InsightsOptions(min_gap_size=3, max_gaps=10_000))
        seconds = time.perf_counter() - started
        from replykit.matching import Matcher

        removed_texts = [q["text"] for q in queries if q["label"] in removed]
        answers = Matcher.for_kb(kb).suggest_many(removed_texts, workers=1)
        reach = sum(not a.confident for a in answers) / len(removed_texts) if removed_texts else 0.0
    label_of = {n: q["label"] for n, q in enumerate(queries, 1)}
    language_of = {n: q["locale"] for n, q in enumerate(queries, 1)}
    true_counts = Counter(q["label"] for q in queries)

    recalled: Counter[str] = Counter()
    purities: list[tuple[float, int]] = []
    gaps_of: dict[str, list[list[int]]] = defaultdict(list)
    for gap in report.gaps:
        top, n = Counter(label_of[m] for m in gap.members).most_common(1)[0]
        purities.append((n / gap.size, gap.size))
        gaps_of[top].append(gap.members)
        if top in removed:
            recalled[top] += n
    removed_total = sum(true_counts[label] for label in removed)
    recall = sum(recalled.values()) / removed_total if removed_total else 0.0
    in_gaps = sum(size for _, size in purities)
    weighted = sum(p * size for p, size in purities) / in_gaps if in_gaps else 0.0
    pure = sum(1 for p, _ in purities if p >= 0.85) / len(purities) if purities else 0.0
    pure_removed = [p for gap, (p, _) in zip(report.gaps, purities, strict=True)
                    if Counter(label_of[m] for m in gap.members).most_common(1)[0][0] in removed]
    languages = {}
    for label in sorted(removed):
        groups = gaps_of.get(label, [])
        biggest = max(groups, key=len, default=[])
        languages[label] = {
            "gaps": len(groups),
            "languages_in_biggest": len({language_of[m] for m in biggest}),
            "languages_asked": len({q["locale"] for q in queries if q["label"] == label}),
            "biggest": len(biggest),
        }
    with tempfile.TemporaryDirectory() as tmp:  # counts per entry, with every entry in the KB
        root = Path(tmp) / "kb"
        write_kb(root, phrasings)
        full = analyze(load_kb(root), messages, InsightsOptions(min_gap_size=3))
    counted = {e.id: e.count for e in full.entries}
    count_error = sum(abs(counted.get(slug(label), 0) - true_counts[label]) for label in labels)
    worst = max(labels, key=lambda label: abs(counted.get(slug(label), 0) - true_counts[label]) / true_counts[label])
    return {
        "set": name,
        "questions": len(queries),
        "removed": sorted(removed),
        "recall": round(recall, 3),
        "reach": round(reach, 3),
        "gaps": len(report.gaps),
        "purity_weighted": round(weighted, 3),
        "gaps_85_pure": round(pure, 3),
        "removed_gaps_85_pure": round(sum(p >= 0.85 for p in pure_removed) / len(pure_removed), 3)
        if pure_removed else None,
        "languages": languages,
        "count_error": round(count_error / len(queries), 3),
        "worst_entry_error": round(abs(counted.get(slug(worst), 0) - true_counts[worst]) / true_counts[worst], 3),
        "confident_share": round(report.confident / report.messages, 3),
        "seconds": round(seconds, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sets", default="bitext,banking77,xsid")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--distance", type=float, help="try another first-pass cut (gaps.DISTANCE)")
    parser.add_argument("--merge-distance", type=float, help="try another second-pass cut (gaps.MERGE_DISTANCE)")
    parser.add_argument("--profile-weight", type=float, help="try another gaps.PROFILE_WEIGHT")
    args = parser.parse_args()
    from replykit.insights import gaps

    if args.distance is not None:
        gaps.DISTANCE = args.distance
    if args.merge_distance is not None:
        gaps.MERGE_DISTANCE = args.merge_distance
    if args.profile_weight is not None:
        gaps.PROFILE_WEIGHT = args.profile_weight
    if not args.data.is_dir():
        print(f"no evaluation data at {args.data}: give --data", file=sys.stderr)
        return 2
    results = [evaluate(name, args.data) for name in args.sets.split(",")]
    for r in results:
        print(
            f"{r['set']:10} recall {r['recall']:.0%} (reach {r['reach']:.0%})  gaps {r['gaps']}"
            f"  purity {r['purity_weighted']:.0%}  gaps>=85% pure {r['gaps_85_pure']:.0%}"
            f"  removed-topic gaps >=85% pure {r['removed_gaps_85_pure']}"
            f"  count error {r['count_error']} (worst entry {r['worst_entry_error']})"
            f"  confident {r['confident_share']:.0%}  {r['seconds']} s"
        )
        for label, info in r["languages"].items():  # type: ignore[attr-defined]
            print(f"    {label}: {info}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
