"""Score the engine on a golden question file (hit@1, recall@3, abstention)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from retrieval.errors import UserError
from retrieval.models import Reply
from retrieval.text.normalize import fold_key


class EvalFileError(UserError, ValueError):
    pass


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    expect: tuple[str, ...] = ()
    article: str = ""
    abstain: bool = False


@dataclass(frozen=True)
class Outcome:
    case: Case
    reply: Reply
    rank: int | None  # 1-based rank of the first answer that shows the expected text


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def answerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.case.abstain]

    @property
    def unanswerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.abstain]

    @property
    def hits_at_1(self) -> int:
        return sum(o.rank == 1 for o in self.answerable)

    @property
    def hits_at_3(self) -> int:
        return sum(o.rank is not None and o.rank <= 3 for o in self.answerable)

    @property
    def abstained(self) -> int:
        return sum(not o.reply.answered for o in self.unanswerable)

    @property
    def failures(self) -> list[Outcome]:
        return [
            o
            for o in self.outcomes
            if (o.case.abstain and o.reply.answered) or (not o.case.abstain and o.rank != 1)
        ]


def _case(raw: Any, n: int) -> Case:
    if not isinstance(raw, dict) or not isinstance(raw.get("question"), str):
        raise EvalFileError(f"case {n}: expected a mapping with a 'question' string")
    expect = raw.get("expect", ())
    expect = (expect,) if isinstance(expect, str) else tuple(str(e) for e in expect)
    abstain = bool(raw.get("abstain", False))
    if not expect and not abstain:
        raise EvalFileError(f"case {n} ({raw.get('id', '?')}): needs 'expect' or 'abstain: true'")
    return Case(
        str(raw.get("id", n)), raw["question"], expect, str(raw.get("article", "")), abstain
    )


def load_cases(path: Path) -> list[Case]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise EvalFileError(f"cannot read question file {path}: {exc}") from None
    if not isinstance(data, list):
        raise EvalFileError(f"{path}: expected a list of questions")
    return [_case(raw, n) for n, raw in enumerate(data, start=1)]


def _same_headline(a: str, b: str) -> bool:
    return fold_key(a) == fold_key(b)


def rank_of(case: Case, reply: Reply) -> int | None:
    """Rank of the first answer showing the expected text (from the expected article)."""
    wanted = [fold_key(e) for e in case.expect]
    for rank, answer in enumerate(reply.answers, start=1):
        shown = fold_key(answer.snippet)
        right_article = not case.article or _same_headline(case.article, answer.source.headline)
        if right_article and any(w in shown for w in wanted):
            return rank
    return None


def evaluate(cases: list[Case], ask: Callable[[str], Reply]) -> Summary:
    summary = Summary()
    for case in cases:
        reply = ask(case.question)
        rank = None if case.abstain or not reply.answered else rank_of(case, reply)
        summary.outcomes.append(Outcome(case, reply, rank))
    return summary
