"""Generate large synthetic KBs for benchmarks: realistic sizes, shapes and vocabulary spread.

Phrasings mix a shared pool of common words ("my", "order", "please") with entry-specific topic
words, so term weighting and matching do the same work they do on a real KB.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from pathlib import Path

LOCALES = ("en", "de", "fr", "es", "ja")
_COMMON = {
    "en": "my the order please where is when can you i a to of for help hi thanks still not".split(),
    "de": "mein die bestellung bitte wo ist wann können sie ich ein zu von für hilfe hallo danke noch nicht".split(),
    "fr": "ma la commande svp où est quand pouvez vous je un de pour aide bonjour merci encore pas".split(),
    "es": "mi el pedido por favor dónde está cuándo puede usted yo un de para ayuda hola gracias todavía no".split(),
    "ja": [*"のにはをがでとも", "注文", "商品", "ください", "です", "ます", "まだ", "届き"],
}
_KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわん"
_KANJI = "配送返品交換料金支払確認住所変更追跡番号到着遅延破損保証割引請求書関税税金在庫予約包装色寸法"


def _word(rng: random.Random, locale: str) -> str:
    if locale == "ja":
        return "".join(rng.choice(_KANJI if i % 2 == 0 else _KANA) for i in range(rng.randint(2, 4)))
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    return "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))


def phrasing(rng: random.Random, locale: str, topic: Sequence[str]) -> str:
    words = rng.sample(_COMMON[locale], 3) + rng.sample(list(topic), min(3, len(topic)))
    rng.shuffle(words)
    sep = "" if locale == "ja" else " "
    return sep.join(words)


def generate_kb(
    root: Path,
    entries: int = 5000,
    locales: Sequence[str] = LOCALES,
    phrasings: int = 5,
    seed: int = 0,
) -> Path:
    """Write a KB of ``entries`` entries x ``locales`` x ``phrasings`` with a template per locale."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "replykit.yaml").write_text(
        f"source_locale: {locales[0]}\nlocales: [{', '.join(locales)}]\n", encoding="utf-8"
    )
    for loc in locales:
        (root / "templates" / loc).mkdir(parents=True, exist_ok=True)
        (root / "locales").mkdir(exist_ok=True)
        (root / "locales" / f"{loc}.yaml").write_text(
            "store_name: Synth Store\ncurrency: EUR\ntimezone: Europe/Berlin\nreturn_window_days: 30\n",
            encoding="utf-8",
        )
    for i in range(entries):
        entry_id = f"entry-{i:05d}"
        category = root / "kb" / f"cat-{i % 50:02d}"
        category.mkdir(parents=True, exist_ok=True)
        lines = [f"id: {entry_id}", "questions:"]
        for loc in locales:
            topic = [_word(rng, loc) for _ in range(4)]
            lines.append(f"  {loc}:")
            lines.extend(f'    - "{phrasing(rng, loc, topic)}"' for _ in range(phrasings))
        lines += ["variables:", "  order_id: {type: string, required: true}", "  eta: {type: date}",
                  f"tags: [cat-{i % 50:02d}]"]
        (category / f"{entry_id}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        for loc in locales:
            (root / "templates" / loc / f"{entry_id}.j2").write_text(
                f"Reply {i} ({loc}) about {{{{ order_id }}}}.\n"
                "{% if eta is defined %}It arrives {{ eta | date }}.{% endif %}\n",
                encoding="utf-8",
            )
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--phrasings", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generate_kb(args.root, args.entries, phrasings=args.phrasings, seed=args.seed)
    print(f"wrote {args.entries} entries to {args.root}")


if __name__ == "__main__":
    main()
