"""Group the messages nothing answered into topics, across languages.

Non-confident messages are collected per distinct text (bounded). The most frequent distinct texts
(:data:`CLUSTER_SAMPLE` at most) are grouped with SciPy's hierarchical clustering on what each
message means -- its multilingual sentence vector, which places "Do you sell gift cards" and "Gibt
es Geschenkgutscheine?" together -- and, with a smaller weight, on which KB entries it resembles,
a signal no language changes. Two passes: complete linkage cut at :data:`DISTANCE` makes tight
groups (every pair of messages in a group is that close, so a group does not drift from one topic
into the next), then groups whose centres are within :data:`MERGE_DISTANCE` are joined (one topic
asked in many ways, or about many products, becomes one gap). The remaining distinct texts join the
group whose centre is nearest, if it is near enough. So the cost of clustering is bounded however
long the input is; what grows is one counter per text.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from replykit.insights.embedding import TextEmbedder
from replykit.insights.records import Message
from replykit.insights.scan import Outcome
from replykit.insights.tally import week_of
from replykit.matching.message import essential_text

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: Distinct texts clustered together (O(n^2) memory and time: 4,000 take ~130 MB and a few seconds).
CLUSTER_SAMPLE = 4000
#: Distinct non-confident texts remembered; messages with other texts are counted but not grouped.
MAX_GAP_TEXTS = 100_000
#: Cosine distance no two messages of a first-pass group exceed (complete linkage).
DISTANCE = 0.55
#: Cosine distance between the centres of first-pass groups below which they are one gap (average
#: linkage over the groups of two or more texts; a lone text joins only in the first pass).
MERGE_DISTANCE = 0.4
#: Share of the similarity that comes from the entries a message resembles (the rest: its meaning).
PROFILE_WEIGHT = 0.15
#: A language's mean vector is subtracted from its messages' (what all of them share says "German" or
#: "a support question", not what they ask: +10-25 points of gaps >= 85 % pure on the eval sets)
#: when it has at least this many texts: fewer may all be one topic.
LANGUAGE_MEAN_MIN = 30
#: Texts embedded at once when joining the rest to the groups.
ASSIGN_BATCH = 2048
#: Distinct phrasings kept per language of a gap, for drafts.
QUESTIONS_PER_LOCALE = 5


@dataclass
class GapText:
    """All non-confident messages with one text: how many, which records, languages, weeks."""

    text: str
    outcome: Outcome
    members: array[int] = field(default_factory=lambda: array("L"))
    locales: Counter[str] = field(default_factory=Counter)
    weeks: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.members)


@dataclass
class Gap:
    """A topic customers ask about that no entry answers with confidence."""

    id: str
    size: int
    locales: dict[str, int]
    examples: list[str]
    members: list[int]
    nearest: tuple[str, float] | None
    weeks: Counter[str]
    questions: dict[str, list[str]]


class GapCollector:
    """Keeps the non-confident messages by distinct text while the input streams by."""

    def __init__(self, max_texts: int = MAX_GAP_TEXTS) -> None:
        self.texts: dict[str, GapText] = {}
        self.max_texts = max_texts
        self.ungrouped = 0

    def add(self, message: Message, outcome: Outcome) -> None:
        found = self.texts.get(outcome.key)
        if found is None:
            if len(self.texts) >= self.max_texts:
                self.ungrouped += 1
                return
            found = self.texts[outcome.key] = GapText(message.text, outcome)
        found.members.append(message.number)
        found.locales[outcome.locale] += 1
        if message.day is not None:
            found.weeks[week_of(message.day)] += 1


def _profiles(items: Sequence[GapText], columns: dict[str, int]) -> npt.NDArray[np.float32]:
    import numpy as np

    matrix = np.zeros((len(items), max(1, len(columns))), dtype=np.float32)
    for row, item in enumerate(items):
        for entry_id, score in item.outcome.matches:
            col = columns.get(entry_id)
            if col is not None:
                matrix[row, col] = score
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit: npt.NDArray[np.float32] = (matrix / norms).astype(np.float32)
    return unit


def _language(item: GapText) -> str:
    return item.outcome.locale.split("_", 1)[0]


def _language_means(items: Sequence[GapText], meaning: npt.NDArray[np.float32]) -> dict[str, npt.NDArray[np.float32]]:
    """Each language's mean meaning vector, for languages with enough texts to tell it from a topic."""
    rows: dict[str, list[int]] = {}
    for row, item in enumerate(items):
        rows.setdefault(_language(item), []).append(row)
    return {lang: meaning[found].mean(axis=0) for lang, found in rows.items() if len(found) >= LANGUAGE_MEAN_MIN}


