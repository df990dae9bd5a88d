"""Pick the sentence that answers, highlight it, and decide when not to answer.

Within the best chunks, every sentence and every pair of adjacent sentences is
a candidate snippet, scored by what it holds for the question:

- coverage: the share of the question's IDF mass among its terms (each term
  once; repeats add a little, saturating as in BM25), with the article's
  headline lending its terms at a discount;
- the answer kind: a date for "when", a sum for "how much", what someone is
  for "who is" (see kinds.py), which separates the sentence that answers
  from the one that only echoes the question;
- how close together its matches sit, and its chunk's BM25 score.

A quote that a sentence introduces ("X told reporters: ...") is kept with it.
The weights below were calibrated on the golden questions (../shared/eval and
tests/data) and are documented in docs/asking.md, "How answers are chosen".
"""

from __future__ import annotations

import re
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass

from retrieval.answering.kinds import Kind, holds_answer, identifies
from retrieval.answering.question import Query
from retrieval.answering.reference import Antecedents
from retrieval.text.analysis import spans
from retrieval.text.sentences import sentence_spans

# The unit: holding every question term once scores COVERAGE_WEIGHT; all else is relative.
COVERAGE_WEIGHT = 1.0
# The chunk's BM25 score as a share of the best chunk's: ranks ties between sentences of
# different chunks the way retrieval did. Equal to coverage: golden hit@1 holds from 0.8 to 1.6.
CHUNK_WEIGHT = 1.0
# Matches packed together (a name, a phrase) beat the same terms scattered; small, because
# scattered matches in one sentence still usually answer.
PROXIMITY_WEIGHT = 0.15
# A headline term the sentence lacks counts at half: "Coalition…" articles are about it,
# but a sentence that names it is surer.
HEADLINE_CREDIT = 0.5
# A second sentence must earn its length: only worth it when it adds a term or the answer.
PAIR_PENALTY = 0.08
# Repeats of a term add at most half its weight again (BM25's saturation, coarsely).
TF_SATURATION = 0.5
# Holding the kind of thing asked for (a date for "when", a sum for "how much"). Worth about
# one of three equally weighted terms: an answer may miss one question word and still beat
# a sentence that echoes all of them, yet a sentence about something else never wins on it.
ANSWER_KIND_WEIGHT = 0.35
# Lucene's classic "coord": the share of the question's distinct terms the snippet holds,
# whatever their idf. One rare word in an unrelated article ("decide") must not outscore
# a passage holding the question's other words ("coalition", "troops").
COORD_WEIGHT = 0.3
# A role subject that a pronoun ties to the entity ("the foreign affairs chief said she")
# identifies it less surely than an apposition next to the name.
COREFERENCE_CREDIT = 0.75
# A sentence opening on a pronoun leans on the one before it for its subject.
_ANAPHOR = re.compile(r"(?:it|he|she|they|this|these|those)\b", re.IGNORECASE)
_QUOTE_OPEN = re.compile(r"^[\"'“‘]")
_SPEECH = re.compile(
    r"\b(?:said|says|told|added|wrote|asked|announced|declared|insisted|warned|replied)\b"
    r"|:\s*$",
    re.IGNORECASE,
)


Span = tuple[str, int, int]  # an index term and its character span


@dataclass(frozen=True)
class Candidate:
    """A retrieved chunk to read answers from, with the terms its forward record holds."""

    chunk: int
    article: Hashable  # the article's identity in its backend
    score: float
    text: str
    headline: str = ""
    terms: frozenset[str] = frozenset()  # the chunk's indexed terms (text and headline)


@dataclass(frozen=True)
class Snippet:
    chunk: int
    article: Hashable
    start: int  # span inside the chunk's text
    end: int
    score: float
    coverage: float
    marks: tuple[tuple[int, int], ...] = ()  # the question's terms, relative to start
    matched: int = 0  # distinct question terms it holds (or stands for)


def coverage(question: Query, terms: frozenset[str]) -> float:
    """Share of the findable part of the question's IDF mass that a chunk holds.

    Words the corpus never mentions are judged once, by `Query.unseen_share`; counted
    here too, one unseen filler word ("unappealing") would sink every chunk.
    """
    seen = question.mass - sum(question.weights[t] for t in question.unseen)
    if seen <= 0:
        return 0.0
    held = sum(w for t, w in question.weights.items() if t in terms and t not in question.unseen)
    return held / seen


