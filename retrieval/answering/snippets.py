"""Pick the sentence that answers, highlight it, and decide when not to answer.

Within the best chunks, every sentence and every pair of adjacent sentences is
a candidate snippet. A candidate is scored by how much of the question's IDF
mass it holds (each term counted once, repeats saturating as in BM25), how
close together its matches sit, and the BM25 score of its chunk. A quote that a
sentence introduces ("X told reporters: ...") is kept with it. The reply
abstains when no chunk holds enough of the question's IDF mass: a measure of
the corpus' evidence, not of any particular question.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from retrieval.answering.question import Query
from retrieval.text.analysis import spans
from retrieval.text.sentences import sentence_spans

# How much each signal weighs in a snippet's score (coverage dominates).
COVERAGE_WEIGHT = 1.0
CHUNK_WEIGHT = 1.0
PROXIMITY_WEIGHT = 0.15
HEADLINE_CREDIT = 0.5
PAIR_PENALTY = 0.08  # a two-sentence snippet must earn its extra length
QUANTITY_BONUS = 0.25  # "how many/much" questions want a snippet with a number in it
TF_SATURATION = 0.5  # weight of a term's second and later occurrences, summed, at most
_QUOTE_OPEN = re.compile(r"^[\"'“‘]")
_SPEECH = re.compile(
    r"\b(?:said|says|told|added|wrote|asked|announced|declared|insisted|warned|replied)\b"
    r"|:\s*$",
    re.IGNORECASE,
)


_QUANTITY_QUESTION = re.compile(
    r"^\s*(?:how (?:many|much|long|far|big|large|high|old|often)|what (?:percentage|share|"
    r"proportion|amount|number|price|sum))\b",
    re.IGNORECASE,
)

Span = tuple[str, int, int]  # an index term and its character span


@dataclass(frozen=True)
class Candidate:
    """A retrieved chunk to read answers from, with the terms its forward record holds."""

    chunk: int
    article: int
    score: float
    text: str
    headline: str = ""
    terms: frozenset[str] = frozenset()  # the chunk's indexed terms (text and headline)


@dataclass(frozen=True)
class Snippet:
    chunk: int
    article: int
    start: int  # span inside the chunk's text
    end: int
    score: float
    coverage: float
    marks: tuple[tuple[int, int], ...] = ()  # the question's terms, relative to start


def coverage(question: Query, terms: frozenset[str]) -> float:
    """Share of the question's IDF mass whose terms a chunk holds."""
    if not question.mass:
        return 0.0
    return sum(w for t, w in question.weights.items() if t in terms) / question.mass


def _window_score(
    question: Query,
    terms: Sequence[tuple[str, int]],
    context: set[str],
    chunk_share: float,
    pair: bool,
) -> tuple[float, float]:
    """(score, coverage) of one candidate snippet given its (term, position) list.

    Terms of the headline (`context`) count at HEADLINE_CREDIT when the snippet
    lacks them: a sentence of an article headlined "Coalition..." is about it.
    """
    counts: dict[str, int] = {}
    matched: list[tuple[int, str]] = []
    for term, pos in terms:
        if term in question.weights:
            counts[term] = counts.get(term, 0) + 1
            matched.append((pos, term))
    if not counts:
        return 0.0, 0.0
    covered = sum(question.weights[t] for t in counts) / question.mass
    covered += (
        HEADLINE_CREDIT
        * sum(question.weights[t] for t in context if t not in counts)
        / question.mass
    )
    extra = sum(question.weights[t] * (1 - 1 / n) for t, n in counts.items()) / question.mass
    width = _cover_width(matched, len(counts))
    proximity = len(counts) / width if len(counts) > 1 else 0.0
    quantity = bool(_QUANTITY_QUESTION.match(question.text)) and any(
        t[0].isdigit() and t not in question.weights for t, _ in terms
    )
    score = (
        COVERAGE_WEIGHT * (covered + TF_SATURATION * extra)
        + CHUNK_WEIGHT * chunk_share
        + PROXIMITY_WEIGHT * proximity
        + (QUANTITY_BONUS if quantity else 0.0)
        - (PAIR_PENALTY if pair else 0.0)
    )
    return score, covered


def _cover_width(matched: Sequence[tuple[int, str]], distinct: int) -> int:
    """Length (in terms) of the shortest stretch holding every distinct matched term."""
    best = matched[-1][0] - matched[0][0] + 1
    seen: dict[str, int] = {}
    left = 0
    for pos, term in matched:
        seen[term] = seen.get(term, 0) + 1
        while len(seen) == distinct:
            best = min(best, pos - matched[left][0] + 1)
            lterm = matched[left][1]
            seen[lterm] -= 1
            if not seen[lterm]:
                del seen[lterm]
            left += 1
    return best


def best_snippet(
    question: Query, candidate: Candidate, top_score: float, headline_terms: frozenset[str]
) -> Snippet | None:
    """The best sentence, or pair of adjacent sentences, of one chunk.

    The chunk's text is analysed here once; the snippet keeps the term spans it
    holds, so highlighting needs no second pass.
    """
    text = candidate.text
    sentences = sentence_spans(text)
    if not sentences:
        return None
    found = list(spans(text))
    per_sentence: list[list[tuple[str, int]]] = [[] for _ in sentences]
    s = 0
    for position, (term, start, _) in enumerate(found):
        while s + 1 < len(sentences) and start >= sentences[s][1]:
            s += 1
        per_sentence[s].append((term, position))
    share = candidate.score / top_score if top_score > 0 else 0.0
    context = headline_terms & question.weights.keys()
    best: tuple[float, float, int, int] | None = None  # score, coverage, first, last
    for i in range(len(sentences)):
        options = [(i, i)]
        if i + 1 < len(sentences):
            options.append((i, i + 1))
        for first, last in options:
            window = [t for j in range(first, last + 1) for t in per_sentence[j]]
            score, covered = _window_score(question, window, context, share, last > first)
            if best is None or score > best[0]:
                best = (score, covered, first, last)
    if best is None or best[1] == 0:
        return None
    score, covered, first, last = best
    start, end = _with_quote(text, sentences, first, last)
    marks = highlight_spans(text, found, start, end, question.weights.keys())
    return Snippet(candidate.chunk, candidate.article, start, end, score, covered, marks)


def _with_quote(
    text: str, sentences: Sequence[tuple[int, int]], first: int, last: int
) -> tuple[int, int]:
    """The snippet's span, keeping the quote it introduces: 'X told reporters.' + "'...'"."""
    start, end = sentences[first][0], sentences[last][1]
    if last + 1 < len(sentences):
        a, b = sentences[last + 1]
        if _SPEECH.search(text[start:end]) and _QUOTE_OPEN.match(text[a:b]):
            return start, b
    return start, end


def highlight_spans(
    text: str, found: Sequence[Span], start: int, end: int, terms: Collection[str]
) -> tuple[tuple[int, int], ...]:
    """Spans (relative to `start`) of the question's terms inside text[start:end].

    Matches separated only by white space merge into one span. `found` is the
    analysed text's term spans, so nothing is analysed again.
    """
    marks: list[list[int]] = []
    for term, a, b in found:
        if term not in terms or a < start or b > end:
            continue
        if marks and (marks[-1][1] >= a or text[marks[-1][1] : a].strip() == ""):
            marks[-1][1] = max(marks[-1][1], b)
        else:
            marks.append([a, b])
    return tuple((a - start, b - start) for a, b in marks)
