import os
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from helpers import BUNDLED_CORPUS, shared_path

from retrieval.config import ChunkingConfig
from retrieval.index.catalog import update
from retrieval.reading import dates
from retrieval.reading.formats import parse_jsonl, parse_markdown

SAVED = datetime(2025, 7, 10, 14, 30, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("2025-07-06", datetime(2025, 7, 6, tzinfo=UTC), "day"),
        ("2025-07-06T09:15:00Z", datetime(2025, 7, 6, 9, 15, tzinfo=UTC), "minute"),
        ("2025-07-06T09:15:00+02:00", datetime(2025, 7, 6, 7, 15, tzinfo=UTC), "minute"),
        ("2025-07-06 23:30-0130", datetime(2025, 7, 7, 1, 0, tzinfo=UTC), "minute"),
        ("2025-07-06T09", datetime(2025, 7, 6, 9, tzinfo=UTC), "hour"),
        ("Sun, 06 Jul 2025 09:15:00 GMT", datetime(2025, 7, 6, 9, 15, tzinfo=UTC), "minute"),
        ("6 Jul 2025", datetime(2025, 7, 6, tzinfo=UTC), "day"),
        ("July 6, 2025", datetime(2025, 7, 6, tzinfo=UTC), "day"),
    ],
)
def test_absolute_dates_are_read_as_written(text, expected, precision):
    assert dates.resolve(text, SAVED) == (expected, precision)
    assert dates.resolve(text, None) == (expected, precision)  # no save time needed


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("4 days ago", timedelta(days=4)),
        ("an hour ago", timedelta(hours=1)),
        ("27 minutes ago", timedelta(minutes=27)),
        ("a minute ago", timedelta(minutes=1)),
        ("2 weeks ago", timedelta(weeks=2)),
        ("yesterday", timedelta(days=1)),
        ("just now", timedelta(0)),
    ],
)
def test_relative_ages_count_back_from_the_save_time_and_are_approximate(text, age):
    assert dates.resolve(text, SAVED) == (SAVED.replace(microsecond=0) - age, "approximate")
    assert dates.resolve(text, None) is None  # without a save time it stays unknown


@pytest.mark.parametrize("text", ["", "soon", "2025-13-40", "last Tuesday", "4 fortnights ago"])
def test_unknown_stays_unknown(text):
    assert dates.resolve(text, SAVED) is None


def test_filter_bounds_accept_iso_days_and_ages():
    now = datetime(2025, 7, 10, 12, tzinfo=UTC)
    assert dates.parse_bound("7d", now) == now - timedelta(days=7)
    assert dates.parse_bound("24h", now) == now - timedelta(hours=24)
    assert dates.parse_bound("2025-07-06", now) == datetime(2025, 7, 6, tzinfo=UTC)
    # a bare day as an upper bound includes that whole day
    assert dates.parse_bound("2025-07-06", now, end=True) == datetime(2025, 7, 7, tzinfo=UTC)
    with pytest.raises(ValueError, match="7d"):
        dates.parse_bound("last week", now)


def test_labels_say_when_as_people_say_it():
    day = datetime(2025, 7, 6, tzinfo=UTC)
    now = datetime(2025, 7, 10, 9, tzinfo=UTC)
    # an age the page gave: counted from now, said as an age, never "before saving"
    assert dates.date_label(day, "approximate", "4 days ago", now) == "about 4 days ago"
    assert (
        dates.date_label(now - timedelta(hours=1), "approximate", "x", now) == "about an hour ago"
    )
    assert dates.date_label(now, "approximate", "just now", now) == "just now"
    assert dates.date_label(day, "day", "2025-07-06", now) == "6 Jul 2025"
    minute = day.replace(hour=9, minute=5)
    assert dates.date_label(minute, "minute", "x", now) == "6 Jul 2025 09:05 UTC"
    assert dates.date_label(None, None, "someday", now) == "someday"


