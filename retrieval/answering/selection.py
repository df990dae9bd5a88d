"""Which snippets become answers: each stands on its own, and a story told twice shows once.

The best snippet always answers. A further one must cover a share of the
question comparable to the first (a second answer matched on one common word
costs the trust the first one earned), comes from another article, and is
not the same passage again: when several outlets carry the same sentence, it
is shown once, with the others as "also reported by".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from retrieval.answering.snippets import Candidate, Snippet
from retrieval.text.normalize import fold_key

# A further answer must cover at least this share of what the first one covers: 0.75 keeps
# a second article that answers most of the question, drops one that shares a word with it.
FURTHER_SHARE = 0.75
# ...and hold at least this many of the question's terms (when the first holds as many):
# one word, however rare, is a coincidence, not an answer.
FURTHER_MIN_TERMS = 2
# Two snippets sharing this share of their words (Jaccard) tell the same story: wire copy
# reprinted with a changed word or two scores well above it, different reports well below.
SAME_STORY = 0.6


@dataclass
class Choice:
    """A snippet chosen as an answer, with the candidates that carry the same story."""

    snippet: Snippet
    candidate: Candidate
    also: list[Candidate] = field(default_factory=list)


def words(text: str) -> frozenset[str]:
    return frozenset(fold_key(text).split())


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard overlap of two passages' words: SAME_STORY and above is one story reprinted."""
    return len(a & b) / len(a | b) if a and b else 0.0


def stands_alone(further: Snippet, first: Snippet) -> bool:
    """Whether a further answer covers the question about as well as the first."""
    return further.coverage >= FURTHER_SHARE * first.coverage and further.matched >= min(
        FURTHER_MIN_TERMS, first.matched
    )


def choose(ranked: Sequence[tuple[Snippet, Candidate]], count: int) -> list[Choice]:
    """Up to `count` answers from snippets ranked best first (maybe fewer: never filler)."""
    chosen: list[Choice] = []
    held: list[frozenset[str]] = []
    articles: set[int] = set()
    for snippet, candidate in ranked:
        if snippet.article in articles:
            continue
        text = words(candidate.text[snippet.start : snippet.end])
        twin = next(
            (c for c, w in zip(chosen, held, strict=True) if similarity(text, w) >= SAME_STORY),
            None,
        )
        if twin is not None:
            twin.also.append(candidate)
            articles.add(snippet.article)
            continue
        if len(chosen) == count:
            continue  # only twins of the chosen answers are still looked for
        if chosen and not stands_alone(snippet, chosen[0].snippet):
            continue
        chosen.append(Choice(snippet, candidate))
        held.append(text)
        articles.add(snippet.article)
    return chosen
