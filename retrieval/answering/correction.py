"""Typo-tolerant questions: a non-word the corpus never mentions, read as its nearest term.

Only a word that is not a word of the language is a typo (retrieval/text/words.py):
"jets", "news" and "record" are read as typed whatever the corpus holds. A question
word whose term no chunk holds and that is no word ("kalas") is compared with the
index's vocabulary (Snowball stems) by optimal string alignment distance (an adjacent
transposition counts as one edit), allowing more edits for longer words; the corpus'
own spelling of a candidate must also be that close to what was typed. A candidate is
accepted only with evidence from the corpus: when the question has other terms, some
chunk must hold the candidate together with one of them (another misspelt word of
the question counting through its nearest readings, so two typos are corrected
together), so a question the corpus does not answer ("the capital of Peru") is not
turned into one it seems to answer. The likeliest slip wins (a neighbouring key or a
doubled letter costs half an edit), then the candidate sharing a chunk with more of
the question's weight, then the one more chunks hold. A question word at the start
("wat", a rare word) is read as the far commoner question word it is near, which
carries no weight. Terms the corpus knows are never touched, nor numbers.

The candidates come from a rapidfuzz scan of the index's own vocabulary, and the
evidence (document frequencies, co-occurrence, how the corpus writes a term) from
the backend, so spelling is corrected the same over the embedded index and over
shards; the corrector keeps no data of its own, so nothing is built at load
(benchmarks/bench_spelling.py compares SymSpell's dictionary).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from retrieval.answering.kinds import question_kind
from retrieval.answering.question import Query
from retrieval.index.backends.base import Backend
from retrieval.text.analysis import STOP_WORDS, spans
from retrieval.text.normalize import fold
from retrieval.text.words import is_word, word_frequency

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
# A first word that is a word of the language is read as the question word one edit away
# only when that is this many times more common ("wat" is a word, 1/200 as common as "what";
# "hat", "were" and "whole" are common enough to be meant).
QUESTION_WORD_ODDS = 100
# Another misspelt word of the question lends its nearest readings as evidence: "tarrif"
# and "semicondutors" support "tariff" and "semiconductor" through the passages holding both.
ALTERNATIVES = 5
# Letters next to each other on a QWERTY keyboard: hitting the neighbour ("jeys" for "jets")
# is the likeliest slip, and a letter doubled or not ("tarrif" for "tariff") the likeliest
# misspelling; either costs half an edit when candidates are weighed.
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
SLIP_COST = 0.5
PREFIX_SPAN = 5  # typed-word prefixes compared with stems: a suffix is at most this long
SURFACE_SAMPLE = 20  # chunks read to see how a corrected term is written
_POSSESSIVE = ("'s", "’s")
# Another misspelt word of the question, undecided yet: the weight it will have once read
# (its heaviest reading's idf) and its nearest readings.
Alternatives = tuple[float, tuple[str, ...]]


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
    """The query with its unseen non-words corrected where the corpus supports it.

    A word of the language is never changed (see `_decide`); the misspelt words of one
    question are corrected together, each lending its nearest readings as evidence to
    the others until it is decided.
    """
    if not query.unseen or not query.spans:
        return query
    known = {t: w for t, w in query.weights.items() if t not in query.unseen}
    typos = {
        term: typed
        for term, typed in (
            (term, _core(query.text[start:end]))
            for term, (start, end) in zip(query.terms, query.spans, strict=True)
        )
        if term in query.unseen and _correctable(typed, query.text)
    }
    pending = {
        term: tuple(c for c, _ in candidates(index, term, typed)[:ALTERNATIVES])
        for term, typed in typos.items()
        if not is_word(fold(typed))
    }
    fixes: list[Fix] = []
    decided: dict[str, tuple[str | None, str, bool] | None] = {}
    for term, (start, end) in zip(query.terms, query.spans, strict=True):
        typed = _core(query.text[start:end])
        if term not in typos:
            continue
        if term not in decided:
            others = [alternatives(index, alts) for t, alts in pending.items() if t != term]
            decided[term] = _decide(query, start, typed, term, index, known, others)
            pending.pop(term, None)
            new = decided[term] and decided[term][0]
            if new:
                known[new] = index.term_stats([new]).idf[new] or 0.0
        if decided[term] is None:
            continue
        new, word, marked = decided[term]
        fixes.append(Fix(start, start + len(typed), new, word, marked))
    fixes = [f for f in fixes if f.term is not None or _keeps_terms(query, fixes)]
    return apply(query, fixes, index) if fixes else query


def _correctable(typed: str, question: str) -> bool:
    """Whether a typed word may be a typo at all: letters only, not an acronym."""
    return fold(typed).isalpha() and not is_acronym(typed, question)


def _decide(
    query: Query,
    start: int,
    typed: str,
    term: str,
    index: Backend,
    known: Mapping[str, float],
    others: Sequence[Alternatives] = (),
) -> tuple[str | None, str, bool] | None:
    """(new term or None, shown word, bold) for one unseen word; None to leave it.

    A word of the language is left as typed, whatever the corpus holds ("jets" is not
    "jews", "news" is not "new"); the one exception is the first word, read as the
    question word one edit away when that is QUESTION_WORD_ODDS times more common.
    """
    folded = fold(typed)
    frequency = word_frequency(folded)
    if not any(c.isalpha() for c in query.text[:start]):
        near = [
            w
            for w in QUESTION_WORDS
            if OSA.distance(folded, w, score_cutoff=1) <= 1
            and frequency * QUESTION_WORD_ODDS < word_frequency(w)
        ]
        if near:
            return None, match_case(near[0], typed), False
    if frequency:
        return None
    swapped = swapped_stop_word(folded)
    if swapped is not None:
        return None, match_case(swapped, typed), False
    best = best_candidate(index, term, typed, known, query.terms, others)
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
    others: Sequence[Alternatives] = (),
) -> tuple[str, str] | None:
    """(term, how the corpus writes it) of the best supported candidate, or None.

    The corpus' own spelling must be within the allowed edits of what was typed (and
    of its own length); the best has the most support (another misspelt word counting
    as held where one of its readings is) divided by EDIT_ODDS per edit, a slip to a
    neighbouring key or a doubled letter counting half, then the most chunks holding it.
    """
    asked = set(asked)
    folded, limit = fold(typed), max_edits(typed)
    ranked = []
    for cand, _ in [c for c in candidates(index, term, typed) if c[0] not in asked][
        :CANDIDATES_CHECKED
    ]:
        share = support(index, cand, known, others)
        if share < MIN_SUPPORT[1]:
            continue
        word = surface_of(index, cand, typed)
        distance = OSA.distance(fold(word), folded)
        cost = typing_cost(folded, fold(word))
        if distance <= min(limit, max_edits(word)) and share >= MIN_SUPPORT[math.ceil(cost)]:
            odds = share / EDIT_ODDS**cost
            ranked.append((odds, document_frequency(index, cand), cand, word))
    if not ranked:
        return None
    *_, cand, word = max(ranked)
    return cand, word


def document_frequency(index: Backend, term: str) -> int:
    return index.term_stats([term]).df[term]


def alternatives(index: Backend, readings: tuple[str, ...]) -> Alternatives:
    """An undecided misspelt word as evidence: its weight once read, and its readings."""
    idf = index.term_stats(list(readings)).idf
    return max((idf[r] or 0.0 for r in readings), default=0.0), readings


def support(
    index: Backend,
    term: str,
    others: Mapping[str, float],
    misspelt: Sequence[Alternatives] = (),
) -> float:
    """The largest share of the other terms' weight one chunk holding `term` also holds;
    another misspelt word counts as held where one of its readings is (one such word at
    a time: each reading is one more look-up)."""
    total = sum(others.values()) + sum(weight for weight, _ in misspelt)
    if total <= 0:
        return 1.0
    best = index.cooccurrence(term, others)
    for weight, readings in misspelt:
        for reading in readings:
            if reading != term and reading not in others:
                best = max(best, index.cooccurrence(term, {**others, reading: weight}))
    return best / total


def _keyboard() -> dict[str, tuple[int, int]]:
    return {c: (row, col) for row, keys in enumerate(KEYBOARD_ROWS) for col, c in enumerate(keys)}


_KEYS = _keyboard()


def neighbours(a: str, b: str) -> bool:
    """Whether two letters are next to each other on a QWERTY keyboard (same or next row)."""
    if a not in _KEYS or b not in _KEYS:
        return False
    (ra, ca), (rb, cb) = _KEYS[a], _KEYS[b]
    # Rows are staggered by half a key: the row below's key at col c sits under c and c+1.
    return (ra == rb and abs(ca - cb) == 1) or (
        abs(ra - rb) == 1 and (cb - ca if rb > ra else ca - cb) in (-1, 0)
    )


def typing_cost(typed: str, word: str) -> float:
    """Optimal string alignment distance in which hitting a neighbouring key, doubling a
    letter or not doubling it cost SLIP_COST: how plausible a slip from `word` to `typed`
    is (lower: likelier)."""
    rows, cols = len(typed) + 1, len(word) + 1
    d = [[0.0] * cols for _ in range(rows)]
    for i in range(rows):
        d[i][0] = float(i)
    for j in range(cols):
        d[0][j] = float(j)
    for i in range(1, rows):
        for j in range(1, cols):
            a, b = typed[i - 1], word[j - 1]
            swap = 0.0 if a == b else SLIP_COST if neighbours(a, b) else 1.0
            extra = SLIP_COST if i > 1 and typed[i - 2] == a else 1.0  # typed a letter twice
            lost = SLIP_COST if j > 1 and word[j - 2] == b else 1.0  # typed a double once
            d[i][j] = min(d[i - 1][j] + extra, d[i][j - 1] + lost, d[i - 1][j - 1] + swap)
            if i > 1 and j > 1 and a == word[j - 2] and typed[i - 2] == b:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


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
