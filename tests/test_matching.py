"""The matcher as a library (what lint reuses): normalisation, CJK, typos, weighting, confidence."""

from __future__ import annotations

from pathlib import Path

import pytest

import replykit
from replykit import load_kb
from replykit.errors import KBError
from replykit.matching import Matcher, semantic, suggest
from replykit.matching.matcher import calibrate
from replykit.matching.normalize import normalize
from replykit.matching.semantic import load_embedder
from replykit.matching.settings import MatchingSettings, matching_settings
from replykit.matching.tokenize import char_terms, word_terms
from tests.conftest import WriteKB
from tests.suggest_kb import FILES


def test_normalize_folds_width_case_and_latin_accents_but_not_kana() -> None:
    assert normalize("ＷＨＥＲＥ  is   my Ｏrder？") == "where is my order?"
    assert normalize("Café STRAẞE Été") == "cafe strasse ete"
    assert normalize("ガイド が") == "ガイド が"  # dakuten are part of the word


def test_cjk_runs_become_characters_and_pairs() -> None:
    assert word_terms(normalize("荷物どこ"), "ja") == ("荷", "物", "ど", "こ", "荷物", "物ど", "どこ")
    assert "荷物ど" in char_terms("荷物どこ")


def test_words_are_stemmed_and_paired_per_language() -> None:
    assert word_terms("refunds charged", "en") == ("refund", "charg", "refund charg")
    assert word_terms("bestellungen", "de") == ("bestell",)
    assert word_terms("orders 42") == ("orders", "42", "orders 42")  # no language: words as they are


def test_library_suggest_returns_ranked_matches(write_kb: WriteKB) -> None:
    kb = load_kb(write_kb(FILES))
    result = replykit.suggest(kb, "Where is my parcel?", top=2)
    assert (result.locale, result.locale_source, result.confident) == ("en", "detected", True)
    assert result.matches[0].id == "track-order"
    assert len(result.matches) == 2 and result.matches[0].score > result.matches[1].score
    assert result.matches[0].tags == ("shipping", "tracking")


def test_one_matcher_scores_many_texts(write_kb: WriteKB) -> None:
    matcher = Matcher.for_kb(load_kb(write_kb(FILES)))
    answers = {text: matcher.suggest(text, locale="en").matches[0].id for text in (
        "where is my order", "I want a refund", "cancel it please",
    )}
    assert answers == {
        "where is my order": "track-order", "I want a refund": "refund-status", "cancel it please": "cancel-order",
    }


def test_full_width_and_accents_match_like_plain_text(write_kb: WriteKB) -> None:
    kb = load_kb(write_kb(FILES))
    plain = suggest(kb, "where is my order", locale="en")
    wide = suggest(kb, "ＷＨＥＲＥ ＩＳ ＭＹ ＯＲＤＥＲ", locale="en")
    assert plain.matches[0].id == wide.matches[0].id == "track-order"
    assert plain.matches[0].score == wide.matches[0].score


def test_typos_are_repaired_to_kb_words(write_kb: WriteKB) -> None:
    kb = load_kb(write_kb(FILES))
    result = suggest(kb, "when wil I get my refnud", locale="en", explain=True)
    assert result.matches[0].id == "refund-status" and result.confident
    assert "refnud->refund" in result.matches[0].explanation


@pytest.mark.parametrize(
    ("typed", "repair"),
    [
        ("rfeund", "refund"),  # first two letters swapped
        ("efund", "refund"),  # first letter missing
        ("arefund", "refund"),  # a letter typed before the word
        ("tefund", "refund"),  # first letter wrong
        ("refudn", "refund"),  # a typo further on
    ],
)
def test_typos_at_the_start_of_a_word_are_repaired_too(write_kb: WriteKB, typed: str, repair: str) -> None:
    kb = load_kb(write_kb(FILES))
    result = suggest(kb, f"status of my {typed} please", locale="en", explain=True)
    assert result.matches[0].id == "refund-status"
    assert f"{typed}->{repair}" in result.matches[0].explanation


def test_japanese_without_spaces_matches(write_kb: WriteKB) -> None:
    kb = load_kb(write_kb(FILES))
    result = suggest(kb, "注文をキャンセルしたい")
    assert result.locale == "ja" and result.matches[0].id == "cancel-order" and result.confident


WORDS_ONLY = "source_locale: en\nlocales: [en, de, ja]\nmatching:\n  encoder_weight: 0\n"


