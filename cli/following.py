"""Plain-text and JSON renderings of alerts, digests and timelines for the terminal."""

from __future__ import annotations

import textwrap
from typing import Any

from cli.terminal import MIN_WIDTH, also_line, emphasize, source_json, source_line, width
from retrieval.models import mark_up
from retrieval.news.alerts import Alert
from retrieval.news.digest import Digest
from retrieval.news.followup import Reading
from retrieval.news.timeline import Timeline
from retrieval.reading.dates import day_label, iso
from retrieval.text.fit import squeeze


def alert_text(alert: Alert, ansi: bool = False) -> str:
    """One alert: what is new on the topic, the sentence that matches, its source."""
    lines = [
        f"New on {alert.topic}: {alert.source.headline or '(untitled)'}",
        "  " + emphasize(mark_up(alert.sentence, alert.marks), ansi),
        f"  — {source_line(alert.source)}",
    ]
    if alert.also:
        lines.append(f"  ({also_line(alert.also)})")
    return "\n".join(lines)


def alert_json(alert: Alert) -> dict[str, Any]:
    """One line of `newsbot follow --json`."""
    return {
        "topic": alert.topic,
        "sentence": alert.sentence,
        "snippet": mark_up(alert.sentence, alert.marks),
        "source": source_json(alert.source),
        "also_reported_by": [source_json(s) for s in alert.also],
    }


def digest_text(digest: Digest) -> str:
    """The period's stories, most reported first: headline, lede, outlets."""
    period = f"{iso(digest.since)} to {iso(digest.until)}"
    if not digest.entries:
        return f"No news between {period}."
    stories = len(digest.entries)
    head = (
        f"{stories} stor{'ies' if stories != 1 else 'y'} from {digest.articles} "
        f"article{'s' * (digest.articles != 1)}, {period}:"
    )
    blocks = [head]
    for n, entry in enumerate(digest.entries, start=1):
        outlets = ", ".join(entry.outlets)
        tail = f"— {outlets} · {day_label(entry.newest, 'minute')}"
        blocks.append(f"{n}. {entry.headline}\n{_wrapped(entry.lede)}\n{_wrapped(tail)}")
    return "\n\n".join(blocks)


def _wrapped(text: str, first: str = "   ") -> str:
    """Wrapped to the terminal's width, continuation lines indented."""
    columns = max(MIN_WIDTH, width())
    return textwrap.fill(squeeze(text), columns, initial_indent=first, subsequent_indent="   ")


def digest_json(digest: Digest) -> dict[str, Any]:
    return {
        "since": iso(digest.since),
        "until": iso(digest.until),
        "articles": digest.articles,
        "undated_left_out": digest.undated,
        "stories": [
            {
                "headline": e.headline,
                "lede": e.lede,
                "outlets": e.outlets,
                "newest": iso(e.newest),
                "sources": [source_json(s) for s in e.sources],
            }
            for e in digest.entries
        ],
    }


def timeline_text(line: Timeline, ansi: bool = False) -> str:
    """One line per event, oldest first: date, the sentence that matches, outlet."""
    if not line.events:
        note = line.reason or "No dated article answers this topic."
    else:
        rows = []
        for event in line.events:
            s = event.source
            when = day_label(s.date, s.date_precision) if s.date else "?"
            text = squeeze(emphasize(mark_up(event.sentence, event.marks), ansi))
            extra = f" ({also_line(event.also)})" if event.also else ""
            rows.append(_wrapped(f"{when} · {text} — {s.publisher or s.file}{extra}", ""))
        note = "\n".join(rows)
    tail = []
    if line.more:
        tail.append(f"({line.more} earlier event{'s' * (line.more != 1)} not shown)")
    if line.undated:
        tail.append(f"({line.undated} undated article{'s' * (line.undated != 1)} left out)")
    head = f"Showing results for: {line.corrected}\n\n" if line.corrected else ""
    return head + "\n".join([note, *tail])


def timeline_json(line: Timeline) -> dict[str, Any]:
    return {
        "topic": line.topic,
        "corrected": line.corrected,
        "events": [
            {
                "date": iso(e.source.date),
                "sentence": e.sentence,
                "snippet": mark_up(e.sentence, e.marks),
                "source": source_json(e.source),
                "also_reported_by": [source_json(s) for s in e.also],
            }
            for e in line.events
        ],
        "earlier_not_shown": line.more,
        "undated_left_out": line.undated,
    }


def reading_text(reading: Reading) -> str:
    """What a follow-up was read as ("" for a question that stands alone)."""
    return f"Reading this as: {reading.text}" if reading.follows else ""
