"""Where a question goes: analysed once, ranked by the backend, answered or abstained on.

`analyse` turns text into the one `Query` value (typos corrected where the
corpus supports it); `search` returns ranked passages; `ask` picks extractive
snippets from different articles, or says why none answers.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import replace

from retrieval.answering.correction import correct
from retrieval.answering.freshness import freshen, news_request, topic_of, wants_recent
from retrieval.answering.question import Query, QuestionError, analyse, check_text
from retrieval.answering.ranker import POOL, rerank, shipped
from retrieval.answering.selection import Choice, choose, stands_alone
from retrieval.answering.short import short_answer
from retrieval.answering.snippets import Candidate, Snippet, best_snippet, coverage
from retrieval.config import AnswersConfig
from retrieval.index.backends.base import Backend, ChunkRecord, Filters, Ranked, source_of
from retrieval.models import Answer, Hit, Reply
from retrieval.text.analysis import spans
from retrieval.text.normalize import plain_question

NO_TOPIC = (
    "Name what you want the latest on, for example: what is the latest on the "
    "night trams? (For the newest articles on anything, use latest.)"
)
# Stories listed for "What is the latest news?": a screenful; `latest` pages through more.
NEWEST_STORIES = 5


def analysed(backend: Backend, text: str) -> Query:
    """The question analysed once against the backend's statistics (one round of them),
    its typos corrected where the corpus supports it; QuestionError if unusable."""
    words = plain_question(check_text(text)).text  # what analyse reads: no links or markup
    stats = backend.term_stats([t for t, _, _ in spans(words)])
    return correct(analyse(text, stats.idf.get, stats.size), backend)


def as_query(backend: Backend, question: str | Query) -> Query:
    return question if isinstance(question, Query) else analysed(backend, question)


def search(backend: Backend, query: Query, top: int, filters: Filters) -> list[Hit]:
    """Ranked passages for a query, best first (BM25 alone, whatever the words)."""
    ranked = backend.top_k(query.terms, top, filters)
    return [
        Hit(r.id, s, r.text, r.source, ranked.partial)
        for r, s in zip(ranked.chunks, ranked.scores, strict=True)
    ]


def ask(backend: Backend, cfg: AnswersConfig, question: str | Query, filters: Filters) -> Reply:
    """Answer with extractive snippets from different articles, or abstain.

    A question that asks for the latest news is searched without its recency
    words, and its answers are ranked newer first (see freshness); one about the
    news in general ("What is the latest news?") is answered with the newest
    stories. A reply to a corrected question says how it was read.
    """
    # What the words ask, without links or markup ("example.org/latest" asks nothing).
    words = plain_question(check_text(question)).text if isinstance(question, str) else ""
    news = news_request(words) if words else None
    if news is not None and not news.topic:
        return newest(backend, words, filters)
    recent = news is not None or bool(words and wants_recent(words))
    if recent:
        try:
            topic = analysed(backend, news.topic if news else topic_of(words))
        except QuestionError:
            raise QuestionError(NO_TOPIC) from None
        question = replace(topic, text=words)
    query = as_query(backend, question)
    reply = answer(backend, cfg, query, filters, recent)
    if query.corrected is None:
        return reply
    return replace(reply, corrected=query.corrected, corrected_marks=query.corrected_marks)


def newest(backend: Backend, asked: str, filters: Filters) -> Reply:
    """The reply to a question about the news in general: the newest stories."""
    articles = backend.latest(NEWEST_STORIES, filters, None)
    if not articles:
        reason = "No indexed article has a date, so none is the newest."
        return Reply(asked, False, reason=reason)
    return Reply(asked, True, newest=tuple(source_of(a) for a in articles))


def candidates(
    backend: Backend, cfg: AnswersConfig, query: Query, filters: Filters
) -> tuple[Ranked, list[Candidate], list[tuple[Snippet, Candidate]]]:
    """The retrieved pool (BM25's order, deeper than the answer candidates, for the ranker's
    per-article evidence), and the best snippet of each of the top chunks that covers
    enough of the question, best hand-weighted score first: what the ranker reorders."""
    ranked = backend.top_k(query.terms, max(cfg.candidates, POOL), filters)
    pool = [
        Candidate(r.id, r.article, s, r.text, r.headline, r.terms, r.paragraph)
        for r, s in zip(ranked.chunks, ranked.scores, strict=True)
    ]
    strong = [c for c in pool[: cfg.candidates] if coverage(query, c.terms) >= cfg.min_coverage]
    if query.unseen_share >= cfg.max_unseen:
        strong = []
    headlines: dict[Hashable, frozenset[str]] = {}
    snippets = []
    for c in strong:
        if c.article not in headlines:
            headlines[c.article] = frozenset(t for t, _, _ in spans(c.headline))
        snippet = best_snippet(query, c, strong[0].score, headlines[c.article])
        if snippet is not None:
            snippets.append((snippet, c))
    snippets.sort(key=lambda pair: -pair[0].score)
    return ranked, pool, snippets


def answer(
    backend: Backend, cfg: AnswersConfig, query: Query, filters: Filters, recent: bool
) -> Reply:
    """The answers to an analysed question (newer first when `recent`), or why none."""
    ranked, pool, snippets = candidates(backend, cfg, query, filters)
    records: dict[int, ChunkRecord] = {r.id: r for r in ranked.chunks}
    if not snippets:
        reason = abstain_reason(query, pool[: cfg.candidates])
        return Reply(
            query.text, False, reason=reason, partial=ranked.partial, missing=query.missing
        )
    snippets = rerank(shipped(), query, snippets, pool)
    if recent and snippets:
        # Newer first only among the snippets that answer as well as the best one:
        # in "who was recently indicted?" the word describes the event asked about.
        best = snippets[0][0]
        able, rest = [], []
        for pair in snippets:
            (able if stands_alone(pair[0], best) else rest).append(pair)
        dates = [records[c.chunk].source.date for _, c in able]
        snippets = freshen(able, dates, cfg.recency_half_life_hours) + rest
    answers = tuple(_answer_of(query, choice, records) for choice in choose(snippets, cfg.count))
    return Reply(query.text, bool(answers), answers, partial=ranked.partial)


def _answer_of(query: Query, choice: Choice, records: dict[int, ChunkRecord]) -> Answer:
    """A chosen snippet as the reader gets it: the snippet, its one sentence, the short answer."""
    text, snippet = choice.candidate.text, choice.snippet
    sentence = text[snippet.sentence[0] : snippet.sentence[1]]
    return Answer(
        text=text[snippet.start : snippet.end],
        marks=snippet.marks,
        passage=text,
        score=round(choice.candidate.score, 4),
        source=records[choice.candidate.chunk].source,
        section=records[choice.candidate.chunk].section,
        start=snippet.start,
        also=tuple(records[c.chunk].source for c in choice.also),
        sentence=sentence,
        short=short_answer(query, sentence, snippet.score),
    )


def abstain_reason(query: Query, candidates: Sequence[Candidate]) -> str:
    """Why no answer, in the reader's words: what the corpus never mentions, or too little."""
    if query.missing:
        return f"The indexed articles never mention: {', '.join(query.missing)}."
    if not candidates:
        return "No indexed article matches this question."
    return "No indexed article covers enough of this question to answer it."
