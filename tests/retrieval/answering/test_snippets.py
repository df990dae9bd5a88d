from retrieval.answering.question import Query
from retrieval.answering.snippets import Candidate, best_snippet, cover_width, highlight_spans
from retrieval.models import mark_up
from retrieval.text.analysis import analyze, spans


def _question(text: str) -> Query:
    terms = tuple(analyze(text))
    return Query(text, terms, dict.fromkeys(terms, 1.0))


def _best(question: Query, text: str):
    return best_snippet(question, Candidate(0, 0, 1.0, text), 1.0, frozenset())


def test_highlight_bolds_matches_and_joins_adjacent_ones():
    terms = set(analyze("air defence systems funding"))
    text = "He would help fund Patriot air defence systems for Ukraine."
    marks = highlight_spans(text, list(spans(text)), 0, len(text), terms)
    assert mark_up(text, marks) == (
        "He would help **fund** Patriot **air defence systems** for Ukraine."
    )


def test_highlight_leaves_text_alone_when_nothing_matches():
    text = "Nothing here."
    assert highlight_spans(text, list(spans(text)), 0, len(text), {"zzz"}) == ()


def test_mark_up_escapes_around_the_marks_only():
    def escape(s):
        return s.replace("*", "\\*")

    assert mark_up("a *b* c", ((3, 4),), escape) == "a \\***b**\\* c"


def test_cover_width_is_the_shortest_stretch_with_every_term():
    matched = [(0, "a"), (5, "b"), (9, "a"), (10, "b")]
    assert cover_width(matched, 2) == 2


def test_the_sentence_with_the_question_terms_wins_inside_a_chunk():
    text = (
        "Ministers met in Brussels. "
        "Mr Healey and Sébastien Lecornu chaired a meeting of defence ministers. "
        "The weather was fine."
    )
    snip = _best(_question("Who chaired the meeting of defence ministers?"), text)
    assert text[snip.start : snip.end].startswith("Mr Healey and Sébastien Lecornu chaired")


def test_a_quote_introduced_by_the_snippet_comes_with_it():
    text = (
        "The summit ended late. 'No,' Mrs Kallas told reporters. "
        "'The member states have different opinions.' Then she left."
    )
    snip = _best(_question("What did Kallas tell reporters?"), text)
    assert text[snip.start : snip.end] == (
        "'No,' Mrs Kallas told reporters. 'The member states have different opinions.'"
    )


def test_quantity_questions_prefer_a_sentence_with_a_number():
    text = "Shares in Hynix fell on the news. Shares in Hynix fell 3.1% in early trade."
    question = _question("How much did Hynix shares fall?")
    snip = _best(question, text)
    assert "3.1%" in text[snip.start : snip.end]


def test_no_snippet_without_any_question_term():
    assert _best(_question("Peru capital"), "Nothing.") is None


def test_a_snippet_opening_on_a_pronoun_brings_the_sentence_it_leans_on():
    text = (
        "Montana had the most new businesses per person. "
        "It tops this year's state rankings in the Kauffman Index. "
        "Other states lagged."
    )
    snip = _best(_question("What state tops the state rankings in the Kauffman Index?"), text)
    assert text[snip.start : snip.end].startswith("Montana had the most")
