"""Vary each answer weight alone over a grid and score the golden questions with it.

    python benchmarks/calibrate_answers.py [--shared ../shared]

Prints, per weight and value, hit@1 and abstention on the real corpus' golden
questions and on the bundled ones: the ranges in which each weight keeps every
golden answer are the calibration figures in docs/asking.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cli.evaluation import evaluate, load_cases  # noqa: E402
from retrieval.answering import selection, snippets  # noqa: E402
from retrieval.answering.engine import Engine  # noqa: E402
from retrieval.config import Config  # noqa: E402

GRID = {
    (snippets, "CHUNK_WEIGHT"): [0.0, 0.4, 0.8, 1.0, 1.6, 2.4],
    (snippets, "PROXIMITY_WEIGHT"): [0.0, 0.1, 0.15, 0.3, 0.6],
    (snippets, "HEADLINE_CREDIT"): [0.0, 0.25, 0.5, 0.75, 1.0],
    (snippets, "PAIR_PENALTY"): [0.0, 0.04, 0.08, 0.16, 0.3],
    (snippets, "TF_SATURATION"): [0.0, 0.25, 0.5, 1.0],
    (snippets, "ANSWER_KIND_WEIGHT"): [0.0, 0.1, 0.2, 0.35, 0.5, 0.8, 1.2],
    (snippets, "COORD_WEIGHT"): [0.0, 0.1, 0.2, 0.3, 0.5, 0.8],
    (snippets, "COREFERENCE_CREDIT"): [0.0, 0.5, 0.75, 1.0],
    (selection, "FURTHER_SHARE"): [0.0, 0.5, 0.75, 0.9],
}


def _score(engine: Engine, questions: Path) -> str:
    summary = evaluate(load_cases(questions), engine.ask)
    return (
        f"{summary.hits_at_1}/{len(summary.answerable)} "
        f"abst {summary.abstained}/{len(summary.unanswerable)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    sets = [
        (Engine.from_config(Config().with_corpus(args.shared / "corpus")),
         args.shared / "eval" / "questions.yaml"),
        (Engine.from_config(Config().with_corpus(ROOT / "corpus")),
         ROOT / "tests" / "data" / "bundled_questions.yaml"),
    ]
    for (module, name), values in GRID.items():
        default = getattr(module, name)
        for value in values:
            setattr(module, name, value)
            scores = "   ".join(_score(engine, questions) for engine, questions in sets)
            mark = " (default)" if value == default else ""
            print(f"{name:20} {value:<5} shared {scores.replace('   ', '   bundled ', 1)}{mark}")
        setattr(module, name, default)


if __name__ == "__main__":
    main()