def test_common_words_count_for_little(write_kb: WriteKB) -> None:
    """'my order please' is in two entries; 'parcel' singles one out and must decide (the words'
    own weighting: the encoder is off)."""
    kb = load_kb(write_kb(FILES, config=WORDS_ONLY))
    result = suggest(kb, "please my order my order please parcel", locale="en")
    assert result.matches[0].id == "track-order"


def test_confident_needs_a_clear_lead(write_kb: WriteKB) -> None:
    files = dict(FILES)
    files["kb/track-order-copy.yaml"] = FILES["kb/track-order.yaml"].replace("id: track-order", "id: track-order-copy")
    files["templates/en/track-order-copy.j2"] = "Copy.\n"
    kb = load_kb(write_kb(files))
    result = suggest(kb, "Where is my order?", locale="en")
    assert {m.id for m in result.matches[:2]} == {"track-order", "track-order-copy"}
    assert result.matches[0].score == result.matches[1].score
    assert not result.confident


def test_empty_and_punctuation_only_text_have_no_matches(write_kb: WriteKB) -> None:
    kb = load_kb(write_kb(FILES))
    for text in ("", "   ", "?!…"):
        result = suggest(kb, text, locale="en")
        assert result.matches == () and not result.confident


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("min_margin: -0.1", "matching.min_margin must be a number from 0 to 1, not -0.1"),
        ("word_weight: yes", "matching.word_weight must be a number from 0 to 1, not True"),
        ("typo_similarity: 20", "matching.typo_similarity must be a number from 50 to 100, not 20"),
    ],
)
def test_invalid_settings_raise_kb_errors_with_positions(write_kb: WriteKB, setting: str, message: str) -> None:
    root = write_kb(FILES, config=f"source_locale: en\nlocales: [en, de, ja]\nmatching:\n  {setting}\n")
    with pytest.raises(KBError) as caught:
        Matcher.for_kb(load_kb(root))
    (problem,) = caught.value.problems
    assert (problem.path.name, problem.line, problem.column) == ("replykit.yaml", 4, 3)
    assert problem.message == message


def test_a_kb_without_entries_answers_without_matches(write_kb: WriteKB) -> None:
    kb = load_kb(write_kb({"templates/en/.keep.j2": ""}))
    result = suggest(kb, "where is my order")
    assert result.matches == () and not result.confident and result.locale in {"en", "de", "ja"}


def test_phrasings_of_a_fallback_locale_count_as_their_language(write_kb: WriteKB) -> None:
    config = "source_locale: en\nlocales: [en, de]\nfallbacks: {en_GB: [en]}\n"
    files = {
        "kb/post.yaml": 'id: post\nquestions:\n  en_GB: ["has my parcel been posted"]\n  de: ["parcel posted Paket"]\n',
        "templates/en/post.j2": "Yes.\n",
    }
    kb = load_kb(write_kb(files, config=config))
    result = suggest(kb, "has my parcel been posted", locale="en")
    assert result.matches[0].locale == "en_GB" and result.confident


NEGATION_FILES = {
    "kb/card-not-working.yaml": (
        'id: card-not-working\nquestions:\n  en: ["my card does not work in shops", "the card is not working"]\n'
    ),
    "kb/card-works-abroad.yaml": 'id: card-works-abroad\nquestions:\n  en: ["does my card work in shops abroad"]\n',
    "templates/en/card-not-working.j2": "Sorry.\n",
    "templates/en/card-works-abroad.j2": "Yes.\n",
}


@pytest.mark.parametrize(
    "text", ["my card doesn't work in shops", "my card doesnt work in shops", "my card doesn’t work"]
)
def test_english_negations_match_however_they_are_spelled(write_kb: WriteKB, text: str) -> None:
    """"doesn't", "doesnt" and "does not" are one thing, and the negation sides with its verb."""
    kb = load_kb(write_kb(NEGATION_FILES, config="source_locale: en\nlocales: [en]\n"))
    result = suggest(kb, text, locale="en")
    assert [m.id for m in result.matches] == ["card-not-working", "card-works-abroad"]


def test_negation_spellings_read_as_verb_and_not() -> None:
    assert word_terms("i can't, cannot, cant", "en") == word_terms("i can not, can not, can not", "en")
    assert word_terms("didn't", "en") == ("did", "not", "did not")
    assert word_terms("don't", "de") == ("don", "t", "don t")  # only English is read so


