"""Extractive QA on human-written questions over news: newsbot against plain rank_bm25 and bm25s.

    python benchmarks/bench_qa.py --fetch                  # once, by hand: see "Data" below
    python benchmarks/bench_qa.py --split nyt --sample 2000 --seed 11 --json results.json

Data. SQuAD-Shifts (Miller, Krauth, Recht, Schmidt, ICML 2020): new SQuAD v1.1-style test
sets built with SQuAD's own crowdsourcing pipeline; the `nyt` split holds 10,056 questions
with gold answer spans over paragraphs of 797 New York Times articles (2015). Nobody on this
project wrote them. The files ship inside the PyPI source distribution of BIG-bench
(`bigbench==1.0.0`, bigbench/benchmark_tasks/squad_shifts/). `--fetch` pip-downloads that
sdist (no dependencies, nothing installed), checks its sha256 and extracts only the
squad_shifts JSON files into the cache folder (~/.cache/newsbot-bench, or $NEWSBOT_BENCH_CACHE).
Nothing of it enters the repository. `--data DIR` reads the JSON files from any folder
instead. Other splits: new_wiki, reddit, amazon_reviews, squaddev (the SQuAD v1.1 dev set).

Corpus. Every article of the split becomes one line of a .jsonl file in a temporary folder:
title = the article's headline (the URL's slug, for NYT), text = its paragraphs (the
dataset's contexts) separated by blank lines, publisher, date and URL. newsbot indexes it
through its real ingest (Engine.from_config, index.persist off). The baselines rank the
very same chunks that newsbot built, each indexed as headline + chunk text (what newsbot
indexes too), so the systems differ only in analysis, scoring and sentence choice:

- rank_bm25: BM25Okapi (defaults) over lower-cased `\\w+` tokens, no stop words, no stemming.
- bm25s: BM25() (defaults: "lucene") over bm25s.tokenize(stopwords="en", Snowball English
  stemmer), as its README shows.

A baseline's answers are its top chunks from three different articles (newsbot also gives
one answer per article); its "first snippet" is the sentence (project sentence rule,
retrieval/text/sentences.py) of its top chunk holding the most distinct query tokens in its
own tokenization, the earliest on a tie. A baseline abstains only when no chunk scores > 0.

Scoring. A question is a hit when any of its gold answers, after fold_key (case, accents and
punctuation off), appears as whole words in the folded snippet. hit@1: in the first answer;
recall@3: in one of the first three; passage@1: in the first answer's whole passage (the
chunk), which separates retrieval from sentence choice; false abstention: the system gave
no answer (every question here is answerable from the corpus); hit@1 named: hit@1 on the
questions that name something (a capitalised word past the first, or a digit), since many
crowd questions were written while reading one paragraph ("What was his job?"). Misses of
the first answer are split into: abstained, wrong article, right article but another
passage, and right passage but wrong sentence.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.answering.engine import Engine, QuestionError
from retrieval.config import Config
from retrieval.text.normalize import fold_key
from retrieval.text.sentences import sentence_spans

# The one registry package found to ship SQuAD-Shifts; pinned so the figures can be redone.
BIGBENCH = "bigbench==1.0.0"
BIGBENCH_SDIST = "bigbench-1.0.0.tar.gz"
BIGBENCH_SHA256 = "1bb398a5512c6d798cdebe0dfa0ac03f67f6033fa6b39c6ef71df978c7cbc5c2"
OLD_PIP = "pip<24.1"  # still downloads an sdist whose metadata names a file:// dependency
TASK_DIR = "bigbench/benchmark_tasks/squad_shifts/"
SPLITS = {
    "nyt": "nyt_v1.0.json",
    "new_wiki": "new_wiki_v1.0.json",
    "reddit": "reddit_v1.0.json",
    "amazon_reviews": "amazon_reviews_v1.0.json",
    "squaddev": "squaddev_v1.1.json",
}
PUBLISHERS = {"nyt": "The New York Times", "new_wiki": "Wikipedia", "squaddev": "Wikipedia"}
TOP = 3  # answers a reader sees; recall@3 counts them
BASELINE_DEPTH = 30  # chunks a baseline ranks to find three different articles
_NYT_URL = re.compile(r"nytimes\.com/(\d{4})/(\d{2})/(\d{2})/(?:[^/]+/)*([^/.]+)\.html")
_WORD = re.compile(r"\w+")


def cache_dir() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "newsbot-bench"
    return Path(os.environ.get("NEWSBOT_BENCH_CACHE", default))


def _download(cache: Path) -> None:
    """pip-download the sdist; pip >= 24 refuses it (its metadata names a file:// dependency),
    so on failure the download is redone by an older pip in a throwaway venv."""
    command = ["-m", "pip", "download", "--no-deps", "-d", str(cache), BIGBENCH]
    if subprocess.run([sys.executable, *command], check=False).returncode == 0:
        return
    with tempfile.TemporaryDirectory(prefix="newsbot-pip-") as tmp:
        python = Path(tmp) / "bin" / "python"
        subprocess.run([sys.executable, "-m", "venv", tmp], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", OLD_PIP], check=True)
        subprocess.run([python, *command], check=True)


def fetch(cache: Path) -> Path:
    """Download the pinned BIG-bench sdist from PyPI and extract only SQuAD-Shifts."""
    cache.mkdir(parents=True, exist_ok=True)
    sdist = cache / BIGBENCH_SDIST
    if not sdist.exists():
        _download(cache)
    digest = hashlib.sha256()
    with sdist.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != BIGBENCH_SHA256:
        raise SystemExit(f"{sdist}: sha256 {digest.hexdigest()} is not {BIGBENCH_SHA256}")
    out = cache / "squad_shifts"
    out.mkdir(exist_ok=True)
    wanted = set(SPLITS.values())
    with tarfile.open(sdist, "r:gz") as tar:
        for member in tar:
            name = member.name.rsplit("/", 1)[-1]
            if TASK_DIR in member.name and name in wanted and member.isfile():
                source = tar.extractfile(member)
                assert source is not None
                (out / name).write_bytes(source.read())
    print(f"SQuAD-Shifts files in {out}: {sorted(p.name for p in out.glob('*.json'))}")
    return out


# -- the dataset -------------------------------------------------------------------------


@dataclass(frozen=True)
class Doc:
    headline: str
    url: str
    published: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    golds: tuple[str, ...]
    doc: int
    context: str


def _describe(title: str, split: str) -> tuple[str, str, str]:
    """(headline, url, published) for a dataset article title."""
    m = _NYT_URL.search(title)
    if m:
        year, month, day, slug = m.groups()
        words = slug.replace("-", " ")
        return words[:1].upper() + words[1:], title, f"{year}-{month}-{day}"
    if title.startswith("http"):
        return title, title, ""
    name = title.replace("_", " ")
    url = f"https://en.wikipedia.org/wiki/{title}" if "wiki" in split else f"{split}:{title}"
    return name, url, ""


def load(path: Path, split: str) -> tuple[list[Doc], list[Question]]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    docs: list[Doc] = []
    questions: list[Question] = []
    seen_urls: dict[str, int] = {}
    for article in data:
        headline, url, published = _describe(article.get("title", "").strip(), split)
        if url in seen_urls:  # keep every article distinct, whatever the titles
            seen_urls[url] += 1
            url = f"{url}#{seen_urls[url]}"
        else:
            seen_urls[url] = 0
        paragraphs = tuple(" ".join(p["context"].split()) for p in article["paragraphs"])
        for p, context in zip(article["paragraphs"], paragraphs, strict=True):
            for qa in p["qas"]:
                golds = tuple(a["text"].strip() for a in qa["answers"] if a["text"].strip())
                if golds and qa["question"].strip():
                    questions.append(
                        Question(qa["id"], qa["question"].strip(), golds, len(docs), context)
                    )
        docs.append(Doc(headline, url, published, paragraphs))
    return docs, questions


def draw(questions: list[Question], n: int, seed: int, holdout: bool) -> list[Question]:
    """n questions drawn with `seed`; with `holdout`, n others that draw never gives."""
    if not 0 < n < len(questions):
        return questions
    sample = random.Random(seed).sample(questions, n)
    if not holdout:
        return sample
    taken = {q.id for q in sample}
    rest = [q for q in questions if q.id not in taken]
    return random.Random(seed + 1).sample(rest, min(n, len(rest)))


def write_corpus(docs: Sequence[Doc], folder: Path, split: str) -> None:
    lines = [
        json.dumps(
            {
                "title": d.headline,
                "text": "\n\n".join(d.paragraphs),
                "publisher": PUBLISHERS.get(split, split),
                "published": d.published,
                "url": d.url,
            },
            ensure_ascii=False,
        )
        for d in docs
    ]
    (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- what a system shows -----------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    snippet: str  # what the reader reads first
    passage: str  # the chunk it came from
    doc: int  # dataset article index (-1: not found)


def contains(haystack: str, golds: Sequence[str]) -> bool:
    """Any gold answer, folded, appears as whole words in the folded text."""
    text = f" {fold_key(haystack)} "
    return any(f" {g} " in text for g in (fold_key(x) for x in golds) if g)


def best_sentence(text: str, query: set[str], tokenize: Callable[[str], list[str]]) -> str:
    """The sentence holding the most distinct query tokens; the earliest on a tie."""
    best, best_n = "", -1
    for a, b in sentence_spans(text):
        n = len(query & set(tokenize(text[a:b])))
        if n > best_n:
            best, best_n = text[a:b], n
    return best


class Baseline:
    """A plain BM25 library over newsbot's own chunks (headline + text per chunk)."""

    def __init__(
        self,
        name: str,
        chunks: Sequence[tuple[int, str, str]],  # (doc, headline, text)
        tokenize: Callable[[str], list[str]],
        build: Callable[[list[list[str]]], object],
        rank: Callable[[object, list[str], int], list[tuple[int, float]]],
    ) -> None:
        self.name, self.chunks, self.tokenize, self.rank = name, chunks, tokenize, rank
        self.model = build([tokenize(f"{h} {t}") for _, h, t in chunks])

    def answers(self, question: str) -> list[Shown]:
        tokens = self.tokenize(question)
        if not tokens:
            return []
        shown: list[Shown] = []
        docs: set[int] = set()
        for i, score in self.rank(self.model, tokens, BASELINE_DEPTH):
            doc, _, text = self.chunks[i]
            if score <= 0 or doc in docs:
                continue
            docs.add(doc)
            shown.append(Shown(best_sentence(text, set(tokens), self.tokenize), text, doc))
            if len(shown) == TOP:
                break
        return shown


def rank_bm25_baseline(chunks: Sequence[tuple[int, str, str]]) -> Baseline:
    import numpy as np
    from rank_bm25 import BM25Okapi

    def tokenize(text: str) -> list[str]:
        return _WORD.findall(text.lower())

    def rank(model: object, tokens: list[str], k: int) -> list[tuple[int, float]]:
        scores = model.get_scores(tokens)  # type: ignore[attr-defined]
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(i), float(scores[i])) for i in top]

    return Baseline("rank_bm25", chunks, tokenize, BM25Okapi, rank)


