"""Rank a KB's entries for a customer's question and decide whether the best is a confident answer.

Signals, combined per entry:
- word TF-IDF cosine (Snowball stems and pairs of neighbouring stems; CJK characters and pairs),
  with unknown words repaired to the KB word they are a typo of (rapidfuzz), so "refnud" counts
  as "refund";
- character 3-/4-gram TF-IDF cosine, robust to inflection, compounds and typos left over;
- both for the single best phrasing and for the entry's phrasings together (their centroid), so an
  entry is found from words spread over several of its phrasings; the centroid weighs more.
The score is a monotone rescaling of that cosine blend into 0..1. Then meaning: the lexically best
``SEMANTIC_POOL`` entries are re-ranked by ``(1 - w) x score + w x clip(cosine + MEANING_OFFSET)``, the cosine being
between the question's and the entry's wordllama embeddings (static token vectors, mean-pooled; see
:mod:`replykit.matching.semantic`) and ``w`` the ``semantic_weight`` setting -- so "stop my
purchase" finds "cancel an order". Without wordllama installed, or with ``semantic_weight: 0``, the
ranking is the lexical one. `confident` needs a high score
*and* a clear lead over the next entry, which is what separates "answered" from "closest, but
check".
"""

from __future__ import annotations

import bisect
import heapq
import math
import operator
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process

from replykit.kb.model import KnowledgeBase
from replykit.l10n import normalize_locale
from replykit.matching.encoded import EncodedKB, encoded_kb
from replykit.matching.encoder import Encoder, EncoderUnavailable, load_encoder
from replykit.matching.index import PostingTable, SearchIndex, Vector, load_index
from replykit.matching.message import essential_text, request_text, split_candidates
from replykit.matching.normalize import normalize
from replykit.matching.semantic import Embedder, ModelUnavailable, load_embedder
from replykit.matching.settings import MatchingSettings, matching_settings
from replykit.matching.tokenize import MIN_TYPO_LENGTH, is_spaced_word, language_words, run_terms

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


@dataclass(frozen=True)
class Match:
    """One entry that may answer the question."""

    id: str
    score: float
    locale: str
    question: str
    tags: tuple[str, ...] = ()
    explanation: str = ""


@dataclass(frozen=True)
class SuggestionPart:
    """One question of a message that asks two: the span of text and the entries that answer it."""

    text: str
    matches: tuple[Match, ...]
    confident: bool = False


@dataclass(frozen=True)
class Suggestion:
    """The answer to one message: ranked matches and whether the first is a confident answer.

    ``language`` is the message's own language (BCP 47, any the detector knows: "pt", "zh",
    "en-GB"); ``locale`` the KB locale the reply is in (that language's, or where the KB's
    fallbacks route it, by default the source locale). ``parts`` is set when the message asks two
    things: each part's span and its matches (the two entries also come first in ``matches``)."""

    query: str
    locale: str | None
    locale_source: str  # "detected" | "given"
    confident: bool
    matches: tuple[Match, ...] = ()
    language: str = ""
    parts: tuple[SuggestionPart, ...] = ()
    #: Why a signal was off for this answer (a missing model file), one sentence each.
    warnings: tuple[str, ...] = ()

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None

    def as_json(self, *, explain: bool = False) -> dict[str, Any]:
        """The document ``suggest --format json`` prints (one line of it per question for jsonl)."""
        return {
            "query": self.query,
            "language": self.language,
            "locale": self.locale,
            "locale_source": self.locale_source,
            "confident": self.confident,
            "matches": [_match_json(m, explain) for m in self.matches],
            "parts": [
                {"text": p.text, "confident": p.confident, "matches": [_match_json(m, explain) for m in p.matches]}
                for p in self.parts
            ],
            "warnings": list(self.warnings),
        }


def _match_json(m: Match, explain: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": m.id,
        "score": m.score,
        "locale": m.locale,
        "question": m.question,
        "tags": list(m.tags),
    }
    if explain:
        item["explanation"] = m.explanation
    return item


@dataclass
class _Scored:
    entry: int
    score: float
    doc: int
    group: int
    group_score: float
    phrasing_score: float
    details: dict[str, float] = field(default_factory=dict)
    #: The reported score (0..1): calibrated, blended with meaning when that is on.
    final: float = 0.0
    #: For the best entry ranked with the encoder: the confidence model's inputs (no bias).
    confidence_inputs: tuple[float, ...] = ()


@dataclass
class _Ranking:
    """Ranked entries and what the query turned into (for --explain)."""

    scored: list[_Scored]
    query_words: Vector = field(default_factory=dict)
    typos: dict[str, str] = field(default_factory=dict)
    runs: list[str] = field(default_factory=list)
    locale: str | None = None
    #: Whether the best entry is a confident answer (set for the parts of a two-question message).
    confident: bool = False

    def surface_of(self, term: str) -> str:
        """The query's own spelling of a (stemmed) term, for people to read."""
        if " " in term:
            return " ".join(self.surface_of(part) for part in term.split(" "))
        for run in self.runs:
            if is_spaced_word(run) and term in run_terms([run], self.locale):
                return run
        return term  # CJK characters and pairs, numbers: already as written


@dataclass(frozen=True)
class _Reading:
    """How a message is read before ranking: its language, the reply's locale, what it asks."""

    language: str
    locale: str | None
    source: str  # "detected" | "given"
    #: The locale whose stems and same-language bonus apply (the message's own language).
    reading: str | None
    asked: str
    #: The message's language is not one of the KB's.
    foreign: bool
    warnings: list[str]