def test_markdown_and_jsonl_dates_and_their_stated_save_time():
    md = "---\ntitle: T\npublished: 3 hours ago\nsaved: 2025-07-01T12:00Z\n---\n\nBody text.\n"
    (article,) = parse_markdown(md, "a.md", SAVED)
    assert article.published == "3 hours ago"  # kept as written
    assert article.date == datetime(2025, 7, 1, 9, tzinfo=UTC)  # from the stated save time
    assert article.date_precision == "approximate"
    line = '{"title": "T", "text": "Body.", "published": "2025-07-02T08:00:00+01:00"}\n'
    (row, undated), _ = parse_jsonl(line + '{"title": "U", "text": "Body."}\n', "b.jsonl", SAVED)
    assert (row.date, row.date_precision) == (datetime(2025, 7, 2, 7, tzinfo=UTC), "minute")
    assert undated.date is None and undated.date_precision is None


def _copy_with_mtime(source, folder, when: datetime):
    folder.mkdir(exist_ok=True)
    copy = folder / source.name
    shutil.copyfile(source, copy)
    os.utime(copy, (when.timestamp(), when.timestamp()))
    return copy


def test_the_real_pages_get_dates_from_their_modification_times(tmp_path):
    corpus = shared_path("corpus")
    older = datetime(2025, 7, 10, 9, 0, tzinfo=UTC)  # page 000: "4 days ago", "an hour ago"...
    newer = datetime(2025, 8, 7, 8, 0, tzinfo=UTC)  # page 003: "27 minutes ago"...
    _copy_with_mtime(corpus / "000_f2ef984220df779f.txt", tmp_path / "news", older)
    _copy_with_mtime(corpus / "003_d84d7595829b207d.txt", tmp_path / "news", newer)
    catalog, _ = update(tmp_path / "news", ChunkingConfig())
    articles = catalog.articles
    assert len(articles) == 8
    dated = [a for a in articles if a.date is not None]
    for article in dated:
        saved = older if article.file.startswith("000") else newer
        resolved = dates.resolve(article.published, saved)
        assert (article.date, article.date_precision) == (resolved[0], "approximate")
        assert article.date <= saved
    telegraph = next(a for a in articles if a.publisher == "Telegraph")
    assert telegraph.date == older - timedelta(days=4)
    yahoo = next(a for a in articles if a.publisher == "Yahoo")
    assert yahoo.date == newer - timedelta(minutes=27)
    # The one article whose page gives no age at all stays undated: never guessed.
    undated = [a for a in articles if a.date is None]
    assert [(a.file, a.position, a.published) for a in undated] == [
        ("003_d84d7595829b207d.txt", 0, "")
    ]
    assert len(dated) == 7
    # Newest first: every story of the later page before every story of the earlier one.
    order = sorted(dated, key=lambda a: a.date, reverse=True)
    assert [a.file[:3] for a in order] == ["003"] * 3 + ["000"] * 4
    assert order[0].publisher == "Yahoo"  # 27 minutes before its page was saved
    assert order[-1].publisher == "Telegraph"  # 4 days before its page was saved


def test_a_touched_page_is_dated_again_but_a_touched_absolute_date_is_not(tmp_path):
    corpus = tmp_path / "news"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    first = datetime(2025, 3, 1, 12, tzinfo=UTC)
    page = corpus / "harbour-herald-night-trams.txt"
    os.utime(page, (first.timestamp(), first.timestamp()))
    catalog, _ = update(corpus, ChunkingConfig())
    later = first + timedelta(days=2)
    os.utime(page, (later.timestamp(), later.timestamp()))
    os.utime(corpus / "library-hours.md")
    updated, changed = update(corpus, ChunkingConfig(), catalog)
    assert changed
    main = next(a for a in updated.articles if a.file == page.name and a.position == 0)
    assert main.date == later - timedelta(hours=3)  # "Harbour Herald3 hours ago"
    library = next(a for a in updated.articles if a.file == "library-hours.md")
    assert library.date == datetime(2025, 5, 2, tzinfo=UTC) and library.date_precision == "day"
