"""Plain-text and JSON renderings of replies, for the terminal and for scripts."""

from __future__ import annotations

import re
import shutil
import textwrap
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from cli.evaluation import Summary
from retrieval.answering.fragments import Fragment
from retrieval.models import Article, Hit, Reply, Source, mark_up, reader_link
from retrieval.reading.dates import date_label, iso
from retrieval.text.fit import ELLIPSIS, around, ellipsize, squeeze

DEFAULT_WIDTH = 100  # when the output is no terminal (a pipe, a file)
MIN_WIDTH = 40  # below this, wrapping would break every word onto its own line
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def source_line(source: Source, now: datetime | None = None) -> str:
    """Headline · publisher · date · link: what a reader needs to find the article. The
    file name is for the operator: it stays in the JSON and in `sources`."""
    link = reader_link(source.url)  # the JSON keeps the URL as given; the card shows links
    when = _when(source.date, source.date_precision, source.published, now)
    parts = [source.headline or "(untitled)", source.publisher, when, link]
    return " · ".join(p for p in parts if p)


def _when(
    date: datetime | None, precision: str | None, published: str | None, now: datetime | None
) -> str:
    return date_label(date, precision, published, now or datetime.now(UTC))


def emphasize(text: str, ansi: bool) -> str:
    """Our **bold** markers as terminal bold on a terminal; plain text for pipes and files."""
    return _BOLD.sub("\033[1m\\1\033[0m" if ansi else "\\1", text)


def width() -> int:
    """The terminal's width (COLUMNS when set), so cards wrap where the reader's screen does."""
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def _indent(text: str, prefix: str, first: str | None = None) -> str:
    columns = max(MIN_WIDTH, width())
    return textwrap.fill(
        squeeze(text),
        columns,
        initial_indent=first or prefix,
        subsequent_indent=prefix,
        break_long_words=False,  # a link stays whole, so it still opens
        break_on_hyphens=False,
    )


def also_line(sources: tuple[Source, ...]) -> str:
    names = dict.fromkeys(s.publisher or s.headline or s.file for s in sources)
    return "also reported by: " + ", ".join(names)


def correction_text(corrected_markup: str | None, ansi: bool) -> str:
    """The line saying how a corrected question was read ("" when it was not)."""
    if corrected_markup is None:
        return ""
    return emphasize(f"Showing results for: {corrected_markup}", ansi)


# Printed under any reply built while a shard of the archive did not answer.
PARTIAL_NOTE = "(Part of the archive is unavailable right now; this reply comes from the rest.)"


def reply_text(reply: Reply, ansi: bool = False, now: datetime | None = None) -> str:
    """The answer card: how a corrected question was read, then the answers or why none."""
    correction = correction_text(reply.corrected_markup, ansi)
    body = _reply_body(reply, ansi, now)
    if reply.partial:
        body = f"{body}\n\n{PARTIAL_NOTE}"
    return f"{correction}\n\n{body}" if correction else body


def _reply_body(reply: Reply, ansi: bool, now: datetime | None = None) -> str:
    """Each answer, the sentences around it, its source; or why none."""
    if not reply.answered:
        return f"No answer in the indexed articles. {reply.reason}".strip()
    if reply.newest:
        return "The newest stories:\n" + "\n".join(
            f"{n}. {source_line(s)}" for n, s in enumerate(reply.newest, start=1)
        )
    count = len(reply.answers)
    blocks = [f"{count} answer{'s' * (count != 1)}:"]
    for n, answer in enumerate(reply.answers, start=1):
        snippet = answer.snippet if ansi else emphasize(answer.snippet, ansi=False)
        if answer.short:  # the answer itself first, the sentence that says it below
            lines = [
                emphasize(f"{n}. **{answer.short}**", ansi),
                emphasize(_indent(snippet, "   "), ansi),
            ]
        else:
            lines = [emphasize(_indent(snippet, "   ", f"{n}. "), ansi)]
        before, after = around(*answer.context)
        lines += [_indent(part, "   │ ") for part in (before, after) if part]
        section = f" · § {answer.section}" if answer.section else ""
        lines.append(_indent(source_line(answer.source, now) + section, "     ", "   — "))
        if answer.also:
            lines.append("   " + also_line(answer.also))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def hits_text(
    hits: list[Hit], fragments: list[Fragment], ansi: bool = False, now: datetime | None = None
) -> str:
    """Each passage found: its source, then the sentences that matched (terms in bold)."""
    if not hits:
        return "No passage matches."
    blocks = []
    for n, (hit, piece) in enumerate(zip(hits, fragments, strict=True), start=1):
        head = _indent(source_line(hit.source, now), "   ", f"{n}. ")
        text = fragment_text(piece) if ansi else emphasize(fragment_text(piece), ansi=False)
        blocks.append(f"{head}\n{emphasize(_indent(text, '   '), ansi)}")
    text = "\n\n".join(blocks)
    return f"{text}\n\n{PARTIAL_NOTE}" if any(h.partial for h in hits) else text


