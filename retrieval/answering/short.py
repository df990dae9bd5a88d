"""The answer itself ("£12.5m"), for questions that want a name, date, place, sum, number or
share, when newsbot is confident: otherwise nothing, never a guess dressed as an answer.

Confident means two things: the ranker gives the answering snippet at least
SHORT_CONFIDENCE of its probability among the candidates (the passage is very likely the
right one; the threshold is the shipped ranker's own, calibrated with it on the training
splits by benchmarks/train_ranker.py), and its answering sentence holds exactly one span
of the kind asked that the question does not already say (two sums in the sentence is a
choice newsbot cannot make surely, so it shows the sentence alone).
"""

from __future__ import annotations

from retrieval.answering.kinds import Kind, answer_spans
from retrieval.answering.question import Query
from retrieval.answering.ranker import shipped

# The kinds of question whose answer is a short span.
FACTOID = frozenset({Kind.NAME, Kind.TIME, Kind.PLACE, Kind.MONEY, Kind.COUNT, Kind.SHARE})
# The ranker's probability for the answer's snippet below which no short answer is shown:
# the lowest at which short answers reached 70 % exact match on the training splits'
# validation questions (ranker.json, `short_confidence`).
SHORT_CONFIDENCE = shipped().short_confidence


def short_answer(query: Query, sentence: str, confidence: float) -> str | None:
    """The answer span of `sentence` when newsbot is confident of it, else None."""
    if query.kind not in FACTOID or confidence < SHORT_CONFIDENCE:
        return None
    found = answer_spans(query.kind, sentence, query.text)
    return found[0] if len(found) == 1 else None
