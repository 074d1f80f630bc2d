"""Refit suggest's confidence model (``CONFIDENCE_WEIGHTS`` in replykit/matching/matcher.py) from
the evaluation sets' dev splits, so that the weights in the code can be reproduced.

For every question of bitext (with the out-of-scope questions, asked of the same KB), banking77,
xsid and xsid-x, it builds the KB exactly as ``../shared/eval/score.py`` does, asks the matcher for
the best entry and the model's inputs (:meth:`Matcher.confidence_features`: only the questions the
model decides, i.e. those the words leave unsure or in a language the KB lacks), and fits a
logistic regression of "the best entry is right" (an out-of-scope question's answer is never
right). Each set weighs the same, so the big sets do not decide alone. It prints the weights to
paste, then each set's confident share and precision with them at ``--min-confidence``, and the
same for two halves (alternate questions) fitted on one half and measured on the other.

    .venv/bin/python bench/fit_confidence.py [--eval ../shared/eval] [--split dev]

Needs the ``multilingual`` extra (the model's inputs come from the encoder). No eval data is
copied: the script reads the sets where score.py keeps them.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import numpy.typing as npt

import replykit
from replykit.matching.matcher import (
    CONFIDENCE_WEIGHTS,
    ENCODER_MIN_SCORE,
    Matcher,
    confidence_probability,
)

#: The sets the model is fitted on: (score.py's set name, whether it has out-of-scope questions).
SETS = ("bitext", "banking77", "xsid", "xsid-x")
#: L2 penalty on the weights (not the bias), per question: only keeps Newton's steps finite.
RIDGE = 1e-6


@dataclass
class Sample:
    """One question the confidence model decides."""

    set: str
    inputs: tuple[float, ...]
    right: bool
    foreign: bool
    oos: bool


def load_score_module(eval_dir: Path) -> ModuleType:
    """score.py itself, so the KBs and the derived sets are built exactly as the figures are."""
    spec = importlib.util.spec_from_file_location("replykit_eval_score", eval_dir / "score.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"{eval_dir / 'score.py'}: not found: pass --eval DIR (the folder of score.py)")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def collect(score: ModuleType, eval_dir: Path, name: str, split: str) -> list[Sample]:
    """The model's inputs for every question of one set that the model decides."""
    kb_file, query_file, oos_file = score.SETS[name]
    data = eval_dir / "data"
    phrasings, queries = score.select(
        name, score.read_jsonl(data / kb_file), score.read_jsonl(data / query_file.format(split=split))
    )
    oos = score.read_jsonl(data / oos_file.format(split=split)) if oos_file else []
    samples: list[Sample] = []
    with tempfile.TemporaryDirectory(prefix="replykit-fit-") as tmp:
        root = Path(tmp) / "kb"
        labels = score.write_kb(root, phrasings)
        kb = replykit.load_kb(root)
        matcher = Matcher.for_kb(kb, use_cache=False)
        entry_of = {label: entry for entry, label in labels.items()}
        asked = [(q["text"], entry_of.get(q["label"]), False) for q in queries]
        asked += [(q["text"], None, True) for q in oos]
        found = matcher.confidence_features([text for text, _, _ in asked])
        for (_, gold, is_oos), decided in zip(asked, found, strict=True):
            if decided is not None:
                entry, inputs, foreign = decided
                samples.append(Sample(name, inputs, entry == gold, foreign, is_oos))
    return samples


def fit(samples: Sequence[Sample]) -> tuple[float, ...]:
    """Weighted logistic regression (Newton's method), each set weighing the same."""
    x = np.array([[*s.inputs, 1.0] for s in samples], dtype=np.float64)
    y = np.array([s.right for s in samples], dtype=np.float64)
    per_set = {name: sum(s.set == name for s in samples) for name in {s.set for s in samples}}
    weight = np.array([1.0 / per_set[s.set] for s in samples]) * len(samples) / len(per_set)
    ridge = np.full(x.shape[1], RIDGE * len(samples))
    ridge[-1] = 0.0
    beta: npt.NDArray[np.float64] = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -60, 60)))
        gradient = x.T @ (weight * (y - p)) - ridge * beta
        hessian = (x * (weight * p * (1 - p))[:, None]).T @ x + np.diag(ridge)
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    return tuple(round(float(b), 1) for b in beta)


def measure(samples: Sequence[Sample], weights: Sequence[float], bar: float) -> str:
    """Per set: confident share and precision among the questions the model decides (score.py's
    figures also count the questions the words answer alone, nearly all confident and right)."""
    out = []
    for name in SETS:
        mine = [s for s in samples if s.set == name and not s.oos]
        if not mine:
            continue
        confident = [s for s in mine if _confident(s, weights, bar)]
        right = sum(s.right for s in confident)
        oos = [s for s in samples if s.set == name and s.oos]
        text = f"{name} {len(confident) / len(mine):.3f} of {len(mine)} confident, precision "
        text += f"{right / max(len(confident), 1):.3f}"
        if oos:
            text += f", out of scope {sum(_confident(s, weights, bar) for s in oos)} of {len(oos)}"
        out.append(text)
    return "; ".join(out)


def _confident(sample: Sample, weights: Sequence[float], bar: float) -> bool:
    probability = confidence_probability(sample.inputs, weights)
    return probability >= bar and (sample.foreign or sample.inputs[0] >= ENCODER_MIN_SCORE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--eval", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--min-confidence", type=float, default=0.85)
    args = parser.parse_args(argv)
    score = load_score_module(args.eval)
    samples: list[Sample] = []
    for name in SETS:
        found = collect(score, args.eval, name, args.split)
        print(f"{name}: {len(found)} questions decided by the model", file=sys.stderr)
        samples += found
    weights = fit(samples)
    print(f"CONFIDENCE_WEIGHTS = {weights}  (in the code: {CONFIDENCE_WEIGHTS})")
    print(f"  refitted:  {measure(samples, weights, args.min_confidence)}")
    print(f"  in code:   {measure(samples, CONFIDENCE_WEIGHTS, args.min_confidence)}")
    for half in (0, 1):
        train = [s for i, s in enumerate(samples) if i % 2 != half]
        test = [s for i, s in enumerate(samples) if i % 2 == half]
        half_weights = fit(train)
        figures = measure(test, half_weights, args.min_confidence)
        print(f"  half {half + 1}, fitted on the other half {half_weights}: {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
