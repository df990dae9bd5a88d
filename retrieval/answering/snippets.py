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

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Question:
    """A question's distinct terms and their weights (idf; unseen terms weigh most)."""

    text: str
    weights: dict[str, float]
    unseen: frozenset[str] = frozenset()  # terms no chunk holds

    @property
    def wants_quantity(self) -> bool:
        return bool(_QUANTITY_QUESTION.match(self.text))

    @property
    def unseen_share(self) -> float:
        """Share of the question's weight on terms the corpus never mentions."""
        return sum(self.weights[t] for t in self.unseen) / self.mass if self.mass else 1.0

    @property
    def mass(self) -> float:
        return sum(self.weights.values())


@dataclass(frozen=True)
class Candidate:
    """A retrieved chunk to read answers from."""

    chunk: int
    article: int
    score: float
    text: str
    headline: str = ""

    @property
    def indexed_text(self) -> str:
        return indexed_text(self.text, self.headline)


def indexed_text(chunk_text: str, headline: str) -> str:
    """A chunk as the index sees it: its text in the context of its article's headline."""
    return f"{chunk_text}\n{headline}"


@dataclass(frozen=True)
class Snippet:
    chunk: int
    article: int
    start: int  # span inside the chunk's text
    end: int
    score: float
    coverage: float


def coverage(question: Question, text: str) -> float:
    """Share of the question's IDF mass whose terms occur in text."""
    if not question.mass:
        return 0.0
    present = {term for term, _, _ in spans(text)}
    return sum(w for t, w in question.weights.items() if t in present) / question.mass


def _window_score(
    question: Question,
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
    quantity = question.wants_quantity and any(
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


def best_snippet(question: Question, candidate: Candidate, top_score: float) -> Snippet | None:
    """The best sentence, or pair of adjacent sentences, of one chunk."""
    text = candidate.text
    sentences = sentence_spans(text)
    if not sentences:
        return None
    terms = [(term, start) for term, start, _ in spans(text)]
    per_sentence: list[list[tuple[str, int]]] = [[] for _ in sentences]
    s = 0
    for position, (term, start) in enumerate(terms):
        while s + 1 < len(sentences) and start >= sentences[s][1]:
            s += 1
        per_sentence[s].append((term, position))
    share = candidate.score / top_score if top_score > 0 else 0.0
    context = {t for t, _, _ in spans(candidate.headline)} & set(question.weights)
    best: Snippet | None = None
    for i, (a, _) in enumerate(sentences):
        options = [(i, i)]
        if i + 1 < len(sentences):
            options.append((i, i + 1))
        for first, last in options:
            window = [t for j in range(first, last + 1) for t in per_sentence[j]]
            score, covered = _window_score(question, window, context, share, last > first)
            if best is None or score > best.score:
                best = Snippet(
                    candidate.chunk, candidate.article, a, sentences[last][1], score, covered
                )
    if best is None or best.coverage == 0:
        return None
    return _with_quote(best, text, sentences)


def _with_quote(snippet: Snippet, text: str, sentences: Sequence[tuple[int, int]]) -> Snippet:
    """Keep the quote a snippet introduces: 'X told reporters.' + "'...'"."""
    following = [(a, b) for a, b in sentences if a >= snippet.end]
    if not following:
        return snippet
    a, b = following[0]
    if _SPEECH.search(text[snippet.start : snippet.end]) and _QUOTE_OPEN.match(text[a:b]):
        return Snippet(
            snippet.chunk, snippet.article, snippet.start, b, snippet.score, snippet.coverage
        )
    return snippet


def highlight_spans(text: str, terms: set[str]) -> tuple[tuple[int, int], ...]:
    """Spans of text whose words match the question's terms.

    Adjacent matches separated only by spaces merge into one span.
    """
    marks: list[list[int]] = []
    for term, start, end in spans(text):
        if term not in terms:
            continue
        if marks and (marks[-1][1] >= start or text[marks[-1][1] : start].strip() == ""):
            marks[-1][1] = max(marks[-1][1], end)
        else:
            marks.append([start, end])
    return tuple((a, b) for a, b in marks)


def unseen_weight(chunks: int) -> float:
    """The idf BM25Okapi would give a term no chunk holds."""
    return math.log(chunks + 0.5) - math.log(0.5)