SEMANTIC_OFF = "source_locale: en\nlocales: [en, de, ja]\nmatching:\n  semantic_weight: 0\n  encoder_weight: 0\n"
STATIC_MEANING = "source_locale: en\nlocales: [en, de, ja]\nmatching:\n  encoder_weight: 0\n"


def test_meaning_decides_where_words_mislead(write_kb: WriteKB) -> None:
    """'money back' shares no word with the refund entry (but 'my' with tracking); meaning finds it."""
    on = Matcher.for_kb(load_kb(write_kb(FILES, config=STATIC_MEANING)))
    off = Matcher.for_kb(load_kb(write_kb(FILES, config=SEMANTIC_OFF, name="off")))
    assert on.embedder is not None and off.embedder is None and on.warnings == ()
    for text in ("I'd like my money back", "give me back what I paid"):
        assert on.suggest(text, locale="en").matches[0].id == "refund-status"
        assert off.suggest(text, locale="en").matches[0].id != "refund-status"
    explained = on.suggest("give me back what I paid", locale="en", explain=True).matches[0].explanation
    assert "meaning" in explained


def test_semantic_off_keeps_the_lexical_ranking(write_kb: WriteKB) -> None:
    kb = load_kb(write_kb(FILES, config=SEMANTIC_OFF))
    matcher = Matcher.for_kb(kb)
    assert matcher.embedder is None
    for text in ("I'd like my money back", "where is my order", "cancel it please"):
        ranking = matcher.rank(normalize(text), "en", top=3)
        got = matcher.suggest(text, locale="en", top=3)
        assert [m.id for m in got.matches] == [matcher.index.entry_ids[s.entry] for s in ranking.scored]
        assert [m.score for m in got.matches] == [round(calibrate(s.score), 4) for s in ranking.scored]


def test_semantic_weight_is_validated(write_kb: WriteKB) -> None:
    for bad in ("1.5", "-0.1", "yes"):
        config = f"source_locale: en\nlocales: [en, de, ja]\nmatching:\n  semantic_weight: {bad}\n"
        with pytest.raises(KBError) as raised:  # replykit.config refuses it when the KB loads
            matching_settings(load_kb(write_kb(FILES, config=config, name=f"bad{bad}")))
        assert "matching.semantic_weight must be a number from 0 to 1" in str(raised.value)
    assert matching_settings(load_kb(write_kb(FILES))).semantic_weight == MatchingSettings().semantic_weight


def test_a_missing_meaning_table_is_a_warning_not_silence(
    write_kb: WriteKB, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(semantic, "MODEL_FILE", tmp_path / "gone.bin")
    semantic.load_embedder.cache_clear()
    try:
        matcher = Matcher.for_kb(load_kb(write_kb(FILES)))
        assert matcher.embedder is None
        assert len(matcher.warnings) == 1 and "gone.bin: the meaning table is missing" in matcher.warnings[0]
        result = matcher.suggest("where is my order", locale="en")
        assert result.matches[0].id == "track-order" and result.warnings == matcher.warnings
    finally:
        semantic.load_embedder.cache_clear()


def test_an_unreadable_meaning_table_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.bin"
    broken.write_bytes(b"not a table at all")
    with pytest.raises(semantic.ModelUnavailable, match="not a replykit meaning table"):
        semantic.Embedder(broken)
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(semantic.MODEL_FILE.read_bytes()[:100_000])
    with pytest.raises(semantic.ModelUnavailable, match=r"truncated|cannot read"):
        semantic.Embedder(truncated)


def test_the_shipped_meaning_table_reads_every_language() -> None:
    """Pieces as the encoder's SentencePiece model splits them; vectors of unit length; a question
    and its translations land closer to each other than to another question."""
    embedder = load_embedder()
    assert embedder.pieces_of("where is my parcel?")[:3] == ["▁where", "▁is", "▁my"]
    assert embedder.piece_ids("荷物がまだ届いていません") and embedder.piece_ids("내 주문은 어디에 있나요")
    vectors = semantic.embed_texts(
        ["where is my order", "¿dónde está mi pedido?", "onde está a minha encomenda", "I want a refund", "", "!!"]
    )
    assert all(len(v) == embedder.dim for v in vectors)
    assert abs(sum(x * x for x in vectors[0]) - 1.0) < 1e-5 and not any(vectors[4]) and not any(vectors[5])

    def cos(a: int, b: int) -> float:
        return semantic.cosine_to(vectors[a], vectors[b])

    assert cos(0, 1) > cos(0, 3) and cos(0, 2) > cos(2, 3)