def bm25s_baseline(chunks: Sequence[tuple[int, str, str]]) -> Baseline:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")

    def tokenize(text: str) -> list[str]:
        return bm25s.tokenize(
            [text], stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False
        )[0]

    def build(docs: list[list[str]]) -> object:
        model = bm25s.BM25()
        model.index(docs, show_progress=False)
        return model

    def rank(model: object, tokens: list[str], k: int) -> list[tuple[int, float]]:
        known = [t for t in tokens if t in model.vocab_dict]  # type: ignore[attr-defined]
        if not known:
            return []
        ids, scores = model.retrieve([known], k=k, show_progress=False)  # type: ignore[attr-defined]
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True)]

    return Baseline("bm25s", chunks, tokenize, build, rank)


# -- scoring -----------------------------------------------------------------------------


def names_something(question: str) -> bool:
    """A capitalised word past the first, or a digit: a question that can find its article.

    Many crowd questions were written while reading one paragraph ("What was his job?");
    no system can place those in a whole corpus, so the figure is also given without them.
    """
    return any(w[:1].isupper() for w in question.split()[1:]) or any(c.isdigit() for c in question)


CATEGORIES = (
    "abstained",
    "wrong article",
    "right article, other passage",
    "right passage, wrong sentence",
)


@dataclass
class Tally:
    name: str
    n: int = 0
    hit1: int = 0
    hit3: int = 0
    passage1: int = 0
    abstained: int = 0
    named: int = 0  # questions that name something (see names_something)
    named_hit1: int = 0
    misses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    examples: list[dict] = field(default_factory=list)

    def add(self, q: Question, shown: Sequence[Shown]) -> None:
        self.n += 1
        named = names_something(q.text)
        self.named += named
        if not shown:
            self.abstained += 1
            self._miss("abstained", q, None)
            return
        first = shown[0]
        self.hit3 += any(contains(s.snippet, q.golds) for s in shown[:TOP])
        self.passage1 += contains(first.passage, q.golds)
        if contains(first.snippet, q.golds):
            self.hit1 += 1
            self.named_hit1 += named
        elif contains(first.passage, q.golds):
            self._miss("right passage, wrong sentence", q, first)
        elif first.doc == q.doc:
            self._miss("right article, other passage", q, first)
        else:
            self._miss("wrong article", q, first)

    def _miss(self, category: str, q: Question, first: Shown | None) -> None:
        self.misses[category] += 1
        self.examples.append(
            {
                "category": category,
                "id": q.id,
                "question": q.text,
                "gold": list(dict.fromkeys(q.golds)),
                "shown": first.snippet if first else None,
                "gold_context": q.context,
                "shown_passage": first.passage if first else None,
            }
        )

    def row(self) -> dict:
        pct = lambda k: round(100 * k / self.n, 1) if self.n else 0.0  # noqa: E731
        missed = self.n - self.hit1
        return {
            "system": self.name,
            "questions": self.n,
            "hit@1": pct(self.hit1),
            "recall@3": pct(self.hit3),
            "passage@1": pct(self.passage1),
            "false_abstention": pct(self.abstained),
            "named_questions": self.named,
            "named_hit@1": round(100 * self.named_hit1 / self.named, 1) if self.named else 0.0,
            "misses": {
                c: {"count": k, "share_of_misses": round(100 * k / missed, 1) if missed else 0.0}
                for c, k in self.misses.items()
            },
        }


