"""Train the answer ranker (retrieval/answering/ranker.py) on SQuAD-Shifts' non-news splits.

    python benchmarks/bench_qa.py --fetch        # once: the data (see bench_qa.py)
    python benchmarks/train_ranker.py            # writes retrieval/answering/ranker.json

Training data: SQuAD-Shifts `new_wiki`, `reddit` and `amazon_reviews` only; never `nyt` or
`squaddev`, which bench_qa.py evaluates on. Each split's articles become a corpus indexed by
the real engine (as bench_qa.py builds it); a seeded sample of its questions is asked, and
every answer candidate the engine would reorder (the best snippet of each chunk covering
enough of the question) becomes a row of ranker.FEATURES, labelled 1 when a gold answer is
in its snippet, PASSAGE_LABEL when only in its chunk, 0 otherwise. Questions with no
labelled candidate, or only one candidate, teach nothing and are left out.

Models: a linear score over standardised features, fitted with a listwise softmax loss
(conditional logistic regression) and an L2 penalty by full-batch Adam in numpy; and
LambdaMART through LightGBM on the same features and questions. A fifth of the answered
questions (seeded) is kept out of the fit: the model with the better hit@1 on it ships (the
linear one on 2026-12-02: see docs/asking.md), its short-answer confidence is calibrated on
it (the lowest at which short answers reach SHORT_EM exact match), and the figures on it,
with the false abstentions among all the sampled questions, are written beside the weights.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_qa

from retrieval.answering import asking
from retrieval.answering.engine import Engine
from retrieval.answering.kinds import answer_spans
from retrieval.answering.question import QuestionError
from retrieval.answering.ranker import (
    FEATURES,
    Forest,
    Linear,
    Ranker,
    feature_rows,
    softmax,
    to_json,
)
from retrieval.answering.short import FACTOID
from retrieval.config import Config
from retrieval.index.backends.base import Filters

TRAINING_SPLITS = ("new_wiki", "reddit", "amazon_reviews")  # never nyt or squaddev
OUT = Path(__file__).resolve().parent.parent / "retrieval" / "answering" / "ranker.json"
# A candidate whose chunk holds the gold but whose snippet does not is half right: the
# reader finds the answer in the passage shown below the snippet.
PASSAGE_LABEL = 0.5
VALIDATION_SHARE = 0.2  # of the sampled questions, kept out of the fit and reported
L2 = 1e-3  # a light penalty: the features are few and the rows many
STEPS = 600  # Adam steps over the whole batch: the loss is flat well before
LEARNING_RATE = 0.05
# LambdaMART through LightGBM: few, shallow trees (the model ships as text in ranker.json),
# enough examples per leaf that a leaf is not one question's quirk; seeded, one thread, so
# the same data gives the same trees.
LAMBDAMART = {
    "objective": "lambdarank",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambdarank_truncation_level": 10,
    "seed": 7,
    "deterministic": True,
    "num_threads": 1,
    "verbosity": -1,
}
TREES = 200
# Short answers are calibrated to this exact match over the validation questions where
# one is shown (the target), with the most coverage that keeps it.
SHORT_EM = 70.0
SHORT_GRID = tuple(round(0.05 * i, 2) for i in range(2, 20))  # 0.10 .. 0.95


@dataclasses.dataclass
class Group:
    """One question's candidates: their features and labels, in the hand-weighted order."""

    rows: np.ndarray
    labels: np.ndarray  # 1: gold in the snippet, PASSAGE_LABEL: only in the chunk, 0
    # For the short answer's calibration: the question wants a span, its gold answers, and
    # each candidate's spans of the kind asked in its answering sentence.
    factoid: bool = False
    golds: tuple[str, ...] = ()
    spans: tuple[tuple[str, ...], ...] = ()


@dataclasses.dataclass
class Asked:
    """What the split's sampled questions say about abstention: every one is answerable."""

    questions: int = 0
    abstained: int = 0  # no candidate covers answers.min_coverage, or unusable


