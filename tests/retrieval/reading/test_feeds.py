"""Feed files: every item an article with its date, link and the feed's title as publisher."""

import resource
import time
from datetime import UTC, datetime

from retrieval.config import ChunkingConfig
from retrieval.index.catalog import update
from retrieval.reading.feeds import html_paragraphs, parse_feed

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Bay Gazette</title><link>https://example.org/bay/</link>
  <description>News from the bay</description>
  <item>
    <title>Lifeboat crew rescue two walkers cut off by the tide</title>
    <link>https://example.org/bay/lifeboat-rescue</link>
    <guid isPermaLink="true">https://example.org/bay/lifeboat-rescue</guid>
    <pubDate>Sun, 06 Jul 2025 09:15:00 +0100</pubDate>
    <description>&lt;p&gt;Two walkers were rescued from Gull Point.&lt;/p&gt;</description>
    <content:encoded><![CDATA[<p>Two walkers were rescued from <b>Gull Point</b> on Saturday
      evening after the tide cut them off, the lifeboat station said.</p>
      <script>track()</script>
      <p>The crew reached them within <em>14 minutes</em> of the call.</p>
      <p>Read more: <a href="https://example.org/bay/tides">Tide times for the week</a></p>]]>
    </content:encoded>
  </item>
  <item>
    <title>Beach car park charges rise to £6 a day</title>
    <link>https://example.org/bay/car-park</link>
    <pubDate>Fri, 04 Jul 2025 17:00:00 GMT</pubDate>
    <description>The council will charge £6 a day at the beach car park from August.</description>
  </item>
  <item><title>An item without any text</title><link>https://example.org/bay/empty</link></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="text">Valley Post</title>
  <id>tag:example.org,2025:valley-post</id>
  <updated>2025-07-08T12:00:00Z</updated>
  <entry>
    <title type="html">Footbridge &amp;amp; path reopen at Ferry Lane</title>
    <id>tag:example.org,2025:valley-post/481</id>
    <link rel="alternate" href="https://example.org/valley-post/footbridge"/>
    <published>2025-07-08T08:45:00+02:00</published>
    <updated>2025-07-08T12:00:00Z</updated>
    <author><name>Eira Jones</name></author>
    <summary>The footbridge reopened.</summary>
    <content type="html">&lt;p&gt;The Ferry Lane footbridge and its riverside path reopened
      on Tuesday after repairs costing £18,000.&lt;/p&gt;&lt;p&gt;Volunteers repainted the
      railings.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Library fines scrapped for children</title>
    <id>tag:example.org,2025:valley-post/482</id>
    <updated>2025-07-07</updated>
    <content type="text">Children will no longer pay fines for late library books.</content>
  </entry>
