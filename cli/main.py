"""`newsbot` on the command line: ask, search, sources, latest, index, eval; follow, digest,
timeline, chat; serve, sync, health.

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
from importlib import metadata
from pathlib import Path

from tqdm import tqdm

from cli.evaluation import evaluate, load_cases
from cli.following import (
    alert_json,
    alert_text,
    digest_json,
    digest_text,
    reading_text,
    timeline_json,
    timeline_text,
)
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
    undated_unlisted,
)
from retrieval.answering.engine import Engine, Filters
from retrieval.answering.filters import parse_filters
from retrieval.answering.fragments import fragment
from retrieval.config import BACKENDS, Config, load_config
from retrieval.errors import UserError
from retrieval.index import store
from retrieval.index.backends.embedded import EmbeddedBackend
from retrieval.index.backends.opening import write_shards
from retrieval.models import mark_up
from retrieval.news.alerts import Alert, collect
from retrieval.news.digest import digest
from retrieval.news.followup import Conversation
from retrieval.news.followup import ask as ask_in_conversation
from retrieval.news.store import CLI_STORE_FILE, Store
from retrieval.news.timeline import timeline
from retrieval.reading.ingest import CorpusError, readable_types


class CommandError(UserError):
    """A wrong combination of command-line arguments."""


# Global options are accepted before or after the subcommand (`newsbot --corpus news
# search pool` and `newsbot search pool --corpus news`). The top-level parser holds their
# defaults; each subcommand's copy defaults to SUPPRESS, so one given before the
# subcommand is not reset by the subcommand's parser.
def _global_options(parser: argparse.ArgumentParser, top: bool, corpus: bool = True) -> None:
    keep = {} if top else {"default": argparse.SUPPRESS}
    parser.add_argument(
        "--config", help="config file (default: $NEWSBOT_CONFIG or ./config.yaml)", **keep
    )
    if corpus:
        parser.add_argument(
            "--corpus",
            metavar="FOLDER",
            help="the news folder (overrides the config's corpus); newsbot reads "
            + readable_types(),
            **keep,
        )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log progress to stderr",
        **({"default": False} if top else keep),
    )


def _parent(corpus: bool = True) -> argparse.ArgumentParser:
    """The options every subcommand takes (`health` reads no corpus, so has no --corpus)."""
    parent = argparse.ArgumentParser(add_help=False)
    _global_options(parent, top=False, corpus=corpus)
    return parent


def _listing_parent() -> argparse.ArgumentParser:
    """What every listing command takes: --json and the publisher and date filters."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--json",
        action="store_true",
        help="JSON output: one object per line, sources as in docs/json.md",
    )
    parent.add_argument(
        "--publisher",
        metavar="NAME",
        help="only from this publisher (a prefix, part or misspelling of its name will do)",
    )
    parent.add_argument(
        "--since",
        metavar="WHEN",
        help="only articles dated from WHEN: a date (2025-07-06, 2025-07-06T14:00Z) or an "
        "age in minutes, hours, days or weeks (30m, 24h, 7d, 2w)",
    )
    parent.add_argument(
        "--until",
        metavar="WHEN",
        help="only articles dated before WHEN, as for --since (a bare day is included whole)",
    )
    return parent


