import pytest

from retrieval.models import MAX_LINK_CHARS, reader_link

GOOD = [
    "https://example.com/story",
    "HTTP://Example.com/a?b=c#d",
    "https://example.com:8443/path",
    "https://例え.jp/記事",
    "https://example.com/" + "a" * (MAX_LINK_CHARS - len("https://example.com/")),
]
BAD = [
    None,
    "",
    "javascript:alert(1)",
    "JavaScript://example.com/%0Aalert(1)",
    "www.example.com/story",
    "/story/relative",
    "ftp://example.com/file",
    "data:text/html,hi",
    "mailto:desk@example.com",
    "http://",
    "https:///no-host",
    "https://user@/no-host",
    "https://exa mple.com/",
    "https://example.com/\x00",
    "https://example.com/\n",
    "http://example.com:port/",
    "http://[::1",
    "https://example.com/" + "a" * (MAX_LINK_CHARS - len("https://example.com/") + 1),
]


@pytest.mark.parametrize("url", GOOD)
def test_web_links_with_a_host_are_shown_as_given(url):
    assert reader_link(url) == url


@pytest.mark.parametrize("url", BAD)
def test_anything_else_is_not_a_link(url):
    assert reader_link(url) is None
