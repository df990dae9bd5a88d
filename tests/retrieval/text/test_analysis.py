from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.text.analysis import analyze, spans
from retrieval.text.normalize import fold


def test_stop_words_dropped_and_words_stemmed():
    assert analyze("What did the coalition decide about troops?") == ["coalit", "decid", "troop"]


def test_accents_fold_so_either_spelling_matches():
    assert analyze("Sébastien Lecornu") == analyze("Sebastien LECORNU")


def test_numbers_money_percent_and_acronyms_are_kept():
    assert analyze("fell 3.1%") == ["fell", "3.1", "3.1%"]
    assert analyze("pledged £18 billion") == ["pledg", "18", "£18", "billion"]
    assert analyze("120,000 people") == ["120000", "peopl"]
    assert analyze("the U.S. will") == ["u.s."]
    assert "800" in analyze("an €800bn-a-year boost")


def test_possessives_fold_into_the_name():
    assert analyze("Trump's") == analyze("Trump") == ["trump"]


def test_spans_point_at_the_original_words():
    text = "Kaja Kallas told reporters"
    assert [text[a:b] for _, a, b in spans(text)] == ["Kaja", "Kallas", "reporters"]


def test_fold_keeps_length_for_any_text():
    for text in ["İstanbul ﬁnal", "Straße", "ÅÉÎÕÜ", "emoji 🎉 ok"]:
        assert len(fold(text)) == len(text)


# Characters that exercise every token kind and their edges: digits (and non-decimal
# digit-likes), currency, dots, commas, apostrophes, accents, suffix letters.
_ALPHABET = "aAéÉbksmnt’'.,%£$€5019²½ -_\n"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60) | st.text(max_size=40))
def test_analyze_finds_exactly_the_terms_of_spans(text):
    assert analyze(text) == [term for term, _, _ in spans(text)]


def test_analyze_equals_spans_on_the_corpora():
    from helpers import BUNDLED_CORPUS, shared_path

    files = [*BUNDLED_CORPUS.iterdir(), *shared_path("corpus").iterdir()]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert analyze(text) == [term for term, _, _ in spans(text)], path.name


def test_an_analyzer_owns_its_settings_and_its_fingerprint_names_them():
    from retrieval.text.analysis import ANALYZER, STOP_WORDS, Analyzer

    assert Analyzer().fingerprint == ANALYZER.fingerprint  # equal settings, equal fingerprint
    others = [
        Analyzer(stop_words=STOP_WORDS | {"tram"}),
        Analyzer(stemmer="porter"),
        Analyzer(min_word=3),
        Analyzer(currency="£$"),
        Analyzer(magnitudes=("%",)),
    ]
    prints = {a.fingerprint for a in others}
    assert len(prints) == len(others) and ANALYZER.fingerprint not in prints
    tram = others[0]
    assert tram.analyze("the night trams") == ["night", "tram"]  # stop words go before stemming
    assert tram.analyze("a tram at night") == ["night"]
    assert ANALYZER.analyze("a tram at night") == ["tram", "night"]  # its cache is its own
    assert "€800bn" not in Analyzer(magnitudes=("%",)).analyze("€800bn")  # "bn" is no number
    assert ANALYZER.analyze("€800bn") == ["800", "€800bn"]


# White space of every kind, around and inside the runs the analyser caches.
_SPACED = st.text(alphabet=_ALPHABET + "\t\r\u3000\xa0\x1f\u2028´", max_size=60)


@settings(max_examples=400, deadline=None)
@given(_SPACED, _SPACED, _SPACED)
def test_a_chunks_terms_are_those_of_its_indexed_text_analysed_whole(text, headline, section):
    from retrieval.text.analysis import indexed_terms, indexed_text

    whole = [term for term, _, _ in spans(indexed_text(text, headline, section))]
    assert analyze(indexed_text(text, headline, section)) == whole
    assert indexed_terms(text, headline, section) == whole
    assert indexed_terms(text, headline, section) == whole  # again, from the caches