def command(
    sub: argparse._SubParsersAction,
    name: str,
    summary: str,
    run: Callable[[argparse.Namespace, Config], int],
    *,
    listing: bool = False,
    corpus: bool = True,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """A subcommand with the shared grammar: global options, and --json and filters when it
    lists articles. New commands get all of it by being made here."""
    parents = [_parent(corpus)] + ([_listing_parent()] if listing else [])
    parser = sub.add_parser(name, help=summary, description=description or summary, parents=parents)
    parser.set_defaults(run=run, reads_corpus=corpus)
    return parser


def filters_of(args: argparse.Namespace) -> Filters:
    return parse_filters(args.publisher, args.since, args.until)


def undated_note(engine: Engine, filters: Filters) -> str:
    """What replies say when a date filter left undated articles out ("" when none)."""
    n = engine.undated_left_out(filters)
    return f"({n} undated article{'s' * (n != 1)} left out by the date filter)" if n else ""


def _version() -> str:
    try:
        return metadata.version("newsbot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The `newsbot` parser: every command, each with its handler as `run`."""
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Answer questions about a folder of news articles, with sources.",
        epilog="Global options (--config, --corpus, -v) go before or after the command. "
        "`newsbot COMMAND --help` shows a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"newsbot {_version()}")
    _global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = command(
        sub, "ask", "answer a question (or one per stdin line with --json)", cmd_ask, listing=True
    )
    ask.add_argument(
        "question",
        nargs="?",
        help="the question; omit it with --json to answer one question per stdin line",
    )

    search = command(
        sub, "search", "the passages that match, with their sources", cmd_search, listing=True
    )
    search.add_argument("query", help="the words to look for (typos are corrected)")
    search.add_argument("--top", type=int, default=5, help="how many passages (default 5)")

    command(sub, "sources", "the articles indexed", cmd_sources, listing=True)

    latest = command(
        sub, "latest", "the newest articles, optionally on a topic", cmd_latest, listing=True
    )
    latest.add_argument("query", nargs="?", help="only articles about this (optional)")
    latest.add_argument("--count", type=int, default=10, help="how many articles (default 10)")

    index = command(
        sub,
        "index",
        "(re)build the saved index, re-reading only what changed",
        cmd_index,
        description="Build or refresh the saved index (by default in $XDG_CACHE_HOME/newsbot, "
        "else ~/.cache/newsbot; index.path in the config), re-reading only what changed.",
    )
    index.add_argument(
        "--backend",
        choices=BACKENDS,
        help="embedded (saved under index.path) or xapian (writes xapian.shards); "
        "default: the config's backend",
    )

    ev = command(sub, "eval", "score a golden question file", cmd_eval)
    ev.add_argument("questions", type=Path, help="YAML list of {question, expect|abstain}")
    ev.add_argument(
        "--fail-under",
        type=_fraction,
        metavar="HIT1",
        help="exit 1 when hit@1, as a fraction of the answerable questions (0-1), is below this",
    )

    follow = command(
        sub,
        "follow",
        "print new articles on a topic as the corpus folder changes (Ctrl-C stops)",
        cmd_follow,
    )
    follow.add_argument("topic", help="what to follow, e.g. 'Kelvin Bridge'")
    follow.add_argument("--json", action="store_true", help="JSON output, one object per alert")
    follow.add_argument(
        "--interval",
        type=float,
        metavar="SECONDS",
        help="how often to look at the folder (default: index.poll_seconds)",
    )
    follow.add_argument("--count", type=int, help="stop after this many alerts")

    digest = command(sub, "digest", "the period's stories, one entry per story", cmd_digest)
    digest.add_argument(
        "--since",
        metavar="WHEN",
        default="24h",
        help="from WHEN: a date (2025-07-06) or an age (30m, 24h, 7d, 2w); default 24h",
    )
    digest.add_argument("--until", metavar="WHEN", help="before WHEN (default: now)")
    digest.add_argument("--json", action="store_true", help="JSON output")

    timeline = command(sub, "timeline", "the dated articles on a topic, oldest first", cmd_timeline)
    timeline.add_argument("topic", help="the story, e.g. 'night trams'")
    timeline.add_argument("--json", action="store_true", help="JSON output")

    chat = command(sub, "chat", "questions line by line; follow-ups keep the context", cmd_chat)
    chat.add_argument("--json", action="store_true", help="JSON output, one object per question")

    token = "the token from $DISCORD_TOKEN, or from the file $DISCORD_TOKEN_FILE names"
    command(
        sub,
        "serve",
        "run the Discord bot (token from $DISCORD_TOKEN or $DISCORD_TOKEN_FILE)",
        cmd_serve,
        description=f"Log in to Discord and answer until stopped; {token}.",
    )
    command(
        sub,
        "sync",
        "register the slash commands with Discord, then exit",
        cmd_sync,
        description=f"Register the slash commands with Discord, then exit; {token}.",
    )
    command(
        sub,
        "health",
        "exit 0 if the running bot is healthy (heartbeat)",
        cmd_health,
        corpus=False,
        description="Exit 0 if the running bot's heartbeat (under index.path) is fresh, else 1.",
    )
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
    for line in sys.stdin:  # one output line per input line, blank ones included
        question = line.strip()
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
            out = hit_json(hit)
            if query.corrected:  # the terminal says how the query was read; so does the JSON
                out["corrected"] = query.corrected
            print(json.dumps(out, ensure_ascii=False))
        if note:
            print(f"newsbot: {note}", file=sys.stderr)
    else:
        ansi = sys.stdout.isatty()
        correction = correction_text(
            mark_up(query.corrected, query.corrected_marks) if query.corrected else None, ansi
        )
        pieces = [fragment(query.weights, hit.passage) for hit in hits]
        text = hits_text(hits, pieces, ansi) + (f"\n\n{note}" if note else "")
        print(f"{correction}\n\n{text}" if correction else text)
    return 0


def cmd_sources(args: argparse.Namespace, config: Config) -> int:
    filters = filters_of(args)
    engine = Engine.from_config(config)
    note = undated_note(engine, filters)
    rows = engine.sources(filters)
    if args.json:
        for article, chunks in rows:
            print(json.dumps({**article_json(article), "chunks": chunks}, ensure_ascii=False))
        if note:
            print(f"newsbot: {note}", file=sys.stderr)
    else:
        print(sources_text(rows) + (f"\n\n{note}" if note else ""))
    return 0


def cmd_latest(args: argparse.Namespace, config: Config) -> int:
    if args.count < 1:
        raise CommandError("--count must be at least 1")
    filters = filters_of(args)
    engine = Engine.from_config(config)
    articles = engine.latest(args.query, args.count, filters)
    undated = engine.undated(filters, args.query)
    if args.json:
        for article in articles:
            print(json.dumps(article_json(article), ensure_ascii=False))
        if undated:
            print(f"newsbot: {undated_unlisted(undated)}", file=sys.stderr)
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
    print(summary_text(summary, ansi=sys.stdout.isatty()))
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


def cmd_follow(args: argparse.Namespace, config: Config) -> int:
    if args.count is not None and args.count < 1:
        raise CommandError("--count must be at least 1")
    interval = args.interval if args.interval is not None else config.index.poll_seconds
    if interval <= 0:
        raise CommandError("--interval must be above 0 (or set index.poll_seconds)")
    store = Store.under(config.index.path, CLI_STORE_FILE)
    if store.moved_aside is not None:
        print(
            f"newsbot: warning: the follow store was unreadable; kept as {store.moved_aside}",
            file=sys.stderr,
        )
    subscription, _ = store.follow(args.topic, "cli", 0, 0)
    engine = Engine.from_config(config)
    print(
        f"newsbot: following {subscription.topic!r}: new articles appear here as "
        f"{config.corpus} changes (Ctrl-C stops)",
        file=sys.stderr,
    )
    shown = 0
    try:
        while True:
            collect(store, engine, ("cli",))
            for pending in store.pending():
                if pending.subscription.id != subscription.id:
                    continue  # another topic's: kept until that topic is followed again
                alert = Alert.of(pending.payload)
                if args.json:
                    print(json.dumps(alert_json(alert), ensure_ascii=False), flush=True)
                else:
                    print(alert_text(alert, ansi=sys.stdout.isatty()) + "\n", flush=True)
                store.sent([pending])
                shown += 1
                if args.count is not None and shown >= args.count:
                    return 0
            time.sleep(interval)
            try:
                engine = engine.refreshed() or engine
            except CorpusError as exc:
                print(f"newsbot: warning: {exc}; still following", file=sys.stderr)
    except KeyboardInterrupt:
        return 0
    finally:
        store.close()


def cmd_digest(args: argparse.Namespace, config: Config) -> int:
    filters = parse_filters(None, args.since, args.until)
    engine = Engine.from_config(config)
    result = digest(engine, filters.since, filters.until)
    if args.json:
        print(json.dumps(digest_json(result), ensure_ascii=False))
    else:
        print(digest_text(result))
    return 0


def cmd_timeline(args: argparse.Namespace, config: Config) -> int:
    engine = Engine.from_config(config)
    line = timeline(engine, args.topic)
    if args.json:
        print(json.dumps(timeline_json(line), ensure_ascii=False))
    else:
        print(timeline_text(line, ansi=sys.stdout.isatty()))
    return 0


def cmd_chat(args: argparse.Namespace, config: Config) -> int:
    engine = Engine.from_config(config)
    conversation = Conversation()
    prompt = sys.stdin.isatty() and not args.json
    if prompt:
        print("Ask a question; follow-ups may refer back to it (Ctrl-D ends).", file=sys.stderr)
    while True:
        if prompt:
            print("> ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            return 0
        question = line.strip()
        if not question:
            continue
        try:
            reading, reply = ask_in_conversation(engine, conversation, question)
        except UserError as exc:
            if args.json:
                out = {"question": question, "answered": False, "answers": [], "error": str(exc)}
                print(json.dumps(out, ensure_ascii=False), flush=True)
            else:
                print(f"newsbot: {exc}\n", flush=True)
            continue
        if args.json:
            carried = {
                "read_as": reading.text if reading.follows else None,
                "carried": list(reading.carried),
            }
            print(json.dumps({**reply_json(reply), **carried}, ensure_ascii=False), flush=True)
        else:
            note = reading_text(reading)
            card = reply_text(reply, ansi=sys.stdout.isatty())
            print((f"{note}\n\n{card}" if note else card) + "\n", flush=True)


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
        if args.corpus and not args.reads_corpus:
            raise CommandError(f"{args.command} reads no corpus: leave out --corpus")
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
