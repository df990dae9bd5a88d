"""`newsbot` on the command line: ask, search, sources, eval.

Exit codes: 0 when a command ran (an abstention included), 2 for a usage,
config, corpus or question error, reported in one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from retrieval.config import Config, ConfigError, load_config
from retrieval.encoding import EncodingError
from retrieval.engine import Engine, QuestionError
from retrieval.evaluation import EvalFileError, evaluate, load_cases
from retrieval.ingest import CorpusError
from retrieval.render import (
    hit_json,
    hits_text,
    reply_json,
    reply_text,
    sources_text,
    summary_text,
)

USER_ERRORS = (ConfigError, CorpusError, EncodingError, QuestionError, EvalFileError)


class CommandError(Exception):
    """A problem the user can fix: printed as one line on stderr, exit code 2."""

    exit_code = 2


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="config file (default: $NEWSBOT_CONFIG or ./config.yaml)")
    parser.add_argument("--corpus", help="corpus folder (overrides the config's corpus)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")


AddCommands = Callable[[argparse._SubParsersAction], None]


def build_parser(*extensions: AddCommands) -> argparse.ArgumentParser:
    """The `newsbot` parser; `extensions` add commands (the bot adds serve and sync)."""
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Answer questions about a folder of news articles, with sources.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer a question (or one per stdin line with --json)")
    ask.add_argument("question", nargs="?", help="the question; omit with --json to read stdin")
    ask.add_argument("--json", action="store_true", help="JSON output, one object per question")
    ask.add_argument("--publisher", help="only answer from this publisher")
    ask.set_defaults(run=cmd_ask)

    search = sub.add_parser("search", help="ranked passages with scores and sources")
    search.add_argument("query")
    search.add_argument("--top", type=int, default=5, help="how many passages (default 5)")
    search.add_argument("--publisher", help="only passages from this publisher")
    search.add_argument("--json", action="store_true", help="JSON output")
    search.set_defaults(run=cmd_search)

    sources = sub.add_parser("sources", help="the articles indexed")
    sources.add_argument("--publisher", help="only this publisher's articles")
    sources.set_defaults(run=cmd_sources)

    index = sub.add_parser("index", help="(re)build the saved index, re-reading only what changed")
    index.set_defaults(run=cmd_index)

    ev = sub.add_parser("eval", help="score a golden question file")
    ev.add_argument("questions", type=Path, help="YAML list of {question, expect|abstain}")
    ev.set_defaults(run=cmd_eval)

    for extend in extensions:
        extend(sub)
    for sp in sub.choices.values():
        _common(sp)
    return parser


def cmd_ask(args: argparse.Namespace, config: Config) -> int:
    if args.question is None and not args.json:
        raise CommandError("ask needs a QUESTION (or --json to read questions from stdin)")
    engine = Engine.from_config(config)
    if args.question is not None:
        reply = engine.ask(args.question, args.publisher)
        if args.json:
            print(json.dumps(reply_json(reply), ensure_ascii=False))
        else:
            print(reply_text(reply, ansi=sys.stdout.isatty()))
        return 0
    for line in sys.stdin:
        question = line.strip()
        if not question:
            continue
        try:
            out = reply_json(engine.ask(question, args.publisher))
        except QuestionError as exc:
            out = {"question": question, "answered": False, "answers": [], "error": str(exc)}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


def cmd_search(args: argparse.Namespace, config: Config) -> int:
    if args.top < 1:
        raise CommandError("--top must be at least 1")
    hits = Engine.from_config(config).search(args.query, args.top, args.publisher)
    if args.json:
        for hit in hits:
            print(json.dumps(hit_json(hit), ensure_ascii=False))
    else:
        print(hits_text(hits))
    return 0


def cmd_sources(args: argparse.Namespace, config: Config) -> int:
    print(sources_text(Engine.from_config(config).sources(args.publisher)))
    return 0


class ProgressLine:
    """A one-line progress bar on a terminal; a log line every few seconds elsewhere."""

    def __init__(self, stream=None, interval: float = 5.0) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.monotonic()
        self.last = 0.0
        self.interval = interval

    def __call__(self, done: int, total: int, chunks: int) -> None:
        now = time.monotonic()
        elapsed = max(now - self.start, 1e-9)
        finished = done == total
        if not finished and now - self.last < (0.1 if self.tty else self.interval):
            return
        self.last = now
        rate = chunks / elapsed
        if self.tty:
            width = 30
            filled = int(width * done / max(total, 1))
            bar = "#" * filled + "-" * (width - filled)
            end = "\n" if finished else ""
            self.stream.write(
                f"\r[{bar}] {done}/{total} files · {chunks} chunks · {rate:,.0f} chunks/s{end}"
            )
            self.stream.flush()
        else:
            print(
                f"newsbot: indexed {done}/{total} files, {chunks} chunks, {rate:,.0f} chunks/s",
                file=self.stream,
                flush=True,
            )


def cmd_index(args: argparse.Namespace, config: Config) -> int:
    started = time.monotonic()
    engine = Engine.from_config(config, progress=ProgressLine())
    where = config.index.path if config.index.persist else "memory (index.persist is false)"
    print(
        f"{len(engine.articles)} articles, {len(engine.chunks)} chunks, "
        f"{len(engine.skipped)} skipped; index in {where} "
        f"({time.monotonic() - started:.1f} s)"
    )
    return 0


def cmd_eval(args: argparse.Namespace, config: Config) -> int:
    cases = load_cases(args.questions)
    engine = Engine.from_config(config)
    print(summary_text(evaluate(cases, engine.ask)))
    return 0


def main(argv: Sequence[str] | None = None, *extensions: AddCommands) -> int:
    args = build_parser(*extensions).parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="newsbot: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        config = load_config(args.config)
        if args.corpus:
            config = config.with_corpus(args.corpus)
        return args.run(args, config)
    except (*USER_ERRORS, CommandError) as exc:
        print(f"newsbot: error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    except BrokenPipeError:
        # The reader went away (`newsbot ask … | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
