"""Plain-text and JSON renderings of replies, for the terminal and for scripts."""

from __future__ import annotations

import re
import textwrap
from dataclasses import asdict
from typing import Any

from cli.evaluation import Summary
from retrieval.models import Article, Hit, Reply, Source
from retrieval.text.fit import shorten

PASSAGE_CHARS = 600
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def source_line(source: Source) -> str:
    parts = [source.headline or "(untitled)", source.publisher, source.published, source.file]
    if source.url:
        parts.append(source.url)
    return " · ".join(p for p in parts if p)


def emphasize(text: str, ansi: bool) -> str:
    """Our **bold** markers as terminal bold, or left as they are for pipes."""
    return _BOLD.sub("\033[1m\\1\033[0m", text) if ansi else text


def _indent(text: str, prefix: str, first: str | None = None, width: int = 100) -> str:
    return textwrap.fill(text, width, initial_indent=first or prefix, subsequent_indent=prefix)


def reply_text(reply: Reply, ansi: bool = False) -> str:
    if not reply.answered:
        return f"No answer in the indexed articles. {reply.reason}".strip()
    blocks = []
    for n, answer in enumerate(reply.answers, start=1):
        lines = [emphasize(_indent(answer.snippet, "   ", f"{n}. "), ansi)]
        if answer.snippet.replace("**", "").split() != answer.passage.split():
            lines.append(_indent(shorten(answer.passage, PASSAGE_CHARS), "   │ "))
        lines.append("   — " + source_line(answer.source))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def hits_text(hits: list[Hit]) -> str:
    if not hits:
        return "No passage matches."
    return "\n\n".join(
        f"{n}. [{hit.score:.3f}] {source_line(hit.source)}\n"
        + _indent(shorten(hit.passage, PASSAGE_CHARS), "   ")
        for n, hit in enumerate(hits, start=1)
    )


def reply_json(reply: Reply) -> dict[str, Any]:
    """The documented JSON contract of `newsbot ask --json`."""
    return {
        "question": reply.question,
        "answered": reply.answered,
        "answers": [
            {
                "snippet": a.snippet,
                "passage": a.passage,
                "score": a.score,
                "source": asdict(a.source),
            }
            for a in reply.answers
        ],
    }


def hit_json(hit: Hit) -> dict[str, Any]:
    return {"score": round(hit.score, 4), "passage": hit.passage, "source": asdict(hit.source)}


def sources_text(rows: list[tuple[Article, int]]) -> str:
    if not rows:
        return "No articles indexed."
    return "\n".join(
        f"{article.headline or '(untitled)'} · {article.publisher or '?'} · "
        f"{article.published or '?'} · {article.file} · {chunks} chunk{'s' * (chunks != 1)}"
        for article, chunks in rows
    )


def summary_text(summary: Summary) -> str:
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
        lines.append(f"FAIL {case.id}: {case.question}\n     {got}")
    return "\n".join(lines)