def newsbot_answers(engine: Engine, doc_of_url: dict[str, int]) -> Callable[[str], list[Shown]]:
    def ask(question: str) -> list[Shown]:
        try:
            reply = engine.ask(question)
        except QuestionError:
            return []
        return [
            Shown(a.text, a.passage, doc_of_url.get(a.source.url or "", -1)) for a in reply.answers
        ]

    return ask


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(Path(__file__).resolve().parent), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fetch", action="store_true", help="download and extract the data, then exit")
    ap.add_argument("--data", type=Path, help="folder with the SQuAD-Shifts JSON files")
    ap.add_argument("--split", choices=sorted(SPLITS), default="nyt")
    ap.add_argument("--sample", type=int, default=2000, help="questions to ask (0: all)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument(
        "--holdout",
        action="store_true",
        help="ask a second sample, disjoint from the one --seed draws (kept from tuning)",
    )
    ap.add_argument("--systems", default="newsbot,rank_bm25,bm25s")
    ap.add_argument("--examples", type=int, default=8, help="newsbot misses to print")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--misses", type=Path, help="write every newsbot miss here (.jsonl)")
    args = ap.parse_args(argv)

    if args.fetch:
        fetch(cache_dir())
        return
    folder = args.data or cache_dir() / "squad_shifts"
    path = folder / SPLITS[args.split]
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `python {sys.argv[0]} --fetch` first")
    docs, questions = load(path, args.split)
    sample = draw(questions, args.sample, args.seed, args.holdout)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]

    with tempfile.TemporaryDirectory(prefix="newsbot-qa-") as tmp:
        write_corpus(docs, Path(tmp), args.split)
        config = Config().with_corpus(tmp)
        config = dataclasses.replace(config, index=dataclasses.replace(config.index, persist=False))
        t0 = time.perf_counter()
        engine = Engine.from_config(config)
        build_s = time.perf_counter() - t0
    doc_of_url = {d.url: i for i, d in enumerate(docs)}
    article_doc = [doc_of_url.get(a.url, -1) for a in engine.backend.articles]
    chunks = [
        (article_doc[c.article], engine.backend.articles[c.article].headline, c.text)
        for c in engine.backend.chunks
    ]
    by_doc: dict[int, list[str]] = {}
    for doc, _, text in chunks:
        by_doc.setdefault(doc, []).append(text)
    held = ", held out" if args.holdout else ""
    in_corpus = sum(any(contains(t, q.golds) for t in by_doc.get(q.doc, ())) for q in sample)
    print(
        f"SQuAD-Shifts {args.split}: {len(docs)} articles ({len(engine.backend.articles)} indexed, "
        f"{len(engine.backend.chunks)} chunks, built in {build_s:.1f} s); asking {len(sample)} of "
        f"{len(questions)} questions (seed {args.seed}{held}); a gold answer is in the indexed "
        f"text of the question's article for {in_corpus}; commit {git_commit()[:12]}"
    )

    makers: dict[str, Callable[[], Callable[[str], list[Shown]]]] = {
        "newsbot": lambda: newsbot_answers(engine, doc_of_url),
        "rank_bm25": lambda: rank_bm25_baseline(chunks).answers,
        "bm25s": lambda: bm25s_baseline(chunks).answers,
    }
    tallies: list[Tally] = []
    timings: dict[str, float] = {}
    for name in systems:
        ask = makers[name]()
        tally = Tally(name)
        t0 = time.perf_counter()
        for q in sample:
            tally.add(q, ask(q.text))
        timings[name] = time.perf_counter() - t0
        tallies.append(tally)

    print()
    print("| system | hit@1 | recall@3 | passage@1 | false abstention | hit@1 named | s |")
    print("|---|---|---|---|---|---|---|")
    for t in tallies:
        r = t.row()
        print(
            f"| {t.name} | {r['hit@1']}% | {r['recall@3']}% | {r['passage@1']}% | "
            f"{r['false_abstention']}% | {r['named_hit@1']}% | {timings[t.name]:.1f} |"
        )
    if tallies:
        print(
            f"hit@1 named: on the {tallies[0].named} questions that name something "
            "(a capitalised word past the first, or a digit)"
        )
    for t in tallies:
        missed = t.n - t.hit1
        parts = ", ".join(f"{c} {k} ({100 * k / missed:.0f}%)" for c, k in t.misses.items())
        print(f"\n{t.name} misses of the first answer ({missed}): {parts}")
    if "newsbot" in systems and args.examples:
        ex = next(t for t in tallies if t.name == "newsbot").examples
        picks = random.Random(args.seed).sample(ex, min(args.examples, len(ex)))
        print("\nnewsbot misses (sample):")
        for e in picks:
            print(
                f"- [{e['category']}] Q: {e['question']}\n"
                f"  gold: {e['gold']}\n  shown: {e['shown']}"
            )

    result = {
        "dataset": f"SQuAD-Shifts {args.split} (from PyPI {BIGBENCH})",
        "commit": git_commit(),
        "date": time.strftime("%Y-%m-%d"),
        "seed": args.seed,
        "holdout": args.holdout,
        "questions": len(sample),
        "of": len(questions),
        "articles": len(docs),
        "chunks": len(engine.backend.chunks),
        "rows": [t.row() | {"seconds": round(timings[t.name], 1)} for t in tallies],
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.misses and "newsbot" in systems:
        ex = next(t for t in tallies if t.name == "newsbot").examples
        args.misses.write_text(
            "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in ex), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
