from retrieval.reading.headings import find_headings

BODY = "Each night tram will carry a conductor, and the four busiest stops will get new lighting."


def test_a_short_line_between_sentences_before_a_paragraph_is_a_heading():
    paragraphs = ["The council approved it on Tuesday.", "Safety and staffing", BODY, "End."]
    assert find_headings(paragraphs) == (1,)


def test_sentences_quotes_bylines_and_the_last_line_are_not_headings():
    paragraphs = [
        "The council approved it on Tuesday.",
        "It will run at night.",  # ends a sentence
        "'We asked for this,'",  # a quote fragment
        BODY,
        "by Jo Smith, transport editor",  # starts lower case
        BODY,
        "Credit where due",  # last line: nothing follows it
    ]
    assert find_headings(paragraphs) == ()


def test_a_line_before_a_short_paragraph_is_not_a_heading():
    assert find_headings(["Intro.", "Storm Elin", "It rained.", "End."]) == ()


def test_the_real_pages_keep_sub_headings_out_of_running_text(shared_engine):
    sections = {a.paragraphs[i] for a in shared_engine.backend.articles for i in a.headings}
    assert "Lack of US security guarantee" in sections
    for chunk in shared_engine.backend.chunks:
        assert not any(chunk.text.startswith(s) or f" {s} " in chunk.text for s in sections)
    hits = shared_engine.search("Lack of US security guarantee", top=3)
    article = shared_engine.backend.articles[shared_engine.backend.chunks[hits[0].chunk].article]
    assert article.section(shared_engine.backend.chunks[hits[0].chunk].paragraph) == (
        "Lack of US security guarantee"
    )
