from retrieval.reading.formats import parse_jsonl, parse_markdown, parse_text


def test_text_first_line_is_headline_and_blank_lines_separate_paragraphs():
    text = "\n\nHeadline here\n\nFirst paragraph\ncontinues here.\n\nSecond paragraph.\n"
    (article,) = parse_text(text, "a.txt")
    assert article.headline == "Headline here"
    assert article.paragraphs == ("First paragraph continues here.", "Second paragraph.")
    assert (article.publisher, article.published, article.url) == ("", "", "")


def test_text_without_blank_lines_uses_lines_as_paragraphs():
    (article,) = parse_text("Title\nOne.\nTwo.", "b.txt")
    assert article.paragraphs == ("One.", "Two.")


def test_headline_only_text_has_no_article():
    assert parse_text("Just a title\n", "c.txt") == []


def test_markdown_front_matter_heading_and_markup():
    md = (
        "---\ntitle: From front matter\npublisher: Campus Courier\npublished: 2025-05-02\n"
        "url: https://example.org/x\n---\n\n# From front matter\n\n"
        "Some **bold** and a [link](https://example.org) here.\n\n## Sub heading\n\n- a list item\n"
    )
    (article,) = parse_markdown(md, "x.md")
    assert article.headline == "From front matter"
    assert article.publisher == "Campus Courier"
    assert article.published == "2025-05-02"
    assert article.url == "https://example.org/x"
    assert article.paragraphs == ("Some bold and a link here.", "Sub heading", "a list item")


def test_markdown_heading_is_headline_without_front_matter():
    (article,) = parse_markdown("# The headline\n\nBody text.\n", "y.md")
    assert (article.headline, article.paragraphs, article.publisher) == (
        "The headline",
        ("Body text.",),
        "",
    )


def test_jsonl_reads_articles_and_reports_bad_lines_by_number():
    text = "\n".join(
        [
            '{"title": "One", "text": "Body one.\\nMore.", "publisher": "P", "published": "d"}',
            "{not json",
            '["a list"]',
            '{"title": "No text"}',
            '{"title": "Two", "text": "Body two.", "url": "https://e.org/2"}',
        ]
    )
    articles, skipped = parse_jsonl(text, "w.jsonl")
    assert [(a.headline, a.paragraphs, a.publisher, a.url) for a in articles] == [
        ("One", ("Body one.", "More."), "P", ""),
        ("Two", ("Body two.",), "", "https://e.org/2"),
    ]
    assert [s.where for s in skipped] == ["w.jsonl:2", "w.jsonl:3", "w.jsonl:4"]
    assert all(s.reason for s in skipped)
    assert len({a.position for a in articles}) == 2


def test_a_plain_article_keeps_a_short_heading_that_looks_like_page_furniture():
    text = (
        "Harbourmaster named\n\nMegan Price takes over the harbour on Monday.\n\n"
        "Family background\n\nHer father fished out of the harbour for forty years.\n"
    )
    (article,) = parse_text(text, "valley-courier.txt")
    assert article.paragraphs[1] == "Family background"