def groups_of(
    split: str, folder: Path, sample: int, seed: int, asked_tally: Asked | None = None
) -> list[Group]:
    """Every usable question of a split's seeded sample, as a Group; `asked_tally` counts
    the false abstentions (all the questions are answerable)."""
    docs, questions = bench_qa.load(folder / bench_qa.SPLITS[split], split)
    asked = bench_qa.draw(questions, sample, seed, holdout=False)
    with tempfile.TemporaryDirectory(prefix="newsbot-train-") as tmp:
        bench_qa.write_corpus(docs, Path(tmp), split)
        config = Config().with_corpus(tmp)
        config = dataclasses.replace(config, index=dataclasses.replace(config.index, persist=False))
        engine = Engine.from_config(config)
    groups: list[Group] = []
    tally = asked_tally if asked_tally is not None else Asked()
    for q in asked:
        tally.questions += 1
        try:
            query = engine.analyse(q.text)
        except QuestionError:
            tally.abstained += 1
            continue
        _, pool, snippets = asking.candidates(
            engine.backend, engine.config.answers, query, Filters()
        )
        if not snippets:
            tally.abstained += 1
            continue
        labels = []
        for snippet, candidate in snippets:
            if bench_qa.contains(candidate.text[snippet.start : snippet.end], q.golds):
                labels.append(1.0)
            elif bench_qa.contains(candidate.text, q.golds):
                labels.append(PASSAGE_LABEL)
            else:
                labels.append(0.0)
        spans = tuple(
            tuple(answer_spans(query.kind, c.text[s.sentence[0] : s.sentence[1]], query.text))
            for s, c in snippets
        )
        groups.append(
            Group(
                feature_rows(query, snippets, pool),
                np.asarray(labels),
                query.kind in FACTOID,
                q.golds,
                spans,
            )
        )
    print(f"{split}: {len(groups)} of {len(asked)} sampled questions answered", flush=True)
    return groups


def teaches(group: Group) -> bool:
    """A question teaches an order only with two candidates or more, one of them right."""
    return len(group.labels) > 1 and group.labels.max() > 0


def fit(groups: Sequence[Group], l2: float = L2, steps: int = STEPS) -> Linear:
    """The linear ranker minimising the listwise softmax loss over the groups."""
    rows = np.vstack([g.rows for g in groups])
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale < 1e-9] = 1.0
    x = (rows - mean) / scale
    sizes = np.array([len(g.labels) for g in groups])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    group_of = np.repeat(np.arange(len(groups)), sizes)
    target = np.concatenate([g.labels / g.labels.sum() for g in groups])
    w = np.zeros(x.shape[1])
    m, v = np.zeros_like(w), np.zeros_like(w)
    beta1, beta2 = 0.9, 0.999
    for step in range(1, steps + 1):
        s = x @ w
        s = s - np.maximum.reduceat(s, starts)[group_of]
        e = np.exp(s)
        p = e / np.add.reduceat(e, starts)[group_of]
        grad = x.T @ (p - target) / len(groups) + l2 * w
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        w -= LEARNING_RATE * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + 1e-8)
    return Linear(FEATURES, tuple(mean.tolist()), tuple(scale.tolist()), tuple(w.tolist()))


def fit_lambdamart(groups: Sequence[Group], trees: int = TREES) -> Forest:
    """LambdaMART (LightGBM's lambdarank) over the same features and labels (graded 2/1/0)."""
    import lightgbm

    rows = np.vstack([g.rows for g in groups])
    grades = np.concatenate([np.rint(g.labels / PASSAGE_LABEL).astype(int) for g in groups])
    data = lightgbm.Dataset(rows, grades, group=[len(g.labels) for g in groups])
    booster = lightgbm.train(LAMBDAMART, data, num_boost_round=trees)
    return Forest(FEATURES, booster.model_to_string())


def short_figures(groups: Sequence[Group], ranker: Ranker, confidence: float) -> dict[str, float]:
    """Short answers as the engine would show them (the first candidate's one span of the
    kind asked, when its probability reaches `confidence`): how often among the factoid
    questions, and SQuAD's exact match over those shown."""
    factoid = shown = exact = 0
    for g in groups:
        if not g.factoid:
            continue
        factoid += 1
        probability = softmax(ranker.scores(g.rows))
        first = int(np.argmax(probability))
        if probability[first] >= confidence and len(g.spans[first]) == 1:
            shown += 1
            exact += bench_qa.exact_match(g.spans[first][0], g.golds)
    return {
        "shown": round(100 * shown / max(1, factoid), 1),
        "em": round(100 * exact / max(1, shown), 1),
    }


