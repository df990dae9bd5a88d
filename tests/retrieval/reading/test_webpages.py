"""Saved web pages: main text without furniture, metadata, and the date where the page has it."""

import socket
from datetime import UTC, datetime

import pytest
from helpers import BUNDLED_CORPUS

from retrieval.reading.ingest import read_file
from retrieval.reading.webpages import MAX_ELEMENTS, parse_webpage

STORY = (
    "The harbour board voted on Tuesday to dredge the main channel, which has silted up since "
    "the winter storms and now keeps the larger ferries out except at high tide.",
    "The work will cost £2.7m and take eleven weeks, the board's chair, Alys Morgan, said.",
    "Fishing crews said they had waited three years for the work and asked for it to start "
    "before the summer season.",
)


def saved_page(head: str = "", byline: str = "", canonical: str = "") -> str:
    """A page as a browser saves it: banner, navigation, scripts, related links, comments."""
    body = "\n".join(f"<p>{p}</p>" for p in STORY)
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Harbour board votes to dredge channel | Bay Gazette</title>
<meta property="og:site_name" content="Bay Gazette">{link}{head}
<script>window.ads = []; function track() {{ return 1; }}</script>
<style>.cookie {{ position: fixed; }}</style>
</head><body>
<div class="cookie" id="cookie-banner"><p>We use cookies to personalise content and ads.
 Accept all cookies to continue.</p><button>Accept</button></div>
<header><nav><ul><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/weather">Weather</a></li></ul></nav></header>
<main><article>
<h1>Harbour board votes to dredge channel</h1>
<p class="byline">By <span class="author">Rhys Bevan</span> {byline}</p>
{body}
</article>
<aside class="related"><h2>Related stories</h2><ul>
<li><a href="/a">Ferry timetable changes for spring</a></li>
<li><a href="/b">Lifeboat crew rescue two walkers</a></li></ul></aside>
<section id="comments"><h3>Comments</h3><p>Great news for the town!</p></section>
</main><footer><p>© 2025 Bay Gazette</p></footer>
<script src="bundle.js"></script></body></html>"""


def _read(html: str | bytes, name: str = "page.html"):
    data = html.encode() if isinstance(html, str) else html
    articles, skipped = parse_webpage(data, name)
    assert not skipped, skipped
    (article,) = articles
    return article


def test_main_text_and_metadata_without_the_furniture():
    article = _read(saved_page(canonical="https://example.org/bay-gazette/dredging"))
    assert article.headline == "Harbour board votes to dredge channel"
    assert article.paragraphs[-3:] == STORY
    text = article.text
    for furniture in ("cookies", "Sport", "Related stories", "Lifeboat", "Great news", "©"):
        assert furniture not in text, furniture
    assert article.publisher == "Bay Gazette"
    assert article.author == "Rhys Bevan"
    assert article.url == "https://example.org/bay-gazette/dredging"


@pytest.mark.parametrize(
    ("page", "expected", "precision"),
    [
        (
            saved_page(
                head='<script type="application/ld+json">{"@context": "https://schema.org", '
                '"@type": "NewsArticle", "headline": "Harbour board votes to dredge channel", '
                '"datePublished": "2025-04-02T07:30:00+01:00"}</script>'
            ),
            datetime(2025, 4, 2, 6, 30, tzinfo=UTC),
            "minute",
        ),
        (
            saved_page(
                head='<meta property="article:published_time" content="2025-04-03T10:15:00Z">'
            ),
            datetime(2025, 4, 3, 10, 15, tzinfo=UTC),
            "minute",
        ),
        (
            saved_page(byline='<time datetime="2025-04-04T16:20:00+00:00">4 April</time>'),
            datetime(2025, 4, 4, 16, 20, tzinfo=UTC),
            "minute",
        ),
        (
            saved_page(canonical="https://example.org/bay-gazette/2025/04/05/dredging"),
            datetime(2025, 4, 5, tzinfo=UTC),
            "day",
        ),
    ],
    ids=["json-ld", "meta-published-time", "time-datetime", "url-only"],
)
def test_the_date_is_found_wherever_the_page_keeps_it(page, expected, precision):
    article = _read(page)
    assert (article.date, article.date_precision) == (expected, precision)
    assert article.published  # kept as found


def test_published_is_the_date_exactly_as_the_page_wrote_it():
    head = '<meta property="article:published_time" content="2025-04-02T07:30:00+01:00">'
    assert _read(saved_page(head=head)).published == "2025-04-02T07:30:00+01:00"  # not +0100


def test_a_page_without_any_date_stays_undated():
    article = _read(saved_page())
    assert article.date is None and article.date_precision is None


@pytest.mark.parametrize(
    ("html", "why"),
    [
        (
            "<html><head><script>var a = 1;</script></head><body><script>go()</script></body>"
            "</html>",
            "no article text",
        ),
        (
            "<html><body><nav><a href='/'>Home</a> <a href='/n'>News</a></nav></body></html>",
            "no article text",
        ),
        ("<html><body></body></html>", "no article text"),
        ("just some bytes, no markup at all \x01\x02", ""),
    ],
    ids=["scripts-only", "navigation-only", "empty-body", "not-html"],
)
def test_pages_that_yield_nothing_are_skipped_with_why(html, why):
    articles, skipped = parse_webpage(html.encode(), "empty.html")
    assert articles == []
    (skip,) = skipped
    assert skip.file == "empty.html" and skip.reason and why in skip.reason


def test_a_page_with_too_many_elements_is_refused_before_extraction():
    html = "<html><body>" + "<p>word</p>" * (MAX_ELEMENTS + 10) + "</body></html>"
    articles, skipped = parse_webpage(html.encode(), "dump.html")
    assert articles == [] and "too many HTML elements" in skipped[0].reason


def test_a_page_in_its_declared_legacy_charset_is_read():
    html = saved_page().replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    html = html.replace("Alys Morgan", "Siân Morgan")
    article = _read(html.encode("cp1252"))
    assert "Siân Morgan" in article.text and "£2.7m" in article.text


def test_reading_pages_and_feeds_never_opens_a_socket(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for name in ("coastal-times-westgate-bridge.html", "harbour-herald-transport.rss"):
        articles, skipped = read_file(BUNDLED_CORPUS / name, BUNDLED_CORPUS)
        assert articles and not skipped
    # a page whose only date is in an absolute URL: still read from the URL text alone
    _read(saved_page(canonical="https://example.org/bay-gazette/2025/04/05/dredging"))


PROFILE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>The new harbourmaster: a profile | Valley Courier</title></head><body>
<main><article>
<h1>The new harbourmaster: a profile</h1>
<p>Megan Price takes over the harbour on Monday after twenty years at sea, the first woman
to hold the post in the port's history.</p>
<h2>Family background</h2>
<p>Her father and grandfather both fished out of the harbour, and she learned to sail at
six.</p>
<h2>Share</h2>
<p>Read more about her plans for the quay in Saturday's paper, she said.</p>
</article></main></body></html>"""


def test_a_web_page_keeps_what_an_aggregator_page_would_call_furniture():
    article = _read(PROFILE, "valley-courier-profile.html")
    assert "Family background" in article.paragraphs
    assert any(p.startswith("Her father and grandfather") for p in article.paragraphs)
    assert any(p.startswith("Read more about her plans") for p in article.paragraphs)
