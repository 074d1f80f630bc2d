"""The matcher as a library (what lint reuses): normalisation, CJK, typos, weighting, confidence."""

from __future__ import annotations

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


def test_common_words_count_for_little(write_kb: WriteKB) -> None:
    """'my order please' is in two entries; 'parcel' singles one out and must decide."""
    kb = load_kb(write_kb(FILES))
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


SEMANTIC_OFF = "source_locale: en\nlocales: [en, de, ja]\nmatching:\n  semantic_weight: 0\n"


@pytest.mark.skipif(load_embedder() is None, reason="wordllama's files are not installed")
def test_meaning_decides_where_words_mislead(write_kb: WriteKB) -> None:
    """'money back' shares no word with the refund entry (but 'my' with tracking); meaning finds it."""
    on = Matcher.for_kb(load_kb(write_kb(FILES)))
    off = Matcher.for_kb(load_kb(write_kb(FILES, config=SEMANTIC_OFF, name="off")))
    assert on.embedder is not None and off.embedder is None
    for text, meant in (("I'd like my money back", "refund-status"), ("stop my purchase", "cancel-order")):
        assert on.suggest(text, locale="en").matches[0].id == meant
        assert off.suggest(text, locale="en").matches[0].id != meant
    explained = on.suggest("stop my purchase", locale="en", explain=True).matches[0].explanation
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


def test_without_wordllama_the_matcher_works_lexically(write_kb: WriteKB, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "model_files", lambda: None)
    assert semantic.load_embedder() is None
    result = suggest(load_kb(write_kb(FILES)), "where is my order", locale="en")
    assert result.matches[0].id == "track-order" and result.confident


@pytest.mark.skipif(load_embedder() is None, reason="wordllama's files are not installed")
def test_tokens_are_those_of_wordllamas_tokenizer() -> None:
    """Ids from the Hugging Face tokenizer wordllama loads (merges, byte fallback, '▁' for spaces)."""
    embedder = load_embedder()
    assert embedder is not None
    assert embedder.token_ids("where is my parcel?") == [988, 338, 590, 610, 2242, 29973]
    assert embedder.token_ids("Wo ist mein Paket") == [14962, 1752, 592, 262, 14371, 300]
    assert embedder.token_ids("荷物がまだ届いていません") == [
        29871, 235, 144, 186, 30834, 30458, 30441, 30955, 232, 180, 141, 30298, 30466, 30298, 30441, 31095, 30389,
    ]
    assert embedder.token_ids("naïve  café 😀") == [1055, 30085, 345, 29871, 274, 28059, 29871, 243, 162, 155, 131]
    vector = embedder.embed("where is my parcel?")
    assert len(vector) == embedder.dim == 256 and abs(sum(x * x for x in vector) - 1.0) < 1e-9
