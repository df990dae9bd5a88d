"""The ranker's training script at a tiny size: it reads only training splits, is seeded,
and writes a model the engine can load."""

from __future__ import annotations

import json
import sys

import pytest
from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import train_ranker

from retrieval.answering import ranker

PARAGRAPHS = {
    "Harbour_regatta": [
        "The harbour regatta drew 40 boats on Saturday. Nora Lindqvist won the main race.",
        "The regatta began in 1921 as a race between fishing crews from two villages.",
        "Organisers said the regatta raised £12,000 for the lifeboat station.",
    ],
    "Night_trams": [
        "The council approved a night tram service on Tuesday. Trams will run every 20 minutes.",
        "The night tram service will cost £4.5 million a year, paid by a levy on venues.",
        "Councillor Ruth Adams said the trams would help shift workers get home safely.",
    ],
}
# Each paragraph is long enough to be a chunk of its own (PADDING), and each article's last
# one shares the questions' words (ECHO), so every question has several candidates to order.
PADDING = (
    " It was a bright, cold morning; gulls circled above the quay and the bakery on the corner"
    " opened early for the visitors."
)
ECHO = (
    " Readers often ask who won the main race, when the harbour regatta began, what it raised,"
    " how much the night tram service will cost, how the trams run and who helps shift workers."
)
QUESTIONS = [
    ("Who won the main race of the harbour regatta?", "Nora Lindqvist", "Harbour_regatta", 0),
    ("When did the harbour regatta begin?", "1921", "Harbour_regatta", 1),
    ("How much did the regatta raise for the lifeboat station?", "£12,000", "Harbour_regatta", 2),
    ("How often will the night trams run?", "every 20 minutes", "Night_trams", 0),
    ("How much will the night tram service cost?", "£4.5 million", "Night_trams", 1),
    ("Who said the trams would help shift workers?", "Ruth Adams", "Night_trams", 2),
]


def write_split(path, prefix: str) -> None:
    data = []
    for title, paragraphs in PARAGRAPHS.items():
        paragraphs = [p + PADDING for p in paragraphs[:-1]] + [paragraphs[-1] + ECHO]
        entries = [{"context": p, "qas": []} for p in paragraphs]
        for n, (question, gold, where, para) in enumerate(QUESTIONS):
            if where == title:
                context = paragraphs[para]
                entries[para]["qas"].append(
                    {
                        "id": f"{prefix}{n}",
                        "question": question,
                        "answers": [{"text": gold, "answer_start": context.index(gold)}],
                    }
                )
        data.append({"title": title, "paragraphs": entries})
    path.write_text(json.dumps({"data": data}), encoding="utf-8")


@pytest.fixture
def splits(tmp_path):
    for split in train_ranker.TRAINING_SPLITS:
        write_split(tmp_path / train_ranker.bench_qa.SPLITS[split], split)
    return tmp_path


def test_training_is_seeded_and_writes_a_model_the_engine_loads(splits, tmp_path):
    first, again = tmp_path / "a.json", tmp_path / "b.json"
    args = ["--data", str(splits), "--sample", "0", "--seed", "3"]
    train_ranker.main([*args, "--out", str(first)])
    train_ranker.main([*args, "--out", str(again)])
    model = ranker.from_json(first.read_text())
    assert model == ranker.from_json(again.read_text())
    about = json.loads(first.read_text())["about"]
    assert about["model"] in ("linear", "lambdamart") and 0 < model.short_confidence < 1
    assert about["seed"] == 3 and "nyt" not in about["trained_on"]
    assert about["training_questions"] + about["validation_questions"] > 0


def test_the_evaluation_splits_are_never_trained_on(splits, tmp_path):
    with pytest.raises(SystemExit, match="never trained on"):
        train_ranker.main(["--data", str(splits), "--splits", "new_wiki,nyt"])


def test_the_fit_prefers_the_feature_that_marks_the_answer():
    import numpy as np

    rng = np.random.default_rng(0)
    groups = []
    for _ in range(40):
        rows = rng.random((4, len(ranker.FEATURES)))
        labels = np.zeros(4)
        labels[int(np.argmax(rows[:, 0]))] = 1.0  # the answer: the highest first feature
        groups.append(train_ranker.Group(rows, labels))
    model = train_ranker.fit(groups)
    assert int(np.argmax(np.abs(model.weights))) == 0 and model.weights[0] > 0
    assert train_ranker.figures(groups, model)["hit@1"] >= 95.0
    assert train_ranker.figures(groups, None)["hit@1"] < 50.0  # the given order is chance


def test_lambdamart_learns_the_same_from_the_same_groups():
    import numpy as np

    rng = np.random.default_rng(0)
    groups = []
    for _ in range(400):
        rows = rng.random((4, len(ranker.FEATURES)))
        labels = np.zeros(4)
        labels[int(np.argmax(rows[:, 0]))] = 1.0
        groups.append(train_ranker.Group(rows, labels))
    model = train_ranker.fit_lambdamart(groups, trees=50)
    assert train_ranker.figures(groups, model)["hit@1"] >= 90.0
    again = ranker.from_json(ranker.to_json(model, {}))
    assert np.allclose(again.scores(groups[0].rows), model.scores(groups[0].rows))


def test_the_short_confidence_is_the_lowest_that_keeps_the_exact_match():
    import numpy as np

    def group(sure: bool) -> train_ranker.Group:
        # A sure question: one strong candidate whose span is right; else an even split
        # between two candidates whose spans are wrong.
        rows = np.zeros((2, len(ranker.FEATURES)))
        rows[0, 0] = 5.0 if sure else 0.0
        span = "1921" if sure else "1066"
        return train_ranker.Group(rows, np.array([1.0, 0.0]), True, ("1921",), ((span,), ()))

    groups = [group(True)] * 3 + [group(False)] * 2
    linear = ranker.Linear(
        ranker.FEATURES,
        (0.0,) * len(ranker.FEATURES),
        (1.0,) * len(ranker.FEATURES),
        (1.0,) + (0.0,) * (len(ranker.FEATURES) - 1),
    )
    assert train_ranker.short_figures(groups, linear, 0.5) == {"shown": 100.0, "em": 60.0}
    assert train_ranker.short_figures(groups, linear, 0.55) == {"shown": 60.0, "em": 100.0}
    assert train_ranker.calibrated_confidence(groups, linear) == 0.55
