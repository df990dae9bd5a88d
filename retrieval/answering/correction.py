"""Typo-tolerant questions: a word the corpus never mentions, read as its nearest term.

A question word whose term no chunk holds ("kalas") is compared with the index's
vocabulary (Snowball stems) by optimal string alignment distance (an adjacent
transposition counts as one edit), allowing more edits for longer words; the
corpus' own spelling of a candidate must also be that close to what was typed. A
candidate is accepted only with evidence from the corpus: when the question has
other terms, some chunk must hold the candidate together with one of them, so a
question the corpus does not answer ("the capital of Peru") is not turned into one
it seems to answer. The nearest spelling wins, then the candidate sharing a chunk
with more of the question's weight, then the one more chunks hold. A misspelt
question word at the start ("wat") is read as the question word it is near, which
carries no weight. Terms the corpus knows are never touched, nor numbers.

The candidates come from a rapidfuzz scan of the index's own vocabulary, and the
evidence (document frequencies, co-occurrence, how the corpus writes a term) from
the backend, so spelling is corrected the same over the embedded index and over
shards; the corrector keeps no data of its own, so nothing is built at load
(benchmarks/bench_spelling.py compares SymSpell's dictionary).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from retrieval.answering.kinds import question_kind
from retrieval.answering.question import Query
from retrieval.index.backends.base import Backend
from retrieval.text.analysis import STOP_WORDS, spans
from retrieval.text.normalize import fold

# What a misspelt first word is read as: they ask, they do not name anything.
QUESTION_WORDS = ("what", "when", "where", "which", "who", "whom", "whose", "why", "how")
# Share of the question's other weight that must sit in one chunk beside a candidate one
# edit away: any, but not none (a co-occurrence is the corpus' evidence that they belong
# together); two edits away, a good share ("espouse" is not "response" because both
# appear near "system"). Measured on crowd-written news questions (SQuAD-Shifts NYT).
MIN_SUPPORT = (1e-9, 1e-9, 0.4)
# Odds of one edit fewer, when a nearer candidate has less support: "Rodman" is "Rodham"
# (two edits, beside everything else asked) rather than "Roman" (one, beside "Mr").
EDIT_ODDS = 2.0
CANDIDATES_CHECKED = 50  # the nearest (then most frequent) are checked: bounds the work
PREFIX_SPAN = 5  # typed-word prefixes compared with stems: a suffix is at most this long
SURFACE_SAMPLE = 20  # chunks read to see how a corrected term is written
_POSSESSIVE = ("'s", "’s")


@dataclass(frozen=True)
class Fix:
    """One typed word read as another."""

    start: int  # the typed word's span in the question
    end: int
    term: str | None  # the index term it now stands for; None: a question word (no weight)
    surface: str  # the word shown in its place
    marked: bool  # shown in bold (a content word; a question word is not worth the eye)


def max_edits(word: str) -> int:
    """Edits allowed for a word this long (as Lucene's AUTO fuzziness): none below three
    letters, one up to five, two beyond; short words have too many neighbours."""
    return 0 if len(word) < 3 else 1 if len(word) <= 5 else 2


def is_acronym(word: str, question: str) -> bool:
    """ "CEO", "IRAs": a guess among short capitals is a different organisation."""
    core = word[:-1] if word.endswith("s") else word
    return len(core) >= 2 and core.isupper() and not question.isupper()


def correct(query: Query, index: Backend) -> Query:
    """The query with its unseen words corrected where the corpus supports it."""
    if not query.unseen or not query.spans:
        return query
    known = {t: w for t, w in query.weights.items() if t not in query.unseen}
    fixes: list[Fix] = []
    decided: dict[str, tuple[str | None, str, bool] | None] = {}
    for term, (start, end) in zip(query.terms, query.spans, strict=True):
        typed = _core(query.text[start:end])
        if term not in query.unseen or not fold(typed).isalpha() or is_acronym(typed, query.text):
            continue
        if term not in decided:
            decided[term] = _decide(query, start, typed, term, index, known)
            new = decided[term] and decided[term][0]
            if new:
                known[new] = index.term_stats([new]).idf[new] or 0.0
        if decided[term] is None:
            continue
        new, word, marked = decided[term]
        fixes.append(Fix(start, start + len(typed), new, word, marked))
    fixes = [f for f in fixes if f.term is not None or _keeps_terms(query, fixes)]
    return apply(query, fixes, index) if fixes else query


def _decide(
    query: Query,
    start: int,
    typed: str,
    term: str,
    index: Backend,
    known: Mapping[str, float],
) -> tuple[str | None, str, bool] | None:
    """(new term or None, shown word, bold) for one unseen word; None to leave it."""
    folded = fold(typed)
    if not any(c.isalpha() for c in query.text[:start]):
        near = [w for w in QUESTION_WORDS if OSA.distance(folded, w, score_cutoff=1) <= 1]
        if near:
            return None, match_case(near[0], typed), False
    swapped = swapped_stop_word(folded)
    if swapped is not None:
        return None, match_case(swapped, typed), False
    best = best_candidate(index, term, typed, known, query.terms)
    return None if best is None else (best[0], best[1], True)


def swapped_stop_word(word: str) -> str | None:
    """The stop word this is with two neighbouring letters swapped ("thier", "teh"), if any.

    Only a swap: a letter more, less or changed ("peru" and "per") makes another word.
    """
    for i in range(len(word) - 1):
        swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if swapped != word and swapped in STOP_WORDS:
            return swapped
    return None


def _keeps_terms(query: Query, fixes: list[Fix]) -> bool:
    """Whether the question keeps a term once its question words are read as such."""
    dropped = {f.start for f in fixes if f.term is None}
    return any(s not in dropped for s, _ in query.spans)


def _core(word: str) -> str:
    """The word without a possessive ending (which analysis drops too)."""
    for ending in _POSSESSIVE:
        if word.casefold().endswith(ending):
            return word[: -len(ending)]
    return word


def candidates(index: Backend, term: str, typed: str) -> list[tuple[str, int]]:
    """Vocabulary terms near what was typed, (term, distance), closest first.

    A term is near when its stem is within the allowed edits of the typed word's
    stem, or of a prefix of the typed word as long as the term (give or take one
    letter): a typo in a suffix changes how it is stemmed ("coaltion" keeps its
    "-tion"), while the corpus' stem ("coalit") still begins the word.
    """
    limit = max_edits(typed)
    if limit == 0:
        return []
    word = fold(typed)
    prefixes = list(range(max(2, len(word) - PREFIX_SPAN), len(word) + 1))
    queries = [term, *(word[:n] for n in prefixes)]
    vocabulary = index.vocabulary()
    found = process.cdist(
        queries, vocabulary, scorer=OSA.distance, score_cutoff=limit, dtype=np.uint8
    )
    near = {}
    for col in np.flatnonzero(found.min(axis=0) <= limit).tolist():
        cand = vocabulary[col]
        if not cand.isalpha():
            continue
        rows = [0, *(i + 1 for i, n in enumerate(prefixes) if abs(n - len(cand)) <= 1)]
        distance = int(found[rows, col].min())
        if distance <= min(limit, max_edits(cand)):
            near[cand] = distance
    df = index.term_stats(list(near)).df
    return sorted(near.items(), key=lambda item: (item[1], -df[item[0]]))


def best_candidate(
    index: Backend,
    term: str,
    typed: str,
    known: Mapping[str, float],
    asked: Iterable[str],
) -> tuple[str, str] | None:
    """(term, how the corpus writes it) of the best supported candidate, or None.

    The corpus' own spelling must be within the allowed edits of what was typed (and
    of its own length); the best has the most support divided by EDIT_ODDS per edit,
    then the most chunks holding it.
    """
    asked = set(asked)
    folded, limit = fold(typed), max_edits(typed)
    ranked = []
    for cand, _ in [c for c in candidates(index, term, typed) if c[0] not in asked][
        :CANDIDATES_CHECKED
    ]:
        share = support(index, cand, known)
        if share < MIN_SUPPORT[1]:
            continue
        word = surface_of(index, cand, typed)
        distance = OSA.distance(fold(word), folded)
        if distance <= min(limit, max_edits(word)) and share >= MIN_SUPPORT[distance]:
            odds = share / EDIT_ODDS**distance
            ranked.append((odds, document_frequency(index, cand), cand, word))
    if not ranked:
        return None
    *_, cand, word = max(ranked)
    return cand, word


def document_frequency(index: Backend, term: str) -> int:
    return index.term_stats([term]).df[term]


def support(index: Backend, term: str, others: Mapping[str, float]) -> float:
    """The largest share of the other terms' weight one chunk holding `term` also holds."""
    total = sum(others.values())
    if not others or total <= 0:
        return 1.0
    return index.cooccurrence(term, others) / total


