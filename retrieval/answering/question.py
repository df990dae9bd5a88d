"""A question analysed once: the value that flows from the asker to the index and back.

Everything later stages need about a question (its terms in order for BM25,
each distinct term's weight for coverage and snippets, which words the corpus
never mentions for the abstention reason) is computed here, in one pass over
the text, and carried as one frozen value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from retrieval.answering.kinds import Kind, kind_noun, question_kind
from retrieval.errors import UserError
from retrieval.index import okapi
from retrieval.text.analysis import spans
from retrieval.text.normalize import plain_question

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
    links: tuple[str, ...] = ()  # links the message held, kept aside (not words)

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
    """Analyse a question against an index (its `idf` lookup and size), in one pass.

    The question is first its words (`plain_question`: no links, code, spoilers, emoji
    or markup). A decorated aside is no part of it: in bold, italic, underlined or
    quoted text, words the corpus never mentions are dropped, not reported missing
    ("**bold** > quote who is kaja kallas" asks who Kaja Kallas is), and a decorated run
    left with no word the corpus knows does not count towards the question's kind, unless
    only it says what is asked ("**Who** chaired the meeting?").
    """
    plain = plain_question(check_text(text))
    text = plain.text
    if not any(c.isalpha() or c.isdigit() for c in text):
        raise QuestionError(
            "That message has no words to ask about (only links, code or emoji); ask in "
            "words, for example: What did Kaja Kallas say?"
        )
    noun = kind_noun(text)  # says what kind of answer is wanted: no term to match
    found = [s for s in spans(text) if noun is None or s[1:] != noun]
    found, aside = _asked(found, plain.decorated, idf)
    if not found:
        raise QuestionError(
            "That question has only very common words; name what you are asking about, "
            "for example a person, place or event."
        )
    query = Query(
        text,
        tuple(t for t, _, _ in found),
        {},
        kind=_kind(text, aside),
        spans=tuple((start, end) for _, start, end in found),
        links=plain.links,
    )
    return weigh(query, idf, chunks)


def weigh(query: Query, idf: Callable[[str], float | None], chunks: int) -> Query:
    """The query's term weights and unseen words against an index: how `analyse` weighs a
    question, and how a stored query (a followed topic) is weighed again as the index grows."""
    weights, unseen = term_weights(query.terms, idf, chunks)
    first: dict[str, tuple[int, int]] = {}  # where each unseen term was first typed
    for term, span in zip(query.terms, query.spans, strict=True):
        first.setdefault(term, span)
    missing = dict.fromkeys(query.text[a:b] for t, (a, b) in first.items() if t in unseen)
    return replace(query, weights=weights, unseen=unseen, missing=tuple(missing))


def term_weights(
    terms: Iterable[str], idf: Callable[[str], float | None], chunks: int
) -> tuple[dict[str, float], frozenset[str]]:
    """Each distinct term's weight, in first-seen order, and the unseen ones: its idf, or
    for a term no chunk holds more than any held term weighs (`unseen_weight`). The one
    weighing rule, for a question and (without a Query per batch) for a followed topic."""
    weights: dict[str, float] = {}
    unseen: set[str] = set()
    for term in terms:
        if term in weights:
            continue
        known = idf(term)
        if known is None:
            unseen.add(term)
        weights[term] = unseen_weight(chunks) if known is None else known
    return weights, frozenset(unseen)


Found = list[tuple[str, int, int]]  # (term, start, end) as analysis finds them


def _asked(
    found: Found, decorated: tuple[tuple[int, int], ...], idf: Callable[[str], float | None]
) -> tuple[Found, list[tuple[int, int]]]:
    """The terms asked about, and the spans that are asides: unknown decorated words, and
    decorated runs holding no known term at all."""
    if not decorated:
        return found, []
    kept, aside = [], []
    for start, end in decorated:
        inside = [f for f in found if start <= f[1] and f[2] <= end]
        if not any(idf(t) is not None for t, _, _ in inside):
            aside.append((start, end))
    for term, start, end in found:
        in_decoration = any(s <= start and end <= e for s, e in decorated)
        if in_decoration and idf(term) is None:
            aside.append((start, end))
        elif not any(s <= start and end <= e for s, e in aside):
            kept.append((term, start, end))
    return kept, aside


def _kind(text: str, aside: list[tuple[int, int]]) -> Kind:
    """The question's kind read without its asides, or with them where only they say it
    ("**Who** chaired the meeting?")."""
    for reading in (_blanked(text, aside), text):
        kind = question_kind(reading)
        if kind is not Kind.OTHER:
            return kind
    return Kind.OTHER


def _blanked(text: str, spans_: list[tuple[int, int]]) -> str:
    """The text with the given spans as spaces (offsets kept)."""
    for start, end in spans_:
        text = text[:start] + " " * (end - start) + text[end:]
    return text