def _window_score(
    question: Query,
    terms: Sequence[tuple[str, int]],
    context: Collection[str],
    chunk_share: float,
    pair: bool,
    answer: float,
    referred: Collection[str] = frozenset(),
) -> tuple[float, float]:
    """(score, coverage) of one candidate snippet given its (term, position) list.

    Terms of the headline (`context`) count at HEADLINE_CREDIT when the snippet
    lacks them; `referred` terms (an entity a pronoun stands for) count in full;
    `answer` (0 to 1) says how well it holds the kind of thing asked.
    """
    counts: dict[str, int] = {}
    matched: list[tuple[int, str]] = []
    for term, pos in terms:
        if term in question.weights:
            counts[term] = counts.get(term, 0) + 1
            matched.append((pos, term))
    stand_ins = [t for t in referred if t not in counts]
    if not counts and not stand_ins:
        return 0.0, 0.0
    covered = sum(question.weights[t] for t in [*counts, *stand_ins]) / question.mass
    covered += (
        HEADLINE_CREDIT
        * sum(question.weights[t] for t in context if t not in counts and t not in referred)
        / question.mass
    )
    extra = sum(question.weights[t] * (1 - 1 / n) for t, n in counts.items()) / question.mass
    proximity = len(counts) / _cover_width(matched, len(counts)) if len(counts) > 1 else 0.0
    coord = (len(counts) + len(stand_ins)) / len(question.weights)
    score = (
        COVERAGE_WEIGHT * (covered + TF_SATURATION * extra)
        + COORD_WEIGHT * coord
        + CHUNK_WEIGHT * chunk_share
        + PROXIMITY_WEIGHT * proximity
        + ANSWER_KIND_WEIGHT * answer
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
    headline = headline_terms & question.weights.keys()
    answers, referring = _answer_evidence(question, text, sentences, found, per_sentence)
    best: tuple[float, float, int, int] | None = None  # score, coverage, first, last
    for i in range(len(sentences)):
        options = [(i, i)]
        if i + 1 < len(sentences):
            options.append((i, i + 1))
        for first, last in options:
            window = [t for j in range(first, last + 1) for t in per_sentence[j]]
            answer = max(answers[first : last + 1])
            referred = referring[first] | referring[last]
            score, covered = _window_score(
                question, window, headline, share, last > first, answer, referred
            )
            if best is None or score > best[0]:
                best = (score, covered, first, last)
    if best is None or best[1] == 0:
        return None
    score, covered, first, last = best
    if first > 0 and _ANAPHOR.match(text, sentences[first][0]):
        first -= 1  # "It tops the rankings": the sentence before says what "it" is
    start, end = _with_quote(text, sentences, first, last)
    marks = highlight_spans(text, found, start, end, question.weights.keys())
    held = {t for j in range(first, last + 1) for t, _ in per_sentence[j]}
    matched = len((held | referring[first] | referring[last]) & question.weights.keys())
    return Snippet(candidate.chunk, candidate.article, start, end, score, covered, marks, matched)


def _answer_evidence(
    question: Query,
    text: str,
    sentences: Sequence[tuple[int, int]],
    found: Sequence[Span],
    per_sentence: Sequence[Sequence[tuple[str, int]]],
) -> tuple[list[float], list[frozenset[str]]]:
    """Per sentence: how well it holds what was asked (0-1), and question terms it stands
    for without naming them (a role subject referring back to the entity asked about:
    the nearest person named before it that it fits, see reference.py)."""
    none: frozenset[str] = frozenset()
    if question.kind is not Kind.ENTITY:
        answers = [holds_answer(question.kind, text[a:b], question.text) for a, b in sentences]
        return answers, [none] * len(sentences)
    answers, contexts = [], []
    named = frozenset(question.weights)
    people = Antecedents()  # who has been named so far in this chunk
    for (a, b), terms in zip(sentences, per_sentence, strict=True):
        names = _name_spans([found[p] for t, p in terms if t in named], a)
        if names and identifies(text[a:b], names):
            answers.append(1.0)
            contexts.append(none)
        elif not names and people.refers_to_entity(text[a:b]):
            answers.append(COREFERENCE_CREDIT)
            contexts.append(named)  # it speaks of the entity: credit its name
        else:
            answers.append(0.0)
            contexts.append(none)
        people.read(text[a:b], names)
    return answers, contexts


def _name_spans(matches: Sequence[Span], offset: int) -> list[tuple[int, int]]:
    """Runs of adjacent matched terms ("Kaja Kallas") as spans relative to the sentence."""
    runs: list[list[int]] = []
    for _, start, end in matches:
        if runs and start - runs[-1][1] <= 1:
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([start, end])
    return [(a - offset, b - offset) for a, b in runs]


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