def surface_of(index: Backend, term: str, typed: str) -> str:
    """How the corpus writes a term (the form nearest what was typed), in the typed case."""
    seen: Counter[str] = Counter()
    for text in index.indexed_texts(term, SURFACE_SAMPLE):
        seen.update(_core(text[s:e]) for t, s, e in spans(text) if t == term)
    if not seen:
        return term
    folded = fold(typed)
    word = max(seen, key=lambda w: (-OSA.distance(fold(w), folded), seen[w]))
    return match_case(word, typed)


def match_case(word: str, typed: str) -> str:
    if typed.islower():
        return word.lower()
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def apply(query: Query, fixes: list[Fix], index: Backend) -> Query:
    """The query with each fixed word replaced: new text, terms, weights and marks."""
    by_start = {f.start: f for f in fixes}
    pieces, marks, last, shift = [], [], 0, 0
    moved: dict[int, int] = {}  # old start -> new start of each fixed word
    for f in sorted(fixes, key=lambda f: f.start):
        pieces.append(query.text[last : f.start])
        moved[f.start] = f.start + shift
        if f.marked:
            marks.append((f.start + shift, f.start + shift + len(f.surface)))
        pieces.append(f.surface)
        shift += len(f.surface) - (f.end - f.start)
        last = f.end
    pieces.append(query.text[last:])
    text = "".join(pieces)

    def new_offset(old: int) -> int:
        return old + sum(len(f.surface) - (f.end - f.start) for f in fixes if f.end <= old)

    terms, where = [], []
    for term, (start, end) in zip(query.terms, query.spans, strict=True):
        fix = by_start.get(start)
        if fix is None:
            terms.append(term)
            where.append((new_offset(start), new_offset(end)))
        elif fix.term is not None:
            terms.append(fix.term)
            where.append((moved[start], moved[start] + len(fix.surface)))
    idfs = index.term_stats(terms).idf
    weights: dict[str, float] = {}
    for term in terms:
        if term not in weights:
            idf = idfs[term]
            weights[term] = query.weights[term] if idf is None else idf
    unseen = frozenset(t for t in terms if idfs[t] is None)
    missing = dict.fromkeys(
        text[s:e] for t, (s, e) in zip(terms, where, strict=True) if t in unseen
    )
    return dataclasses.replace(
        query,
        terms=tuple(terms),
        weights=weights,
        unseen=unseen,
        missing=tuple(missing),
        kind=question_kind(text),  # "hw much" asks for a sum once read as "how much"
        spans=tuple(where),
        corrected=text,
        corrected_marks=tuple(marks),
    )
