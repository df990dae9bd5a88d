"""A question analysed once: the value that flows from the asker to the index and back.

Everything later stages need about a question (its terms in order for BM25,
each distinct term's weight for coverage and snippets, which words the corpus
never mentions for the abstention reason) is computed here, in one pass over
the text, and carried as one frozen value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from retrieval.answering.kinds import Kind, question_kind
from retrieval.errors import UserError
from retrieval.index import okapi
from retrieval.text.analysis import spans

MAX_QUESTION_CHARS = 1000


class QuestionError(UserError, ValueError):
    """A question the engine cannot use; the message tells the user what to do."""


@dataclass(frozen=True)
class Query:
    """A question's analysis against one index."""

    text: str  # as asked, trimmed
    terms: tuple[str, ...]  # index terms in order, repeats kept: BM25 counts them
    weights: Mapping[str, float]  # distinct term -> idf (unseen terms weigh most)
    unseen: frozenset[str] = frozenset()  # terms no chunk holds
    missing: tuple[str, ...] = ()  # the words behind unseen terms, as typed
    kind: Kind = Kind.OTHER  # what the question asks for: a date, a sum, a name…
    spans: tuple[tuple[int, int], ...] = ()  # where each of `terms` was typed in `text`
    corrected: str | None = None  # the question as read after spelling correction
    corrected_marks: tuple[tuple[int, int], ...] = ()  # the corrected words' spans in it

    @property
    def mass(self) -> float:
        return sum(self.weights.values())

    @property
    def unseen_share(self) -> float:
        """Share of the question's weight on terms the corpus never mentions."""
        return sum(self.weights[t] for t in self.unseen) / self.mass if self.mass else 1.0


def unseen_weight(chunks: int) -> float:
    """The idf BM25Okapi would give a term no chunk holds: more than any known term."""
    return okapi.raw_idf(0, chunks)


def check_text(text: str) -> str:
    """The question trimmed, or QuestionError saying what to ask instead."""
    text = text.strip()
    if not text:
        raise QuestionError("Ask a question, for example: Who chaired the meeting?")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"That question is {len(text)} characters long; please keep it under "
            f"{MAX_QUESTION_CHARS}."
        )
    return text


def analyse(text: str, idf: Callable[[str], float | None], chunks: int) -> Query:
    """Analyse a question against an index (its `idf` lookup and size), in one pass."""
    text = check_text(text)
    found = list(spans(text))
    if not found and not any(ch.isalnum() for ch in text):
        raise QuestionError(
            "That question has no words in it, only symbols; ask about a person, place "
            "or event, for example: Who chaired the meeting?"
        )
    if not found:
        raise QuestionError(
            "That question has only very common words; name what you are asking about, "
            "for example a person, place or event."
        )
    weights: dict[str, float] = {}
    unseen: set[str] = set()
    missing: dict[str, None] = {}
    for term, start, end in found:
        if term in weights:
            continue
        known = idf(term)
        if known is None:
            unseen.add(term)
            missing[text[start:end]] = None
        weights[term] = unseen_weight(chunks) if known is None else known
    return Query(
        text,
        tuple(t for t, _, _ in found),
        weights,
        frozenset(unseen),
        tuple(missing),
        question_kind(text),
        tuple((start, end) for _, start, end in found),
    )