#: Exponent of the score scale: a cosine blend of 0.18, where on-topic questions start on real
#: data, shows as 0.5, so the default bar reads naturally; ranks are unchanged (monotone).
SCORE_EXPONENT = 0.4


def calibrate(raw: float) -> float:
    """Map the raw cosine blend (0..1) to the reported score (0..1, 0.5 = the default bar)."""
    return float(min(max(raw, 0.0), 1.0) ** SCORE_EXPONENT)


#: Entries ranked for each part of a message read as two questions.
PART_TOP = 3
#: Each part's best entry must score this much ...
PART_MIN_SCORE = 0.4
#: ... lead its runner-up by this much ...
PART_MIN_MARGIN = 0.0
#: ... and the weaker part at least this share of the whole message's best score.
PART_LEAD = 0.9


#: Entries (lexically best first) whose ranking meaning may change; the rest are too far behind
#: (10 and 20 gave the same figures on every evaluation set; each costs a 256-float dot product).
SEMANTIC_POOL = 10


#: KBs with up to this many entries compare every entry's meaning with the question (a 256-float
#: dot product each); bigger ones only the lexically best.
MEANING_SCAN_MAX = 3000


#: An entry found by meaning alone joins the candidates from this cosine on ("xyzzy" is near nothing).
MEANING_JOIN_MIN = 0.25


#: Added to the meaning cosine before blending (then clipped to 0..1): static embeddings give an
#: on-topic question a lower cosine than its calibrated lexical score, so without it the blend
#: would raise the confidence bar; a shift keeps the ranking and the bar where calibrate() put it.
#: Chosen once on bitext + out-of-scope (both halves), like the thresholds.
MEANING_OFFSET = 0.05


#: With the multilingual encoder (the ``multilingual`` extra): a lexical answer this high and this
#: far ahead is confident without it (precision 0.99-1.0 on every dev set), so a third of the
#: questions never pay for loading it ...
LEXICAL_SURE_SCORE = 0.5
LEXICAL_SURE_MARGIN = 0.2
#: ... and so is a question that (nearly) repeats one of the best entry's phrasings: its best
#: phrasing's raw word-and-character cosine reaches this, with any lead of at least
#: ``PHRASING_SURE_MARGIN`` (a tie between two entries' phrasings is not sure). On the dev sets the
#: encoder never changed such an answer and it was right 99.8-100 % of the time; it takes a
#: KB's own phrasings ("where is my order?") off the encoder's path, 4-7 % more questions.
PHRASING_SURE = 0.8
PHRASING_SURE_MARGIN = 0.02
#: ... the others are ranked by ``(1 - w) x words + w x meaning`` over the lexically best
#: ``ENCODER_POOL`` entries and every entry the encoder finds (``w`` is ``encoder_weight``; "words"
#: already holds the static meaning table's share) ...
ENCODER_POOL = 10
#: ... with meaning weighing this much for a language the KB lacks (the words it shares with the KB
#: are names and numbers; 0.5-0.7 gave xsid-x top-1 0.81-0.83 against 0.80 at 0.4) ...
FOREIGN_ENCODER_WEIGHT = 0.7
#: ... in a KB language, meaning weighs ``ENCODER_SURE_GAIN`` x more for each point by which the
#: encoder's best entry leads its second beyond ``ENCODER_SURE_LEAD`` (up to the foreign weight):
#: where meaning singles out one entry it may overrule close words, where it hesitates the words
#: decide. Dev sets, top-1: banking77 0.689 -> 0.696, xsid 0.886 -> 0.892, bitext 0.921 -> 0.920
#: (bitext-2 both-in-top-3 0.893 -> 0.888); the sample KB's examples all still first. A weight that
#: falls as the *words* lead grows, the other way round, lost 0.2-2 points everywhere ...
ENCODER_SURE_GAIN = 2.0
ENCODER_SURE_LEAD = 0.05
#: ... and an entry outside the lexical pool counts this share of the pool's lowest word score; it
#: joins the candidates from this meaning score on ("xyzzy" is near nothing; gibberish scores up to
#: ~0.32): in the KB's languages the lexical pool (words and the static meaning table) holds the
#: right entry nearly always, in a language the KB lacks the encoder is what finds it.
OUTSIDE_POOL_SHARE = 0.9
ENCODER_JOIN_MIN = 0.4
FOREIGN_ENCODER_JOIN_MIN = 0.2
#: Logistic model of "the best entry is right" on (best score, its lead, the encoder's lead, the
#: words' lead, the question's uncovered word share, 1), fitted on the dev sets' questions that it
#: decides (bitext with out-of-scope questions, banking77, xsid, xsid-x; each set weighing the same;
#: both halves of each gave the same signs and sizes) by ``bench/fit_confidence.py``, which prints
#: these weights: rerun it after a change to the ranking or to the model's inputs. The leads are
#: the chosen entry's score minus the best other entry's on that signal: confident needs the
#: signals to agree on the entry and the lead to be clear. The uncovered share is the part of the
#: question's word weight (squared TF-IDF) on words no phrasing of the chosen entry uses: a
#: question whose words the entry's phrasings all cover is trusted at a lower score.
CONFIDENCE_WEIGHTS = (1.3, 18.2, 10.1, -1.7, -1.6, -0.0)


