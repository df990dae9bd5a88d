"""`newsbot` on the command line: ask, search, sources, latest, index, eval; serve, sync, health.

Discord is imported only by the commands that talk to it (serve, sync), so
`newsbot ask` starts without discord.py or aiohttp. Exit codes: 0 when a
command ran (an abstention included), 2 for a usage, config, corpus or
question error, 1 when Discord is unreachable; reported in one line on stderr.
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

from tqdm import tqdm

from cli.evaluation import evaluate, load_cases
from cli.terminal import (
    article_json,
    correction_text,
    hit_json,
    hits_text,
    latest_text,
    reply_json,
    reply_text,
    sources_text,
    summary_text,
)
from retrieval.answering.engine import Engine, Filters
from retrieval.answering.filters import parse_filters
from retrieval.config import BACKENDS, Config, load_config
from retrieval.errors import UserError
from retrieval.index import store
from retrieval.index.backends.embedded import EmbeddedBackend
from retrieval.index.backends.opening import write_shards
from retrieval.models import mark_up


class CommandError(UserError):
    """A wrong combination of command-line arguments."""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="config file (default: $NEWSBOT_CONFIG or ./config.yaml)")
    parser.add_argument("--corpus", help="corpus folder (overrides the config's corpus)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")


def _filters(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--publisher", help=f"only {what} from this publisher")
    parser.add_argument(
        "--since", metavar="WHEN", help="only articles dated from WHEN: 2025-07-06, 7d, 24h"
    )
    parser.add_argument(
        "--until", metavar="WHEN", help="only articles dated before WHEN (a bare day included)"
    )


def filters_of(args: argparse.Namespace) -> Filters:
    return parse_filters(args.publisher, args.since, args.until)


def undated_note(engine: Engine, filters: Filters) -> str:
    """What replies say when a date filter left undated articles out ("" when none)."""
    n = engine.undated_left_out(filters)
    return f"({n} undated article{'s' * (n != 1)} left out by the date filter)" if n else ""


def build_parser() -> argparse.ArgumentParser:
    """The `newsbot` parser: every command, each with its handler as `run`."""
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Answer questions about a folder of news articles, with sources.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer a question (or one per stdin line with --json)")
    ask.add_argument("question", nargs="?", help="the question; omit with --json to read stdin")
    ask.add_argument("--json", action="store_true", help="JSON output, one object per question")
    _filters(ask, "answers")
    ask.set_defaults(run=cmd_ask)

    search = sub.add_parser("search", help="ranked passages with scores and sources")
    search.add_argument("query")
    search.add_argument("--top", type=int, default=5, help="how many passages (default 5)")
    _filters(search, "passages")
    search.add_argument("--json", action="store_true", help="JSON output")
    search.set_defaults(run=cmd_search)

    sources = sub.add_parser("sources", help="the articles indexed")
    _filters(sources, "articles")
    sources.set_defaults(run=cmd_sources)

    latest = sub.add_parser("latest", help="the newest articles, optionally on a topic")
    latest.add_argument("query", nargs="?", help="only articles about this (optional)")
    latest.add_argument("--count", type=int, default=10, help="how many articles (default 10)")
    _filters(latest, "articles")
    latest.add_argument("--json", action="store_true", help="JSON output, one article per line")
    latest.set_defaults(run=cmd_latest)

    index = sub.add_parser("index", help="(re)build the saved index, re-reading only what changed")
    index.add_argument(
        "--backend",
        choices=BACKENDS,
        help="embedded (saved under index.path) or xapian (writes xapian.shards); "
        "default: the config's backend",
    )
    index.set_defaults(run=cmd_index)

    ev = sub.add_parser("eval", help="score a golden question file")
    ev.add_argument("questions", type=Path, help="YAML list of {question, expect|abstain}")
    ev.add_argument(
        "--fail-under",
        type=_fraction,
        metavar="HIT1",
        help="exit 1 when hit@1, as a fraction of the answerable questions (0-1), is below this",
    )
    ev.set_defaults(run=cmd_eval)

    serve = sub.add_parser("serve", help="run the Discord bot (token from $DISCORD_TOKEN)")
    serve.set_defaults(run=cmd_serve)
    sync = sub.add_parser("sync", help="register the slash commands with Discord, then exit")
    sync.set_defaults(run=cmd_sync)
    check = sub.add_parser("health", help="exit 0 if the running bot is healthy (heartbeat)")
    check.set_defaults(run=cmd_health)

    for sp in sub.choices.values():
        _common(sp)
    return parser


def cmd_ask(args: argparse.Namespace, config: Config) -> int:
    if args.question is None and not args.json:
        raise CommandError("ask needs a QUESTION (or --json to read questions from stdin)")
    filters = filters_of(args)
    engine = Engine.from_config(config)
    undated = engine.undated_left_out(filters)
    extra = {"undated_left_out": undated} if filters.dated else {}
    if args.question is not None:
        reply = engine.ask(args.question, filters)
        if args.json:
            print(json.dumps({**reply_json(reply), **extra}, ensure_ascii=False))
        else:
            note = undated_note(engine, filters)
            print(reply_text(reply, ansi=sys.stdout.isatty()) + (f"\n\n{note}" if note else ""))
        return 0
    for line in sys.stdin:
        question = line.strip()
        if not question:
            continue
        try:
            out = {**reply_json(engine.ask(question, filters)), **extra}
        except UserError as exc:  # a question it cannot use, or the archive unavailable
            out = {"question": question, "answered": False, "answers": [], "error": str(exc)}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


def cmd_search(args: argparse.Namespace, config: Config) -> int:
    if args.top < 1:
        raise CommandError("--top must be at least 1")
    filters = filters_of(args)
    engine = Engine.from_config(config)
    query = engine.analyse(args.query)
    hits = engine.search(query, args.top, filters)
    note = undated_note(engine, filters)
    if args.json:
        for hit in hits:
            print(json.dumps(hit_json(hit), ensure_ascii=False))
        if note:
            print(f"newsbot: {note}", file=sys.stderr)
    else:
        correction = correction_text(
            mark_up(query.corrected, query.corrected_marks) if query.corrected else None,
            sys.stdout.isatty(),
        )
        text = hits_text(hits) + (f"\n\n{note}" if note else "")
        print(f"{correction}\n\n{text}" if correction else text)
    return 0


def cmd_sources(args: argparse.Namespace, config: Config) -> int:
    filters = filters_of(args)
    engine = Engine.from_config(config)
    note = undated_note(engine, filters)
    print(sources_text(engine.sources(filters)) + (f"\n\n{note}" if note else ""))
    return 0


def cmd_latest(args: argparse.Namespace, config: Config) -> int:
    if args.count < 1:
        raise CommandError("--count must be at least 1")
    filters = filters_of(args)
    engine = Engine.from_config(config)
    articles = engine.latest(args.query, args.count, filters)
    undated = engine.undated(filters)
    if args.json:
        for article in articles:
            print(json.dumps(article_json(article), ensure_ascii=False))
    else:
        print(latest_text(articles, undated))
    return 0


def _progress_bar() -> Callable[[int, int, int], None]:
    """A tqdm bar on a terminal (silent when stderr is not one): files done, chunks so far."""
    bar = tqdm(total=0, unit="file", disable=None, file=sys.stderr, leave=True)

    def update(done: int, total: int, chunks: int) -> None:
        bar.total = total
        bar.set_postfix(chunks=chunks, refresh=False)
        bar.update(done - bar.n)

    return update


def cmd_index(args: argparse.Namespace, config: Config) -> int:
    started = time.monotonic()
    if (args.backend or config.backend) == "xapian":
        if not config.xapian.shards:
            raise CommandError("--backend xapian needs xapian.shards in the config")
        embedded, reports = write_shards(config, progress=_progress_bar())
        for r in reports:
            print(f"shard {r.address}: {r.written} files written, {r.removed} removed, ", end="")
            print(f"{r.chunks} chunks")
        print(
            f"{len(embedded.articles)} articles, {len(embedded.chunks)} chunks, "
            f"{len(embedded.skipped)} skipped; {len(reports)} shards "
            f"({time.monotonic() - started:.1f} s)"
        )
        return 0
    embedded = EmbeddedBackend.open(config, progress=_progress_bar())
    embedded.settle()  # a merge the update started finishes before the command ends
    where = (
        store.location(config.index.path, config.corpus)
        if config.index.persist
        else "memory (index.persist is false)"
    )
    print(
        f"{len(embedded.articles)} articles, {len(embedded.chunks)} chunks, "
        f"{len(embedded.skipped)} skipped; index in {where} "
        f"({time.monotonic() - started:.1f} s)"
    )
    return 0


def _fraction(text: str) -> float:
    """A share from 0 to 1 (hit@1 of 11 of 12 questions is 0.917)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction from 0 to 1, got {text!r}")
    return value


def cmd_eval(args: argparse.Namespace, config: Config) -> int:
    cases = load_cases(args.questions)
    engine = Engine.from_config(config)
    summary = evaluate(cases, engine.ask)
    print(summary_text(summary))
    if args.fail_under is None:
        return 0
    answerable = len(summary.answerable)
    rate = summary.hits_at_1 / answerable if answerable else 1.0
    if rate < args.fail_under:
        print(
            f"newsbot: hit@1 {rate:.3f} ({summary.hits_at_1}/{answerable}) is below "
            f"--fail-under {args.fail_under}",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    from bot.run import serve  # Discord only for the commands that need it

    return serve(config)


def cmd_sync(args: argparse.Namespace, config: Config) -> int:
    from bot.run import sync

    return sync(config)


def cmd_health(args: argparse.Namespace, config: Config) -> int:
    from bot import health

    healthy, why = health.check(config.index.path / health.HEARTBEAT_FILE, time.time())
    print(why)
    return 0 if healthy else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
    except UserError as exc:
        print(f"newsbot: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (`newsbot ask … | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