def fragment_text(piece: Fragment) -> str:
    """A fragment with our **bold** marks, and an ellipsis where the passage goes on."""
    body = f"{ELLIPSIS * piece.cut_before}{mark_up(piece.text, piece.marks)}"
    return ellipsize(body) if piece.cut_after else body


def reply_json(reply: Reply) -> dict[str, Any]:
    """The documented JSON contract of `newsbot ask --json`."""
    out = {
        "question": reply.question,
        "corrected": reply.corrected,
        "answered": reply.answered,
        "answers": [
            {
                "snippet": a.snippet,
                "sentence": a.sentence,
                "short": a.short,
                "passage": a.passage,
                "score": a.score,
                "source": source_json(a.source),
                "also_reported_by": [source_json(s) for s in a.also],
            }
            for a in reply.answers
        ],
    }
    if not reply.answered:  # what the terminal says about an abstention, as data too
        out["reason"] = reply.reason
        out["never_mentioned"] = list(reply.missing)
    if reply.partial:  # only then: part of the archive (a shard) did not answer
        out["partial"] = True
    if reply.newest:  # only then: a question about the news, answered with the newest stories
        out["newest"] = [source_json(s) for s in reply.newest]
    return out


def source_json(source: Source) -> dict[str, Any]:
    """A source as JSON: `published` as the page wrote it, `date` as ISO 8601 in UTC (or null)."""
    return {**asdict(source), "date": iso(source.date)}


def hit_json(hit: Hit) -> dict[str, Any]:
    out = {"score": round(hit.score, 4), "passage": hit.passage, "source": source_json(hit.source)}
    if hit.partial:
        out["partial"] = True
    return out


def sources_text(rows: list[tuple[Article, int]], now: datetime | None = None) -> str:
    """The indexed articles, with their files: this listing is for whoever runs newsbot."""
    if not rows:
        return "No articles indexed."
    return "\n".join(
        f"{article.headline or '(untitled)'} · {article.publisher or '?'} · "
        f"{_when(article.date, article.date_precision, article.published, now) or '?'} · "
        f"{article.file} · {chunks} chunk{'s' * (chunks != 1)}"
        for article, chunks in rows
    )


def undated_unlisted(undated: int) -> str:
    """The note under `latest`: articles that match but have no date to order them by."""
    return f"{undated} undated article{'s' * (undated != 1)} not listed: no date to order by"


def latest_text(articles: list[Article], undated: int = 0, now: datetime | None = None) -> str:
    """The newest articles, newest first: date, publisher, headline, link."""
    note = f"\n\n({undated_unlisted(undated)})" if undated else ""
    if not articles:
        return "No dated article matches." + note
    lines = []
    for n, a in enumerate(articles, start=1):
        parts = [_when(a.date, a.date_precision, a.published, now), a.publisher or "?"]
        parts += [a.headline or "(untitled)", reader_link(a.url) or ""]
        lines.append(_indent(" · ".join(p for p in parts if p), "   ", f"{n}. "))
    return "\n".join(lines) + note


def article_json(article: Article) -> dict[str, Any]:
    """One article of `newsbot latest --json`: its source fields (as in answers)."""
    source = Source(
        article.headline,
        article.publisher or None,
        article.published or None,
        article.file,
        article.url or None,
        article.date,
        article.date_precision,
        article.author or None,
    )
    return source_json(source)


def summary_text(summary: Summary, ansi: bool = False) -> str:
    """hit@1, recall@3 and abstention, then each failure (snippet terms bold on a terminal)."""
    answerable, unanswerable = len(summary.answerable), len(summary.unanswerable)
    lines = [
        f"hit@1       {summary.hits_at_1}/{answerable}",
        f"recall@3    {summary.hits_at_3}/{answerable}",
        f"abstention  {summary.abstained}/{unanswerable}",
    ]
    for outcome in summary.failures:
        case, reply = outcome.case, outcome.reply
        if case.abstain:
            got = "answered instead of abstaining: " + reply.answers[0].snippet
        elif not reply.answered:
            got = "abstained: " + reply.reason
        else:
            got = f"rank {outcome.rank or '>3'}; first snippet: {reply.answers[0].snippet}"
        lines.append(f"FAIL {case.id}: {case.question}\n     {emphasize(got, ansi)}")
    return "\n".join(lines)