def confidence_probability(inputs: Sequence[float], weights: Sequence[float] = CONFIDENCE_WEIGHTS) -> float:
    """The logistic model's probability that the best entry is right, from its inputs (best score,
    lead, encoder lead, words lead, uncovered share) and ``weights`` (the same, then the bias)."""
    z = weights[-1] + sum(w * x for w, x in zip(weights[:-1], inputs, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


#: In a language of the KB, a confident answer also scores at least this (out-of-scope questions
#: with a clear but low lead: bitext's 400 gave 14 confident answers without it, 4 with it, for
#: -0.3 points of confident share; xsid -9 points, still 0.62). Not for a language the KB lacks,
#: whose scores are lower by nature (its words meet only names and numbers).
ENCODER_MIN_SCORE = 0.45
#: In a language of the KB, meaning takes the first place from the words' best entry only with a
#: lead of this much. With it and ``encoder_weight`` 0.2 (0.4 ranked best on the dev sets: banking77
#: 0.727 instead of 0.686), the sample KB's 229 examples, which its authors checked against the
#: words, all still find their entry (0.4 moved 6 of them, to near ties). 0.03 since meaning may
#: weigh more where it is sure (0.02 with that moved one example to a near tie).
ENCODER_OVERTURN = 0.03


#: Tables with up to this many postings are read whole: scoring is exact and still fast.
EXACT_BELOW = 200_000
#: On bigger tables one query reads this many postings, rarest terms first (highest IDF, so the
#: most weight per posting): the common terms left out barely move a cosine, and a question stays
#: around 3 ms on a 125,000-phrasing KB instead of 30.
POSTINGS_BUDGET = 1500
#: The rarest query terms of a table that are read whatever the budget says.
RAREST_TERMS_READ = 2


def _dot(query: Vector, table: PostingTable, acc: dict[int, float]) -> None:
    """Add ``query . item`` for items sharing a term with the query, rarest terms first (impact-pruned)."""
    budget = len(table.items) if len(table.items) <= EXACT_BELOW else POSTINGS_BUDGET
    rows = []
    for term, weight in query.items():
        slot = table.slots.get(term)
        if slot is not None:
            rows.append((table.length(slot), slot, weight))
    rows.sort()
    read = 0
    get = acc.get
    for rank, (length, slot, weight) in enumerate(rows):
        read += length
        if read > budget and rank >= RAREST_TERMS_READ:
            break
        for item, x in table.postings(slot):
            acc[item] = get(item, 0.0) + weight * x


def _lead(ranked: Sequence[_Scored]) -> float:
    """How far the best entry is ahead of the next (of nothing: its whole score)."""
    return ranked[0].final - (ranked[1].final if len(ranked) > 1 else 0.0)


class Matcher:
    """A KB's search index with its settings: build once, score many texts (suggest, lint)."""

    def __init__(
        self,
        kb: KnowledgeBase,
        index: SearchIndex,
        settings: MatchingSettings,
        embedder: Embedder | None = None,
        warnings: Sequence[str] = (),
        *,
        use_cache: bool = True,
    ) -> None:
        self.kb = kb
        self.index = index
        self.settings = settings
        #: The embedder when the semantic signal is on (weight > 0, index built with this model).
        self.embedder = (
            embedder
            if embedder is not None and settings.semantic_weight > 0 and index.semantic_key == embedder.key
            else None
        )
        self._known_words = frozenset(index.vocabulary)
        self._vocabulary_by_language = index.vocabulary_by_language
        #: Per language, its words (and vocabulary positions) by first and by second letter.
        self._words_by_letter: dict[str, dict[str, tuple[list[str], list[int]]]] = {}
        self._phrasing_locales = frozenset(index.group_locale)
        #: Why a signal is off (a missing model file): shown on stderr, in JSON and by ``check``.
        self.warnings = tuple(warnings)
        self.use_cache = use_cache
        #: The encoder and the KB's phrasing vectors, loaded on the first question that needs them.
        self._encoded: tuple[Encoder, EncodedKB] | None = None
        #: Why the encoder cannot be used (the extra is missing), once tried.
        self.encoder_problem: str | None = None
        self._kb_languages = frozenset(loc.split("_", 1)[0] for loc in kb.locales)

    @classmethod
    def for_kb(cls, kb: KnowledgeBase, *, use_cache: bool = True) -> Matcher:
        """Validate ``matching:`` settings and load (or build and cache) the KB's index.

        A missing or unreadable meaning table turns that signal off with a warning, never in silence."""
        settings = matching_settings(kb)
        embedder = None
        warnings: list[str] = []
        if settings.semantic_weight > 0:
            try:
                embedder = load_embedder()
            except ModelUnavailable as e:
                warnings.append(str(e))
        index = load_index(kb, use_cache=use_cache, embedder=embedder)
        return cls(kb, index, settings, embedder, warnings, use_cache=use_cache)

    # -- the query side

    def _repair_typos(self, runs: list[str], locale: str | None) -> tuple[list[str], dict[str, str]]:
        """Replace words the KB never uses by the KB word (of the customer's language, when known)
        they are most likely a typo of."""
        known = self._known_words
        language = locale.split("_", 1)[0] if locale else None
        vocabulary = self._vocabulary_by_language.get(language or "", self.index.vocabulary)
        out: list[str] = []
        fixed: dict[str, str] = {}
        for word in runs:
            if word in known or len(word) < MIN_TYPO_LENGTH or not is_spaced_word(word):
                out.append(word)
                continue
            if word in fixed:
                out.append(fixed[word])
                continue
            repair = self._closest_word(word, language or "", vocabulary)
            if repair is None:
                out.append(word)
            else:
                fixed[word] = repair
                out.append(repair)
        return out, fixed

    def _closest_word(self, word: str, language: str, vocabulary: Sequence[str]) -> str | None:
        """The vocabulary word most like ``word`` (fuzz.ratio, the earliest on a tie), if one reaches
        ``typo_similarity``.

        A typo rarely spoils both of a word's first two letters, so only words whose first or second
        letter is the typed word's first or second letter are compared: that covers a wrong, missing,
        extra or swapped first letter, and any typo further on, in a sixth of the comparisons (a third
        of a question's time on a big KB went to scanning the whole vocabulary).
        """
        by_letter = self._words_by_letter.get(language)
        if by_letter is None:
            by_letter = {}
            for position, known in enumerate(vocabulary):
                for letter in {known[:1], known[1:2]}:
                    words, positions = by_letter.setdefault(letter, ([], []))
                    words.append(known)
                    positions.append(position)
            self._words_by_letter[language] = by_letter
        best: tuple[float, int, str] | None = None  # highest score, then earliest in the vocabulary
        for letter in {word[:1], word[1:2]}:
            if letter not in by_letter:
                continue
            words, positions = by_letter[letter]
            found = process.extractOne(word, words, scorer=fuzz.ratio, score_cutoff=self.settings.typo_similarity)
            if found is not None:
                candidate = (found[1], -positions[found[2]], found[0])
                if best is None or candidate > best:
                    best = candidate
        return best[2] if best is not None else None

    def _query_vectors(self, norm: str, locale: str | None) -> tuple[Vector, Vector, dict[str, str], list[str]]:
        runs, fixed = self._repair_typos(language_words(norm, locale), locale)
        word_vec = self.index.word_vector(run_terms(runs, locale))
        return word_vec, self.index.char_vector(norm), fixed, runs

    # -- ranking

    def rank(self, text: str, locale: str | None = None, top: int = 3) -> _Ranking:
        """The ``top`` entries (at least two, for the margin), best first, and the typos repaired."""
        norm = normalize(text)
        if not norm:
            return _Ranking([])
        qw, qc, fixed, runs = self._query_vectors(norm, locale)
        s = self.settings
        idx = self.index
        doc_w: dict[int, float] = {}
        doc_c: dict[int, float] = {}
        grp_w: dict[int, float] = {}
        grp_c: dict[int, float] = {}
        _dot(qw, idx.words, doc_w)
        _dot(qc, idx.chars, doc_c)
        _dot(qw, idx.word_centroids, grp_w)
        _dot(qc, idx.char_centroids, grp_c)
        ww, pw = s.word_weight, s.phrasing_weight
        language = locale.split("_", 1)[0] if locale else None
        factor = {
            loc: 1.0 if language is None or loc.split("_", 1)[0] == language else s.other_locale_factor
            for loc in self._phrasing_locales
        }

        doc_group = idx.doc_group
        phrasing: dict[int, float] = {d: (1.0 - ww) * x for d, x in doc_c.items()}
        get = phrasing.get
        for d, x in doc_w.items():
            phrasing[d] = get(d, 0.0) + ww * x
        best_doc: dict[int, tuple[float, int]] = {}  # group -> (phrasing score, doc)
        best_get = best_doc.get
        for d, score in phrasing.items():
            g = doc_group[d]
            found = best_get(g)
            if found is None or score > found[0]:
                best_doc[g] = (score, d)
        group_entry, group_locale = idx.group_entry, idx.group_locale
        by_entry: dict[int, tuple[float, int, int]] = {}  # entry -> (score, group, doc)
        for g, (phrasing_score, d) in best_doc.items():
            group_score = ww * grp_w.get(g, 0.0) + (1.0 - ww) * grp_c.get(g, 0.0)
            score = (pw * phrasing_score + (1.0 - pw) * group_score) * factor.get(group_locale[g], 1.0)
            e = group_entry[g]
            current = by_entry.get(e)
            if current is None or score > current[0]:
                by_entry[e] = (score, g, d)
        entry_ids = idx.entry_ids
        keep = max(top, 2)
        embedder = self.embedder
        pool = max(keep, SEMANTIC_POOL) if embedder is not None else keep
        best = heapq.nsmallest(pool, by_entry.items(), key=lambda kv: (-kv[1][0], entry_ids[kv[0]]))
        finals = {e: calibrate(score) for e, (score, _, _) in best}
        meaning: dict[int, float] = {}
        if embedder is not None:
            query = embedder.embed(text)
            if any(query):
                meaning = self._meaning(query, [e for e, _ in best], scan=len(entry_ids) <= MEANING_SCAN_MAX)
            for e in list(meaning):
                if e in finals:
                    continue
                lexical = by_entry.get(e) or self._first_phrasing(e)
                if lexical is None:  # an entry without questions has no meaning vector
                    del meaning[e]
                    continue
                best.append((e, lexical))
                finals[e] = calibrate(lexical[0])
            w = s.semantic_weight
            for e, cosine in meaning.items():
                finals[e] = (1.0 - w) * finals[e] + w * min(1.0, max(0.0, cosine + MEANING_OFFSET))
            best.sort(key=lambda kv: (-finals[kv[0]], entry_ids[kv[0]]))
            del best[keep:]
        ranked = []
        for e, (score, g, d) in best:
            group_score = ww * grp_w.get(g, 0.0) + (1.0 - ww) * grp_c.get(g, 0.0)
            phrasing_score = ww * doc_w.get(d, 0.0) + (1.0 - ww) * doc_c.get(d, 0.0)
            details = {
                "words": doc_w.get(d, 0.0),
                "chars": doc_c.get(d, 0.0),
                "entry words": grp_w.get(g, 0.0),
                "entry chars": grp_c.get(g, 0.0),
            }
            if e in meaning:
                details["meaning"] = meaning[e]
            ranked.append(_Scored(e, score, d, g, group_score, phrasing_score, details, finals[e]))
        return _Ranking(ranked, qw, fixed, runs, locale)

    def _first_phrasing(self, entry: int) -> tuple[float, int, int] | None:
        """(no lexical score, group, phrasing) of an entry's first phrasing: what an entry found by
        meaning alone shows."""
        doc_group = self.index.doc_group
        for g in self._entry_groups(entry):
            d = bisect.bisect_left(doc_group, g)  # phrasings are laid out group by group
            if d < len(doc_group) and doc_group[d] == g:
                return (0.0, g, d)
        return None  # no group with phrasings

    def _entry_groups(self, entry: int) -> range:
        """The groups (an entry's phrasings in one locale) of ``entry``: groups are laid out entry by
        entry (index.build_index), so two binary searches find them, with no pass over every group."""
        group_entry = self.index.group_entry
        return range(bisect.bisect_left(group_entry, entry), bisect.bisect_right(group_entry, entry))

    def _meaning(self, query: Sequence[float], pool: list[int], *, scan: bool) -> dict[int, float]:
        """Cosine of the question's meaning vector with the pool's entries, and with every entry
        when ``scan`` (then the best by meaning join the pool: a question in a language the KB has
        no phrasings in shares no words with it)."""
        idx = self.index
        mul = operator.mul
        if not scan:
            return {e: sum(map(mul, query, idx.entry_vector(e))) for e in pool}
        everything = {e: sum(map(mul, query, idx.entry_vector(e))) for e in range(len(idx.entry_ids))}
        closest = heapq.nlargest(SEMANTIC_POOL, everything, key=everything.__getitem__)
        chosen = set(pool) | {e for e in closest if everything[e] >= MEANING_JOIN_MIN}
        return {e: everything[e] for e in chosen}

    def _read(self, text: str, locale: str | None) -> _Reading:
        """The message's language (detected unless ``locale`` is given), the reply's locale and the
        part of the text that asks (without the e-mail frame and the scene-setting sentences)."""
        warnings = list(self.warnings)
        if locale is None:
            from replykit import langid  # lazy: a run with --locale never pays for the detector

            found = langid.identify(text, self.kb)
            language, locale, source = found.language, found.locale, "detected"
            problem = langid.model_problem()
            if problem is not None and problem not in warnings:
                warnings.append(problem)
        else:
            locale = normalize_locale(locale)
            language, source = locale.replace("_", "-"), "given"
        # Stems and the same-language bonus follow the message's own language, even one the KB lacks.
        reading = locale if language.replace("-", "_") == locale else language.replace("-", "_")
        foreign = language.split("-", 1)[0] not in self._kb_languages
        return _Reading(language, locale, source, reading, request_text(essential_text(text)), foreign, warnings)

    def confidence_features(
        self, texts: Sequence[str], *, locale: str | None = None
    ) -> list[tuple[str, tuple[float, ...], bool] | None]:
        """Per message: the best entry for the whole message, the inputs of the confidence model
        (:data:`CONFIDENCE_WEIGHTS`, in its order without the bias) as :meth:`suggest` computes them,
        and whether the message's language is one the KB lacks; None where the model does not decide
        (the words are sure, or the message has no words). The messages the model decides are
        encoded in one batch. For ``bench/fit_confidence.py``, which refits the weights from the
        evaluation sets; raises :class:`EncoderUnavailable` without the ``multilingual`` extra."""
        encoder = load_encoder()
        readings = []
        for text in texts:
            read = self._read(text, locale)
            ranking = self.rank(read.asked, read.reading, max(PART_TOP, ENCODER_POOL))
            readings.append((read, ranking) if self._needs_meaning(read, ranking.scored) else None)
        asked = [found[0].asked for found in readings if found is not None]
        vectors = (row for at in range(0, len(asked), 128) for row in encoder.encode(asked[at : at + 128]))
        kb_vectors = encoded_kb(self.kb, encoder, use_cache=self.use_cache)
        out: list[tuple[str, tuple[float, ...], bool] | None] = []
        for found in readings:
            if found is None:
                out.append(None)
                continue
            read, ranking = found
            ranked, _ = self._with_meaning(next(vectors), ranking.scored, kb_vectors, read.foreign, ranking.query_words)
            if ranked and ranked[0].confidence_inputs:
                out.append((self.index.entry_ids[ranked[0].entry], ranked[0].confidence_inputs, read.foreign))
            else:
                out.append(None)
        return out

    def suggest(self, text: str, *, locale: str | None = None, top: int = 3, explain: bool = False) -> Suggestion:
        """Rank the entries for ``text``; identify its language unless ``locale`` is given.

        The language is read from the whole message (greetings are good clues); the match from what
        it asks: without the e-mail frame of greetings, thanks and quoted replies, and without the
        sentences that only set the scene or say what the customer does *not* want. A message that
        asks two things gets both entries first, and ``parts`` says which span each answers."""
        read = self._read(text, locale)
        warnings, language, locale, source = read.warnings, read.language, read.locale, read.source
        reading, asked, foreign = read.reading, read.asked, read.foreign
        ranking = self.rank(asked, reading, max(top, PART_TOP, ENCODER_POOL))
        ranked = ranking.scored
        confident = self._is_confident(ranked)
        encoded = None
        if self.settings.encoder_weight > 0 and self._needs_meaning(read, ranked):
            encoded = self._encoder()
            if encoded is not None:
                ranked, confident = self._with_meaning(
                    encoded[0].encode([asked])[0], ranked, encoded[1], foreign, ranking.query_words
                )
            elif foreign and self.encoder_problem is not None:
                warnings.append(
                    f"{language} is not a language of this KB, so it is matched only on the words it shares "
                    f"with the KB's phrasings (names, numbers, a related language): {self.encoder_problem}"
                )
        parts: tuple[SuggestionPart, ...] = ()
        split = self._two_questions(asked, reading, ranked, encoded, foreign) if ranked else None
        if split is not None:
            (first_text, first), (second_text, second) = split
            # Both entries first, in the whole message's order: a split can only promote an entry.
            wanted = {first.scored[0].entry: first.scored[0], second.scored[0].entry: second.scored[0]}
            head = [r for r in ranked if r.entry in wanted]
            head += [scored for e, scored in wanted.items() if e not in {r.entry for r in head}]
            ranked = [*head, *self._after_parts(ranked, (first, second), wanted)]
            confident = confident and first.confident and second.confident
            parts = tuple(
                SuggestionPart(
                    span,
                    tuple(self._match(r, part if explain else None) for r in part.scored[: max(top, 0)]),
                    part.confident,
                )
                for span, part in ((first_text, first), (second_text, second))
            )
        matches = tuple(self._match(r, ranking if explain else None) for r in ranked[: max(top, 0)])
        return Suggestion(text, locale, source, confident, matches, language, parts, tuple(warnings))

    @staticmethod
    def _after_parts(
        ranked: Sequence[_Scored], parts: Sequence[_Ranking], taken: Mapping[int, _Scored]
    ) -> list[_Scored]:
        """The entries after the two parts' answers, each ranked by its best score in the whole
        message or in a part: a part's runner-up (invoice vs. invoice copy) is a likelier second
        reading than the whole message's next entry (bitext-2, both entries in the top 3)."""
        best: dict[int, tuple[float, _Scored]] = {}
        for scored in ranked:
            best[scored.entry] = (scored.final, scored)
        for part in parts:
            for scored in part.scored:
                held = best.get(scored.entry)
                if held is None:
                    best[scored.entry] = (scored.final, scored)
                elif scored.final > held[0]:
                    best[scored.entry] = (scored.final, held[1])
        rest = [(score, scored) for e, (score, scored) in best.items() if e not in taken]
        rest.sort(key=lambda pair: -pair[0])  # stable: the whole message's order on a tie
        return [scored for _, scored in rest]

    def _needs_meaning(self, read: _Reading, ranked: Sequence[_Scored]) -> bool:
        """The encoder ranks this message: the words leave it unsure, or its language is not one of
        the KB's, and it has words at all (what :meth:`suggest` does and the confidence model learns)."""
        return (read.foreign or not self._lexically_sure(ranked)) and any(ch.isalnum() for ch in read.asked)

    def _lexically_sure(self, ranked: Sequence[_Scored]) -> bool:
        """The words alone single out the best entry so clearly that the encoder would not change it:
        a high score far ahead, or a (near) repeat of one of its phrasings ahead of the rest."""
        if not ranked:
            return False
        if ranked[0].final >= LEXICAL_SURE_SCORE and _lead(ranked) >= LEXICAL_SURE_MARGIN:
            return True
        return self._repeats_phrasing(ranked)

    @staticmethod
    def _repeats_phrasing(ranked: Sequence[_Scored]) -> bool:
        """The question (nearly) repeats a phrasing of the best entry, and no other entry ties it."""
        return bool(ranked) and ranked[0].phrasing_score >= PHRASING_SURE and _lead(ranked) >= PHRASING_SURE_MARGIN

    def _encoder(self) -> tuple[Encoder, EncodedKB] | None:
        """The encoder and this KB's phrasing vectors, loaded once; None (and ``encoder_problem``
        set) without the ``multilingual`` extra."""
        if self._encoded is None and self.encoder_problem is None:
            try:
                encoder = load_encoder()
                self._encoded = (encoder, encoded_kb(self.kb, encoder, use_cache=self.use_cache))
            except EncoderUnavailable as e:
                self.encoder_problem = str(e)
        return self._encoded

    def _with_meaning(
        self,
        query: npt.NDArray[np.float32],
        ranked: list[_Scored],
        kb_vectors: EncodedKB,
        foreign: bool,
        query_words: Vector,
    ) -> tuple[list[_Scored], bool]:
        """Re-rank with the encoder's meaning scores (every entry of the KB takes part, so a question
        in a language without phrasings still finds its entry) and decide confidence by the
        calibrated model of :data:`CONFIDENCE_WEIGHTS`."""
        import numpy as np

        if not query.any():
            return ranked, self._is_confident(ranked)
        meaning = kb_vectors.scores(query)
        floor = OUTSIDE_POOL_SHARE * min((r.final for r in ranked), default=0.0)
        lexical = np.full(len(meaning), floor, dtype=np.float32)
        by_entry = {r.entry: r for r in ranked}
        for r in ranked:
            lexical[r.entry] = r.final
        outside = np.ones(len(meaning), dtype=bool)
        outside[list(by_entry)] = False
        # Entries without phrasings, and entries that neither words nor meaning bring near, stay out.
        join = FOREIGN_ENCODER_JOIN_MIN if foreign else ENCODER_JOIN_MIN
        lexical[outside & (meaning < join)] = -1.0
        w = FOREIGN_ENCODER_WEIGHT if foreign else self._encoder_weight(meaning)
        final = (1.0 - w) * lexical + w * meaning
        order = [int(e) for e in np.argsort(-final, kind="stable") if lexical[e] > -1.0][: max(len(ranked), 2)]
        if not foreign and ranked and order and order[0] != ranked[0].entry:
            words_first = ranked[0].entry
            if final[order[0]] - final[words_first] < ENCODER_OVERTURN:
                order = [words_first, *(e for e in order if e != words_first)]
                final[words_first] = final[order[1]]
        out: list[_Scored] = []
        for e in order:
            scored = by_entry.get(e)
            if scored is None:
                first = self._first_phrasing(e)
                if first is None:
                    continue
                no_words = {"words": 0.0, "chars": 0.0, "entry words": 0.0, "entry chars": 0.0}
                scored = _Scored(e, 0.0, first[2], first[1], 0.0, 0.0, no_words)
            scored.details["encoder"] = float(meaning[e])
            scored.final = float(min(max(final[e], 0.0), 1.0))
            out.append(scored)
        if not out:
            return ranked, False
        best = out[0].entry
        others = np.ones(len(final), dtype=bool)
        others[best] = False
        if not others.any():
            return out, self._is_confident(out)
        lead = float(final[best] - final[others].max())
        meaning_lead = float(meaning[best] - meaning[others].max())
        words_lead = float(lexical[best] - lexical[others].max())
        uncovered = self._uncovered_share(query_words, best)
        out[0].details["uncovered"] = uncovered
        out[0].confidence_inputs = (float(final[best]), lead, meaning_lead, words_lead, uncovered)
        probability = confidence_probability(out[0].confidence_inputs)
        out[0].details["confidence"] = probability
        confident = probability >= self.settings.min_confidence and (foreign or float(final[best]) >= ENCODER_MIN_SCORE)
        return out, confident and not self.kb.entries[self.index.entry_ids[best]].draft

    def _encoder_weight(self, meaning: npt.NDArray[np.float32]) -> float:
        """Meaning's weight in a KB language: ``encoder_weight``, and more as the encoder singles
        out one entry (its best entry's lead over its second beyond ``ENCODER_SURE_LEAD``): a
        meaning that hesitates between two entries leaves the choice to the words."""
        base = self.settings.encoder_weight
        if len(meaning) < 2:
            return base
        import numpy as np

        first, second = np.partition(meaning, len(meaning) - 2)[-1:-3:-1]
        extra = ENCODER_SURE_GAIN * max(0.0, float(first - second) - ENCODER_SURE_LEAD)
        return min(max(base, FOREIGN_ENCODER_WEIGHT), base + extra) if extra > 0 else base

    def _uncovered_share(self, query_words: Vector, entry: int) -> float:
        """The share of the question's word weight (squared) on words no phrasing of ``entry`` uses,
        in any locale (1.0 for a question without words)."""
        total = sum(w * w for w in query_words.values())
        if total <= 0.0:
            return 1.0
        idx = self.index
        table = idx.word_centroids
        groups = self._entry_groups(entry)
        covered = 0.0
        for term, weight in query_words.items():
            slot = table.slots.get(term)
            if slot is not None and any(g in groups for g in table.items[table.starts[slot] : table.starts[slot + 1]]):
                covered += weight * weight
        return max(0.0, 1.0 - covered / total)

    def _is_confident(self, ranked: Sequence[_Scored]) -> bool:
        """The best entry is an answer to send: high enough, and clearly ahead of the next."""
        if not ranked:
            return False
        # A (near) repeat of one of the entry's phrasings needs only a lead of PHRASING_SURE_MARGIN.
        margin = PHRASING_SURE_MARGIN if self._repeats_phrasing(ranked) else self.settings.min_margin
        if ranked[0].final < self.settings.min_score or _lead(ranked) < margin:
            return False
        # A draft entry (written by `insights --draft`, not reviewed) is never a confident answer.
        return not self.kb.entries[self.index.entry_ids[ranked[0].entry]].draft

    def _is_part(self, ranked: Sequence[_Scored]) -> bool:
        """A part of a message asks for its best entry on its own: high, and clearly ahead."""
        return bool(ranked) and ranked[0].final >= PART_MIN_SCORE and _lead(ranked) >= PART_MIN_MARGIN

    def _two_questions(
        self,
        text: str,
        locale: str | None,
        whole: Sequence[_Scored],
        encoded: tuple[Encoder, EncodedKB] | None = None,
        foreign: bool = False,
    ) -> tuple[tuple[str, _Ranking], tuple[str, _Ranking]] | None:
        """The message read as two questions, when a split gives two different entries that each
        part asks for more convincingly than the whole message asks for one; else None. With the
        encoder (when the whole message used it), each part is ranked with meaning too (the parts of
        every split are encoded in one batch)."""
        best: tuple[float, tuple[str, _Ranking], tuple[str, _Ranking]] | None = None
        candidates = split_candidates(text)
        vectors = encoded[0].encode([part for pair in candidates for part in pair]) if encoded and candidates else None

        def part_ranking(at: int, part: str) -> _Ranking:
            if vectors is None or encoded is None:
                scored = self.rank(part, locale, PART_TOP).scored
                return _Ranking(scored, confident=self._is_confident(scored))
            lexical = self.rank(part, locale, ENCODER_POOL)
            scored, confident = self._with_meaning(
                vectors[at], lexical.scored, encoded[1], foreign, lexical.query_words
            )
            return _Ranking(scored[:PART_TOP], confident=confident)

        needed = whole[0].final * PART_LEAD
        for k, (head, tail) in enumerate(candidates):
            first = part_ranking(2 * k, head)
            if not self._is_part(first.scored):
                continue
            # A split is as strong as its weaker part: when the first part is already below what
            # the split must reach, or below the best split so far, its second is not ranked.
            if first.scored[0].final < needed or (best is not None and first.scored[0].final <= best[0]):
                continue
            second = part_ranking(2 * k + 1, tail)
            if not self._is_part(second.scored) or first.scored[0].entry == second.scored[0].entry:
                continue
            strength = min(first.scored[0].final, second.scored[0].final)
            if best is None or strength > best[0]:
                best = (strength, (head, first), (tail, second))
        if best is None or best[0] < needed:
            return None
        return best[1], best[2]

    def suggest_many(
        self,
        texts: Sequence[str],
        *,
        locale: str | None = None,
        top: int = 3,
        explain: bool = False,
        workers: int | None = None,
    ) -> Iterator[Suggestion]:
        """:meth:`suggest` for many texts, in order. Big batches use a process per core (forked, so
        the index is shared, not copied or rebuilt); ``workers=1`` keeps it in this process."""
        count = _worker_count(len(texts)) if workers is None else workers
        if count <= 1:
            for text in texts:
                yield self.suggest(text, locale=locale, top=top, explain=explain)
            return
        import multiprocessing  # only big batches pay for it

        global _BATCH
        _BATCH = (self, locale, top, explain)
        try:
            with multiprocessing.get_context("fork").Pool(count) as pool:
                yield from pool.imap(_suggest_in_worker, texts, chunksize=BATCH_CHUNK)
        finally:
            _BATCH = None

    def _shared_words(self, ranking: _Ranking, group: int, limit: int = 4) -> list[str]:
        """The query's words that did most for an entry: weight in the query x in the entry's centroid."""
        table = self.index.word_centroids
        found: list[tuple[float, str]] = []
        for term, weight in ranking.query_words.items():
            slot = table.slots.get(term)
            if slot is None:
                continue
            start, end = table.starts[slot], table.starts[slot + 1]
            at = bisect.bisect_left(table.items, group, start, end)
            if at < end and table.items[at] == group:
                found.append((weight * table.weights[at], term))
        found.sort(reverse=True)
        return [ranking.surface_of(term) for _, term in found[:limit]]

    def _match(self, scored: _Scored, ranking: _Ranking | None) -> Match:
        idx = self.index
        entry_id = idx.entry_ids[scored.entry]
        entry = self.kb.entries[entry_id]
        explanation = ""
        if ranking is not None:
            d = scored.details
            shared = self._shared_words(ranking, scored.group)
            explanation = (
                f"best phrasing {scored.phrasing_score:.2f} (words {d['words']:.2f}, chars {d['chars']:.2f}); "
                f"all phrasings {scored.group_score:.2f} (words {d['entry words']:.2f}, "
                f"chars {d['entry chars']:.2f}); shared words: {', '.join(shared) if shared else 'none'}"
            )
            if "meaning" in d:
                explanation += f"; meaning {d['meaning']:.2f} (weight {self.settings.semantic_weight:g})"
            if "encoder" in d:
                explanation += f"; encoder {d['encoder']:.2f} (weight {self.settings.encoder_weight:g})"
            if "confidence" in d:
                bar = self.settings.min_confidence
                explanation += f"; right with probability {d['confidence']:.2f} (confident from {bar:g})"
            if "uncovered" in d:
                explanation += f"; {d['uncovered']:.0%} of the question's word weight is on words its phrasings lack"
            if ranking.typos:
                explanation += "; typos read as " + ", ".join(f"{a}->{b}" for a, b in ranking.typos.items())
        return Match(
            id=entry_id,
            score=round(scored.final, 4),
            locale=idx.doc_locale[scored.doc],
            question=idx.doc_text[scored.doc],
            tags=tuple(entry.tags),
            explanation=explanation,
        )


#: Batches from this size use one process per core (where processes can be forked).
PARALLEL_MIN_TEXTS = 2000
#: Questions handed to a worker at a time.
BATCH_CHUNK = 64
_BATCH: tuple[Matcher, str | None, int, bool] | None = None


def matching_processes() -> int:
    """How many forked processes match a big batch: one per core, at most 8; 1 without fork."""
    return min(os.cpu_count() or 1, 8) if hasattr(os, "fork") else 1


def _worker_count(texts: int) -> int:
    return 1 if texts < PARALLEL_MIN_TEXTS else matching_processes()


def _suggest_in_worker(text: str) -> Suggestion:
    assert _BATCH is not None, "forked from suggest_many"
    matcher, locale, top, explain = _BATCH
    return matcher.suggest(text, locale=locale, top=top, explain=explain)


def suggest(
    kb: KnowledgeBase, text: str, *, locale: str | None = None, top: int = 3, explain: bool = False
) -> Suggestion:
    """One-off convenience over :class:`Matcher` (the index comes from the on-disk cache)."""
    return Matcher.for_kb(kb).suggest(text, locale=locale, top=top, explain=explain)