</feed>
"""


def test_rss_items_are_articles_with_dates_links_and_the_feed_as_publisher():
    articles, skipped = parse_feed(RSS.encode(), "bay.rss")
    assert [a.headline for a in articles] == [
        "Lifeboat crew rescue two walkers cut off by the tide",
        "Beach car park charges rise to £6 a day",
    ]
    rescue, parking = articles
    assert rescue.paragraphs == (
        "Two walkers were rescued from Gull Point on Saturday evening after the tide cut them "
        "off, the lifeboat station said.",
        "The crew reached them within 14 minutes of the call.",
    )  # content over the shorter summary; script and the link-only line left out
    assert rescue.publisher == parking.publisher == "Bay Gazette"
    assert rescue.url == "https://example.org/bay/lifeboat-rescue"
    assert rescue.published == "Sun, 06 Jul 2025 09:15:00 +0100"
    assert (rescue.date, rescue.date_precision) == (
        datetime(2025, 7, 6, 8, 15, tzinfo=UTC),
        "minute",
    )
    assert parking.date == datetime(2025, 7, 4, 17, 0, tzinfo=UTC)
    assert parking.paragraphs == (
        "The council will charge £6 a day at the beach car park from August.",
    )
    assert [(s.where, s.reason) for s in skipped] == [("bay.rss:3", "feed item without text")]


def test_atom_entries_are_articles():
    articles, skipped = parse_feed(ATOM.encode(), "valley.atom")
    assert not skipped
    bridge, library = articles
    assert bridge.headline == "Footbridge & path reopen at Ferry Lane"
    assert bridge.publisher == "Valley Post" and bridge.author == "Eira Jones"
    assert bridge.url == "https://example.org/valley-post/footbridge"
    assert bridge.guid == "tag:example.org,2025:valley-post/481"
    assert bridge.date == datetime(2025, 7, 8, 6, 45, tzinfo=UTC)  # published, not updated
    assert bridge.paragraphs[0].startswith("The Ferry Lane footbridge and its riverside path")
    assert (library.date, library.date_precision) == (datetime(2025, 7, 7, tzinfo=UTC), "day")
    assert library.paragraphs == ("Children will no longer pay fines for late library books.",)


def test_an_item_in_two_feed_files_is_kept_once(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "bay-monday.xml").write_text(RSS)
    # the next export: the rescue again (same link, longer text), the car park again (same id)
    later = RSS.replace("of the call.</p>", "of the call.</p><p>Both were unhurt.</p>")
    (folder / "bay-tuesday.rss").write_text(later)
    (folder / "valley.atom").write_text(ATOM)
    mirror = ATOM.replace("Valley Post", "Valley Post (mirror)")  # same ids, other links
    (folder / "valley-copy.atom").write_text(mirror.replace("https://", "https://mirror."))
    catalog, _ = update(folder, ChunkingConfig())
    live = catalog.live()[0]
    headlines = sorted(a.headline for a in live)
    assert headlines == sorted(
        [
            "Lifeboat crew rescue two walkers cut off by the tide",
            "Beach car park charges rise to £6 a day",
            "Footbridge & path reopen at Ferry Lane",
            "Library fines scrapped for children",
        ]
    )
    rescue = next(a for a in live if a.headline.startswith("Lifeboat"))
    assert rescue.file == "bay-tuesday.rss" and rescue.paragraphs[-1] == "Both were unhurt."


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>Bomb</title><description>&lol9;</description></item></channel></rss>
"""


def quadratic_blowup() -> str:
    """One flat 100 kB entity used 20,000 times: no nesting, 2 GB if expanded."""
    uses = "&big;" * 20_000
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY big "' + "x" * 100_000 + '">]>\n'
        f"<rss version='2.0'><channel><title>T</title><item><title>Q</title>"
        f"<description>{uses}</description></item></channel></rss>"
    )


def test_entity_bombs_are_refused_not_expanded():
    for bomb in (BILLION_LAUGHS, quadratic_blowup(), BILLION_LAUGHS.replace("\n <!", "<!")):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        articles, skipped = parse_feed(bomb.encode(), "bomb.xml")
        assert time.perf_counter() - start < 5
        assert articles == []
        assert "entities" in skipped[0].reason and "refused" in skipped[0].reason
        grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        assert grown_mib < 100, grown_mib


def test_broken_feeds_are_read_as_far_as_they_go_or_skipped():
    truncated = RSS[: RSS.index("<item>", RSS.index("<item>") + 1) + 60]
    articles, _ = parse_feed(truncated.encode(), "cut.rss")
    assert [a.headline for a in articles][:1] == [
        "Lifeboat crew rescue two walkers cut off by the tide"
    ]
    for junk in (b"<rss version='2.0'><channel>", b"\x00\x01\x02 not xml", b"<html></html>"):
        articles, skipped = parse_feed(junk, "junk.xml")
        assert articles == [] and skipped and skipped[0].reason


def test_item_html_becomes_paragraphs():
    assert html_paragraphs("<p>One <b>bold</b> word.</p><ul><li>Two</li></ul>Three<br>four") == [
        "One bold word.",
        "Two",
        "Three",
        "four",
    ]
    assert html_paragraphs("Plain text &amp; more") == ["Plain text & more"]
