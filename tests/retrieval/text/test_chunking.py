import re

from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.models import Article
from retrieval.text.chunking import chunk_article

LONG = " ".join(
    f"Sentence number {i} mentions state Rep. Gene Wu and the U.S. economy, which grew 3.1%."
    for i in range(40)
)


def test_chunks_fit_the_budget_and_their_spans_index_the_article(count_tokens):
    article = Article("H", ("Short one.", LONG, "Another short one."), "f.txt")
    chunks = chunk_article(article, 7, 60, 10, count_tokens)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.article == 7
        assert count_tokens(chunk.text) <= 60
        assert article.text[chunk.start : chunk.end] == chunk.text
    # Long paragraphs are cut between sentences, never inside "Rep. Gene Wu".
    sentence = (
        r"Sentence number \d+ mentions state Rep\. Gene Wu and the U\.S\. economy, "
        r"which grew 3\.1%\."
    )
    for chunk in chunks:
        for part in chunk.text.split("\n\n"):
            if part.startswith("Sentence"):
                assert re.fullmatch(rf"{sentence}(?: {sentence})*", part), part


def test_short_paragraphs_join_their_neighbour(count_tokens):
    article = Article("H", ("One line.", "Two line.", "Three line."), "f.txt")
    (chunk,) = chunk_article(article, 0, 200, 40, count_tokens)
    assert chunk.paragraph == 0
    assert chunk.text == "One line.\n\nTwo line.\n\nThree line."


def test_a_sentence_longer_than_the_budget_is_cut_at_words(count_tokens):
    article = Article("H", (" ".join(["word"] * 500),), "f.txt")
    chunks = chunk_article(article, 0, 50, 0, count_tokens)
    assert all(count_tokens(c.text) <= 50 for c in chunks)
    assert " ".join(c.text for c in chunks) == article.paragraphs[0]


paragraph = (
    st.text(alphabet=st.sampled_from("abc XYZ.,!?'\"0123456789é🎉-"), min_size=1, max_size=400)
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=80, deadline=None)
@given(st.lists(paragraph, min_size=1, max_size=6), st.integers(16, 80))
def test_any_text_chunks_within_budget_and_loses_no_words(count_tokens, paragraphs, budget):
    article = Article("H", tuple(paragraphs), "f.txt")
    chunks = chunk_article(article, 0, budget, budget // 4, count_tokens)
    words = []
    for chunk in chunks:
        assert count_tokens(chunk.text) <= budget
        assert article.text[chunk.start : chunk.end] == chunk.text
        words += chunk.text.split()
    assert "".join(words) == "".join(article.text.split())