def calibrated_confidence(groups: Sequence[Group], ranker: Ranker) -> float:
    """The lowest confidence in SHORT_GRID whose exact match reaches SHORT_EM on `groups`
    (the most short answers at that precision); the grid's highest when none does."""
    for confidence in SHORT_GRID:
        if short_figures(groups, ranker, confidence)["em"] >= SHORT_EM:
            return confidence
    return SHORT_GRID[-1]


def figures(groups: Sequence[Group], ranker: Ranker | None) -> dict[str, float]:
    """hit@1 (gold in the first snippet) and passage@1 among the groups, by the ranker's
    order, or by the hand-weighted order (the groups' own) when `ranker` is None."""
    hit = passage = 0
    for g in groups:
        first = 0 if ranker is None else int(np.argmax(ranker.scores(g.rows)))
        hit += g.labels[first] == 1.0
        passage += g.labels[first] > 0
    n = max(1, len(groups))
    return {"hit@1": round(100 * hit / n, 1), "passage@1": round(100 * passage / n, 1)}


def _commit() -> str:
    out = subprocess.run(
        ["git", "-C", str(Path(__file__).resolve().parent), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() or "unknown"


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, help="folder with the SQuAD-Shifts JSON files")
    ap.add_argument("--splits", default=",".join(TRAINING_SPLITS))
    ap.add_argument("--sample", type=int, default=3000, help="questions per split (0: all)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--heldout", type=Path, help="a bench_qa.py --holdout result to record")
    args = ap.parse_args(argv)
    splits = [s.strip() for s in args.splits.split(",") if s.strip()]
    forbidden = {"nyt", "squaddev"} & set(splits)
    if forbidden:
        raise SystemExit(f"{sorted(forbidden)}: evaluation splits are never trained on")
    folder = args.data or bench_qa.cache_dir() / "squad_shifts"
    groups: list[Group] = []
    asked = Asked()
    for split in splits:
        groups += groups_of(split, folder, args.sample, args.seed, asked)
    order = list(range(len(groups)))
    random.Random(args.seed).shuffle(order)
    cut = int(len(order) * VALIDATION_SHARE)
    validation = [groups[i] for i in order[:cut]]
    training = [groups[i] for i in order[cut:] if teaches(groups[i])]
    if not training:
        raise SystemExit("no usable training questions")
    # Both models on the same features and questions; the better on validation ships.
    fitted = {"linear": fit(training), "lambdamart": fit_lambdamart(training)}
    scored = {kind: figures(validation, model) for kind, model in fitted.items()}
    kind = max(scored, key=lambda k: (scored[k]["hit@1"], scored[k]["passage@1"]))
    ranker = dataclasses.replace(
        fitted[kind], short_confidence=calibrated_confidence(validation, fitted[kind])
    )
    about = {
        "trained_on": f"SQuAD-Shifts {', '.join(splits)} (from PyPI {bench_qa.BIGBENCH})",
        "never_trained_on": "SQuAD-Shifts nyt, SQuAD v1.1 dev (the evaluation)",
        "questions_per_split": args.sample,
        "seed": args.seed,
        "date": time.strftime("%Y-%m-%d"),
        "commit": _commit(),
        "script": "benchmarks/train_ranker.py",
        "model": kind,
        "linear": f"listwise softmax (conditional logit), L2 {L2}, {STEPS} Adam steps",
        "lambdamart": f"LightGBM lambdarank, {TREES} trees of {LAMBDAMART['num_leaves']} leaves",
        "training_questions": len(training),
        "validation_questions": len(validation),
        "validation_hand_weighted": figures(validation, None),
        **{f"validation_{k}": v for k, v in scored.items()},
        "short_confidence": ranker.short_confidence,
        "validation_short": short_figures(validation, ranker, ranker.short_confidence),
        "false_abstention": round(100 * asked.abstained / max(1, asked.questions), 2),
        "asked_questions": asked.questions,
    }
    if args.heldout:
        result = json.loads(args.heldout.read_text(encoding="utf-8"))
        row = next(r for r in result["rows"] if r["system"] == "newsbot")
        about["heldout"] = {
            "dataset": result["dataset"],
            "questions": result["questions"],
            "seed": result["seed"],
            "commit": result["commit"],
            **{k: row[k] for k in ("hit@1", "hit@1_sentence", "passage@1", "recall@3")},
        }
    args.out.write_text(to_json(ranker, about), encoding="utf-8")
    print(json.dumps(about, indent=1))


if __name__ == "__main__":
    main()