def _features(
    items: Sequence[GapText],
    embedder: TextEmbedder,
    columns: dict[str, int],
    language_means: dict[str, npt.NDArray[np.float32]] | None = None,
) -> tuple[npt.NDArray[np.float32], dict[str, npt.NDArray[np.float32]]]:
    """Rows whose dot products are the blended similarity -- meaning, and resemblance to entries --
    and the language means used (learnt from ``items`` unless given)."""
    import numpy as np

    meaning = embedder.embed([essential_text(item.text) for item in items])
    profile = _profiles(items, columns)
    means = _language_means(items, meaning) if language_means is None else language_means
    if means:  # what all messages of a language share says "German", not what they ask
        for row, item in enumerate(items):
            mean = means.get(_language(item))
            if mean is not None:
                meaning[row] -= mean
        meaning /= np.maximum(np.linalg.norm(meaning, axis=1, keepdims=True), 1e-9)
    blended = np.hstack([math.sqrt(1 - PROFILE_WEIGHT) * meaning, math.sqrt(PROFILE_WEIGHT) * profile])
    return blended.astype(np.float32), means


def _cluster(features: npt.NDArray[np.float32], cut: float, method: str) -> list[int]:
    """A group number per row (SciPy hierarchical clustering on cosine distances, cut at ``cut``)."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage  # type: ignore[import-untyped]
    from scipy.spatial.distance import squareform  # type: ignore[import-untyped]

    if len(features) == 1:
        return [1]
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit = (features / norms).astype(np.float32)
    distances = unit @ unit.T  # in place from here on: 4,000 texts are 64 MB a copy
    np.subtract(1.0, distances, out=distances)
    np.clip(distances, 0.0, 2.0, out=distances)
    np.fill_diagonal(distances, 0.0)
    condensed = squareform(distances, checks=False)  # the upper triangle (the matrix is symmetric)
    del distances
    tree = linkage(condensed, method=method)
    return [int(x) for x in fcluster(tree, cut, criterion="distance")]


def _groups(labels: Sequence[int]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels):
        groups.setdefault(label, []).append(row)
    return groups


def _merge_close(features: npt.NDArray[np.float32], groups: dict[int, list[int]]) -> dict[int, list[int]]:
    """Join the groups (of two texts or more) whose centres are within MERGE_DISTANCE: the tight
    first pass splits a topic by the products or names its messages mention."""
    import numpy as np

    order = [label for label, rows in groups.items() if len(rows) >= 2]
    if len(order) < 2:
        return groups
    centres = np.stack([features[groups[label]].mean(axis=0) for label in order])
    joined = {label: rows for label, rows in groups.items() if len(rows) < 2}
    for label, top in zip(order, _cluster(centres, MERGE_DISTANCE, "average"), strict=True):
        joined.setdefault(-top, []).extend(groups[label])  # negative: apart from the first pass's labels
    return joined


def group_gaps(
    collector: GapCollector,
    embedder: TextEmbedder,
    *,
    min_size: int = 3,
    examples: int = 3,
    taken_ids: Iterable[str] = (),
    source_language: str = "en",
) -> list[Gap]:
    """The gaps with at least ``min_size`` messages, biggest first."""
    import numpy as np

    items = sorted(collector.texts.values(), key=lambda t: (-t.count, t.members[0]))
    if not items:
        return []
    sample, rest = items[:CLUSTER_SAMPLE], items[CLUSTER_SAMPLE:]
    columns: dict[str, int] = {}
    for item in sample:
        for entry_id, _ in item.outcome.matches:
            columns.setdefault(entry_id, len(columns))
    features, means = _features(sample, embedder, columns)
    groups = _merge_close(features, _groups(_cluster(features, DISTANCE, "complete")))
    members: dict[int, list[GapText]] = {label: [sample[r] for r in rows] for label, rows in groups.items()}
    centroids = {label: features[rows].mean(axis=0) for label, rows in groups.items()}
    if rest:
        order = list(centroids)
        matrix = np.stack([centroids[label] for label in order])
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
        for start in range(0, len(rest), ASSIGN_BATCH):
            batch = rest[start : start + ASSIGN_BATCH]
            vectors, _ = _features(batch, embedder, columns, means)
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
            similarity = vectors @ matrix.T
            best = similarity.argmax(axis=1)
            for item, col, row in zip(batch, best, range(len(batch)), strict=True):
                if 1.0 - similarity[row, col] <= DISTANCE:
                    members[order[int(col)]].append(item)
    gaps: list[tuple[list[GapText], npt.NDArray[np.float32]]] = []
    for label, texts in members.items():
        if sum(t.count for t in texts) >= min_size:
            gaps.append((texts, centroids[label]))
    gaps.sort(key=lambda g: (-sum(t.count for t in g[0]), min(t.members[0] for t in g[0])))
    taken = set(taken_ids)
    return [
        _gap(texts, centroid, features, sample, examples, taken, source_language, n)
        for n, (texts, centroid) in enumerate(gaps, 1)
    ]


def _gap(
    texts: list[GapText],
    centroid: npt.NDArray[np.float32],
    features: npt.NDArray[np.float32],
    sample: Sequence[GapText],
    examples: int,
    taken: set[str],
    source_language: str,
    number: int,
) -> Gap:
    locales: Counter[str] = Counter()
    weeks: Counter[str] = Counter()
    nearest: Counter[str] = Counter()
    nearest_scores: dict[str, float] = {}
    member_numbers: list[int] = []
    for t in texts:
        locales.update(t.locales)
        weeks.update(t.weeks)
        member_numbers.extend(t.members)
        best = t.outcome.best
        if best is not None:
            nearest[best[0]] += t.count
            nearest_scores[best[0]] = nearest_scores.get(best[0], 0.0) + best[1] * t.count
    near: tuple[str, float] | None = None
    if nearest:
        entry_id, n = nearest.most_common(1)[0]
        near = (entry_id, round(nearest_scores[entry_id] / n, 4))
    index = {id(t): row for row, t in enumerate(sample)}
    closeness = {
        id(t): float(features[index[id(t)]] @ centroid) if id(t) in index else -1.0 for t in texts
    }
    ranked = sorted(texts, key=lambda t: (-closeness[id(t)], -t.count))
    chosen: list[GapText] = []
    languages: set[str] = set()
    for t in ranked:  # the most central texts, one language each first
        lang = t.outcome.locale
        if lang not in languages and len(chosen) < examples:
            chosen.append(t)
            languages.add(lang)
    for t in ranked:
        if len(chosen) >= examples:
            break
        if t not in chosen:
            chosen.append(t)
    questions: dict[str, list[str]] = {}
    for t in ranked:
        bucket = questions.setdefault(t.outcome.locale, [])
        if len(bucket) < QUESTIONS_PER_LOCALE:
            bucket.append(essential_text(t.text))
    gap_id = suggest_id([t for t in ranked], source_language, taken, number)
    taken.add(gap_id)
    return Gap(
        id=gap_id,
        size=len(member_numbers),
        locales=dict(locales.most_common()),
        examples=[essential_text(t.text) for t in chosen],
        members=sorted(member_numbers),
        nearest=near,
        weeks=weeks,
        questions=questions,
    )


_WORD = re.compile(r"[^\W\d_]{3,}")
#: Words that say nothing about a topic, in the languages whose words make readable ids.
STOPWORDS = frozenset(
    """
    the and for you your yours are can could would will how what when where which who why does did do
    have has had not but this that these those with from into about there their them they was were been
    being get got any some all out our ours please thanks thank hello hi just want need like know tell
    its it's is am me my mine i a an to of in on at by or if so be as no yes also still yet very much
    one hasn haven doesn didn isn wasn weren aren couldn wouldn shouldn won
    der die das und ist ich sie wir ihr ein eine einen einem einer nicht mit von für auf bei wie was wann
    gibt habe haben kann können mein meine meinen bitte danke hallo noch schon auch oder aber dem den des
    les des une pour que qui est pas avec dans sur mon mes vous nous bonjour merci est-ce puis peux
    los las una por que qué con para del mis como cómo hay tengo puedo quiero hola gracias
    """.split()
)


def suggest_id(texts: Sequence[GapText], source_language: str, taken: set[str], number: int) -> str:
    """A readable entry id from the words the gap's messages share (``gift-cards``), unique."""
    language = source_language.split("_", 1)[0]
    pool = [t for t in texts if t.outcome.locale.split("_", 1)[0] == language] or list(texts)
    counts: Counter[str] = Counter()
    neighbours: Counter[tuple[str, str]] = Counter()
    seen: dict[object, int] = {}  # first appearance: ties are broken the same way in every run
    for t in pool:
        # Lower-case words only (and a sentence's first): "Spotify" or "Joseph" name no topic.
        found = _WORD.findall(essential_text(t.text))
        words = [_ascii(w.casefold()) if w.islower() or i == 0 or not w.isalpha() or w.upper() == w.lower()
                 else "" for i, w in enumerate(found)]
        for w in dict.fromkeys(words):
            if w and w not in STOPWORDS:
                counts[w] += t.count
                seen.setdefault(w, len(seen))
        for a, b in itertools.pairwise(words):  # "gift card": the pair reads better than two tops
            if a and b and a not in STOPWORDS and b not in STOPWORDS:
                pair = (a, b[:-1] if len(b) > 3 and b.endswith("s") else b)
                neighbours[pair] += t.count
                seen.setdefault(pair, len(seen))
    paired: Counter[str] = Counter()
    for (a, b), n in neighbours.items():
        paired[a] += n
        paired[b] += n
    words = sorted(counts, key=lambda w: (-counts[w], -paired[w], seen[w]))[:1]
    if words:
        top = words[0]
        pairs = [pair for pair, n in neighbours.items() if top in pair and n > 1]
        if pairs:  # the most frequent pair; among equals the one the top word leads ("gift card")

            def rank(p: tuple[str, str]) -> tuple[int, bool, int]:
                return neighbours[p], p[0] == top, -seen[p]

            best: tuple[str, str] = max(pairs, key=rank)
            words = list(best)
        elif len(counts) > 1:
            words.append(sorted(counts, key=lambda w: (-counts[w], -paired[w], seen[w]))[1])
    base = "-".join(words) if words else f"gap-{number}"
    base = re.sub(r"[^a-z0-9_-]+", "-", base).strip("-") or f"gap-{number}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _ascii(word: str) -> str:
    folded = unicodedata.normalize("NFKD", word.replace("ß", "ss"))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())
