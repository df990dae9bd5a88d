"""One command-line grammar: global options anywhere, --json on every listing, full --help,
and messages that say what happened. The docs' command table is held to the parser."""

from __future__ import annotations

import argparse
import json
import re
import sys
from io import StringIO

import pytest
from helpers import BUNDLED_CORPUS, ROOT

from cli.main import build_parser, main
from retrieval.reading.ingest import SUPPORTED_SUFFIXES, readable_types

CORPUS = str(BUNDLED_CORPUS)
SOURCE_KEYS = {"headline", "publisher", "published", "file", "url", "date", "date_precision"}
SOURCE_KEYS |= {"author"}


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {
        a.option_strings[-1]
        for a in parser._actions
        if a.option_strings and not isinstance(a, argparse._HelpAction)
    }


def test_global_options_go_before_or_after_the_command(capsys):
    after = _run(capsys, "search", "night trams", "--corpus", CORPUS, "--top", "2")
    before = _run(capsys, "--corpus", CORPUS, "search", "night trams", "--top", "2")
    assert after[0] == before[0] == 0 and after[1] == before[1] and "tram" in after[1]
    # an option given before the command is not reset by the command's own parser
    code, out, _ = _run(capsys, "--corpus", CORPUS, "-v", "sources", "--json")
    assert code == 0 and len(out.splitlines()) > 3


def test_every_listing_command_takes_json_with_one_source_object(capsys):
    listing = {name for name, p in _commands().items() if "--publisher" in _options(p)}
    assert {"ask", "search", "sources", "latest"} <= listing
    assert all("--json" in _options(_commands()[name]) for name in listing)
    code, out, _ = _run(capsys, "sources", "--json", "--corpus", CORPUS)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows and all(set(r) == SOURCE_KEYS | {"chunks"} for r in rows)
    code, out, _ = _run(capsys, "latest", "--json", "--corpus", CORPUS)
    assert all(set(json.loads(line)) == SOURCE_KEYS for line in out.splitlines())
    code, out, _ = _run(capsys, "search", "--json", "--corpus", CORPUS, "tram")
    assert all(set(json.loads(line)["source"]) == SOURCE_KEYS for line in out.splitlines())


def test_an_abstention_in_json_says_why_as_the_terminal_does(capsys):
    question = "What is the capital of Peru?"
    _, shown, _ = _run(capsys, "ask", "--corpus", CORPUS, question)
    _, out, _ = _run(capsys, "ask", "--json", "--corpus", CORPUS, question)
    reply = json.loads(out)
    assert reply["answered"] is False and reply["reason"] and reply["reason"] in shown
    assert reply["never_mentioned"] == ["capital", "Peru"]


def test_version_and_a_complete_help_for_every_command(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and re.fullmatch(r"newsbot \S+\n", capsys.readouterr().out)
    commands = _commands()
    for name, parser in commands.items():
        assert parser.description, name
        for action in parser._actions:
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)
    since = next(a for a in commands["search"]._actions if a.dest == "since").help
    assert all(f"{n}{unit}" in since for n, unit in (("30", "m"), ("24", "h"), ("7", "d")))
    assert "2w" in since
    assert "DISCORD_TOKEN_FILE" in commands["serve"].format_help()
    assert "--corpus" not in _options(commands["health"])
    code, _, err = _run(capsys, "--corpus", CORPUS, "health")
    assert code == 2 and "reads no corpus" in err


def test_the_docs_command_table_matches_the_parser():
    text = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z]+)` \|([^|]*)\|([^|]*)\|", text, re.MULTILINE)
    table = {name: set(re.findall(r"`(--[a-z-]+)`", own)) for name, _, own in rows}
    shared = {"--config", "--corpus", "--verbose"}
    parsed = {name: _options(p) - shared for name, p in _commands().items()}
    assert table == parsed
    arguments = {name: set(re.findall(r"`([A-Z]+)`", args)) for name, args, _ in rows}
    positional = {
        name: {a.dest.upper() for a in p._actions if not a.option_strings}
        for name, p in _commands().items()
    }
    assert arguments == positional


def test_the_readable_types_come_from_the_readers_everywhere(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = _run(capsys, "ask", "--corpus", str(empty), "Who won?")
    assert code == 2 and readable_types() in err
    assert all(suffix in err for suffix in SUPPORTED_SUFFIXES)
    assert readable_types() in " ".join(build_parser().format_help().split())
    for where in ("config.yaml", "docs/formats.md"):
        text = (ROOT / where).read_text(encoding="utf-8")
        assert readable_types() in " ".join(re.sub(r"^# ?", "", text, flags=re.M).split()), where


def test_a_folder_holding_only_a_hidden_file_says_so(tmp_path, capsys):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / ".DS_Store").write_bytes(b"\x00")
    code, _, err = _run(capsys, "ask", "--corpus", str(folder), "Who won?")
    assert code == 2 and "only hidden files" in err and ".DS_Store" in err
    assert "holds no files" not in err


@pytest.mark.parametrize("question", ["???", "🙂🙂", "—!"])
def test_a_question_without_words_is_told_so(question, capsys):
    code, _, err = _run(capsys, "ask", "--corpus", CORPUS, question)
    assert code == 2 and "no words" in err and "common words" not in err
    code, _, err = _run(capsys, "ask", "--corpus", CORPUS, "the and of")
    assert code == 2 and "common words" in err


def test_stdin_answers_every_line_blank_ones_with_an_error(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", StringIO("\nWhen will the night trams run?\n"))
    _, out, _ = _run(capsys, "ask", "--json", "--corpus", CORPUS)
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["answered"] is False and first["error"] and first["answers"] == []
    assert second["answered"] is True


def test_eval_failures_are_plain_text_when_piped(tmp_path, capsys):
    cases = tmp_path / "cases.yaml"
    cases.write_text("- question: How many homes lost power?\n  expect: no such words here\n")
    code, out, _ = _run(capsys, "eval", "--corpus", CORPUS, str(cases))
    assert code == 0 and "FAIL" in out and "**" not in out


def test_a_publisher_may_be_typed_as_the_start_of_its_name_with_a_slip(capsys):
    code, out, err = _run(capsys, "sources", "--corpus", CORPUS, "--publisher", "coastl")
    assert code == 0 and out and all("Coastal Times" in line for line in out.splitlines()), err
