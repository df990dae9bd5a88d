import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from helpers import BUNDLED_CORPUS, ROOT, shared_path

from cli.main import main

ANSWER_KEYS = {"snippet", "sentence", "short", "passage", "score", "source", "also_reported_by"}
SOURCE_KEYS = {"headline", "publisher", "published", "file", "url"} | {
    "date",
    "date_precision",
    "author",
}


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_follows_the_contract(capsys):
    code, out, _ = _run(
        capsys, "ask", "--json", "--corpus", str(BUNDLED_CORPUS), "When will the night trams run?"
    )
    assert code == 0
    reply = json.loads(out)
    assert set(reply) == {"question", "corrected", "answered", "answers"}
    assert reply["answered"] is True and reply["corrected"] is None
    for answer in reply["answers"]:
        assert set(answer) == ANSWER_KEYS and set(answer["source"]) == SOURCE_KEYS
        assert isinstance(answer["score"], float)
    assert reply["answers"][0]["source"]["publisher"] == "Harbour Herald"


def test_ask_json_reads_stdin_one_object_per_line(monkeypatch, capsys):
    monkeypatch.setattr(
        sys,
        "stdin",
        __import__("io").StringIO(
            "When will the night trams run?\n\nWhat is the capital of Peru?\n   \nthe and of\n"
        ),
    )
    code, out, _ = _run(capsys, "ask", "--json", "--corpus", str(BUNDLED_CORPUS))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    # One line out per line in, blank ones answered with an error, so `paste` lines them up.
    assert [r["answered"] for r in rows] == [True, False, False, False, False]
    assert [r["question"] for r in rows] == [
        "When will the night trams run?",
        "",
        "What is the capital of Peru?",
        "",
        "the and of",
    ]
    assert "error" in rows[1] and "error" in rows[3] and "error" in rows[4]
    assert rows[2]["answers"] == [] and "error" not in rows[2]


def test_human_output_shows_snippet_passage_and_source_line(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = _run(
        capsys, "ask", "--corpus", str(BUNDLED_CORPUS), "How many homes lost power?"
    )
    assert code == 0
    assert out.startswith("1 answer:\n\n1. ")
    # headline · publisher · the one date as people say it; no file, no "before saving"
    source = out.split("   — ", 1)[1]  # the source line, wrapped under the dash
    assert re.fullmatch(
        r"Storm Elin cuts power to 40,000 homes along the coast · Coastal Times · "
        r"about (an hour|\d+ (hours|days|weeks|months|years)|a (day|week|month|year)) ago",
        " ".join(source.split()),
    )
    assert "saving" not in out and ".txt" not in out
    assert max(len(line) for line in out.splitlines()) <= 80  # wrapped to COLUMNS


def test_abstention_is_plain(capsys):
    code, out, _ = _run(
        capsys, "ask", "--corpus", str(BUNDLED_CORPUS), "What is the capital of Peru?"
    )
    assert code == 0 and out.startswith("No answer in the indexed articles.") and "Peru" in out


def test_a_misspelt_question_is_answered_with_a_did_you_mean(capsys):
    corpus = str(shared_path("corpus"))
    code, out, _ = _run(capsys, "ask", "--json", "--corpus", corpus, "wat did kaja kalas say")
    reply = json.loads(out)
    assert code == 0 and reply["answered"] and reply["corrected"] == "what did kaja kallas say"
    code, out, _ = _run(capsys, "ask", "--corpus", corpus, "wat did kaja kalas say")
    first = out.splitlines()[0]
    assert code == 0 and first.replace("**", "") == "Showing results for: what did kaja kallas say"
    assert "\n1. " in out
    code, out, _ = _run(capsys, "search", "--corpus", corpus, "--top", "1", "kalas brussels")
    assert code == 0 and out.replace("**", "").startswith("Showing results for: kallas brussels")


def test_publisher_names_are_matched_loosely(capsys):
    corpus = str(shared_path("corpus"))
    question = "How much public spending did the Draghi report call for?"
    code, out, err = _run(
        capsys, "ask", "--json", "--corpus", corpus, "--publisher", "guardian", question
    )
    assert code == 0, err
    assert json.loads(out)["answers"][0]["source"]["publisher"] == "The Guardian"
    code, out, _ = _run(capsys, "sources", "--corpus", corpus, "--publisher", "the telegrph")
    assert code == 0 and out.strip() and all(" · Telegraph · " in line for line in out.splitlines())


def test_an_empty_or_wrong_corpus_is_an_error_naming_the_folder(tmp_path, capsys, monkeypatch):
    empty, wrong = tmp_path / "empty", tmp_path / "wrong"
    empty.mkdir()
    wrong.mkdir()
    (wrong / "notes.py").write_text("print('not news')\n")
    (wrong / "blob.txt").write_bytes(b"\x00\x01\x02")
    code, out, err = _run(capsys, "ask", "--corpus", str(empty), "Who won?")
    assert code == 2 and not out and str(empty) in err and "holds no files" in err
    code, out, err = _run(capsys, "index", "--corpus", str(wrong))
    last = err.strip().splitlines()[-1]
    assert code == 2 and not out and last.startswith("newsbot: error: ")
    assert str(wrong) in last and "2 of 2 files skipped" in last
    assert "unsupported file type '.py'" in last and "binary file" in last
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    code, _, err = _run(capsys, "serve", "--corpus", str(empty))
    assert code == 2 and len(err.strip().splitlines()) == 1 and str(empty) in err


def test_eval_fail_under_exits_1_below_the_threshold(tmp_path, capsys):
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- question: When will the night trams run?\n  expect: between midnight and 5am\n"
        "- question: How many homes lost power in Storm Elin?\n  expect: no such words here\n"
    )
    argv = ["eval", "--corpus", str(BUNDLED_CORPUS), str(cases), "--fail-under"]
    code, out, err = _run(capsys, *argv, "0.9")
    assert code == 1 and "hit@1       1/2" in out and "0.500 (1/2) is below --fail-under 0.9" in err
    assert _run(capsys, *argv, "0.5")[0] == 0
    with pytest.raises(SystemExit) as usage:
        main([*argv, "90"])  # a fraction, not a percentage or a count
    assert usage.value.code == 2


def test_search_sources_and_eval(capsys):
    code, out, _ = _run(
        capsys, "search", "--corpus", str(BUNDLED_CORPUS), "--top", "2", "Aln river"
    )
    assert code == 0 and out.startswith("1. ") and "\n2. " in out and "\n3. " not in out
    assert "[" not in out.splitlines()[0]  # no raw scores
    assert "**" not in out and "Aln" in out  # terms bold on a terminal only
    code, out, _ = _run(
        capsys, "sources", "--corpus", str(BUNDLED_CORPUS), "--publisher", "valley post"
    )
    assert code == 0 and len(out.strip().splitlines()) == 2
    code, out, _ = _run(
        capsys,
        "eval",
        "--corpus",
        str(BUNDLED_CORPUS),
        str(ROOT / "tests/data/bundled_questions.yaml"),
    )
    assert code == 0 and out.startswith("hit@1")


def test_user_errors_exit_2_with_one_line_and_no_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("bm25:\n  k1: fast\n")
    cases = [
        ["ask", "--config", str(bad), "x"],
        ["ask", "--corpus", str(tmp_path / "missing"), "x"],
        ["ask", "--corpus", str(BUNDLED_CORPUS), ""],
        ["ask", "--corpus", str(BUNDLED_CORPUS)],
        ["search", "--corpus", str(BUNDLED_CORPUS), "--publisher", "Nobody", "tram"],
        ["eval", "--corpus", str(BUNDLED_CORPUS), str(tmp_path / "none.yaml")],
    ]
    for argv in cases:
        code, _, err = _run(capsys, *argv)
        assert code == 2, argv
        assert err.startswith("newsbot: error: ") and len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err
    assert "bm25.k1" in _run(capsys, *cases[0])[2]


def test_console_script_runs_as_a_module(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "ask",
            "--json",
            "--corpus",
            str(BUNDLED_CORPUS),
            "How much was Northfield Water fined?",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # the index it saves lands here, not in the checkout
        timeout=120,
        check=True,
    )
    assert "£2.4m" in json.loads(result.stdout)["answers"][0]["snippet"]


def test_a_closed_pipe_ends_quietly(tmp_path):
    # Megabytes of replies into `head -1`: the pipe closes while newsbot still writes.
    questions = tmp_path / "questions.txt"
    questions.write_text("When will the night trams run?\n" * 3000)
    command = (
        f"{sys.executable} -m cli.main ask --json --corpus {BUNDLED_CORPUS} < {questions} | head -1"
    )
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # the index it saves lands here, not in the checkout
        timeout=300,
    )
    assert json.loads(result.stdout)["answered"] is True
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert result.returncode == 0


def test_the_card_reads_cleanly_when_piped(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    question = "What did Kaja Kallas tell reporters?"
    code, out, _ = _run(capsys, "ask", "--corpus", str(shared_path("corpus")), question)
    assert code == 0
    assert "**" not in out  # bold only on a terminal
    assert "  " not in out.replace("\n   ", "\n")  # no doubled spaces inside the text
    card = [line for line in out.splitlines() if not line.startswith("   — ")]
    assert max(map(len, card)) <= 60  # wrapped to COLUMNS
    snippet_lines = [line for line in card if not line.startswith("   │")]
    context = " ".join(line[5:] for line in card if line.startswith("   │"))
    snippet = " ".join(line.strip() for line in snippet_lines[2:])
    assert context and context not in snippet and snippet[:40] not in context


def test_only_web_links_are_shown_but_the_json_keeps_the_url_as_given(tmp_path, capsys):
    urls = {
        "javascript": "javascript:alert(1)",
        "no-scheme": "www.example.com/story",
        "ftp": "ftp://example.com/story.txt",
        "long": "https://example.com/?" + "q=1&" * 600,
        "good": "https://herald.example/story",
    }
    topics = ["lighthouse", "ferry", "harbour", "tram", "library"]
    (tmp_path / "wire.jsonl").write_text(
        "".join(
            json.dumps({"title": f"{kind} story", "text": f"The {topic} story.", "url": url}) + "\n"
            for (kind, url), topic in zip(urls.items(), topics, strict=True)
        )
    )
    for (kind, url), topic in zip(urls.items(), topics, strict=True):
        question = f"What about the {topic}?"
        code, out, _ = _run(capsys, "ask", "--corpus", str(tmp_path), question)
        assert code == 0 and f"{kind} story" in out
        assert (url in out) == (kind == "good"), kind
        code, out, _ = _run(capsys, "search", "--corpus", str(tmp_path), "--top", "1", topic)
        assert (url in out) == (kind == "good"), kind
        code, out, _ = _run(capsys, "ask", "--json", "--corpus", str(tmp_path), question)
        assert json.loads(out)["answers"][0]["source"]["url"] == url


def test_date_filters_and_latest(capsys):
    corpus = str(BUNDLED_CORPUS)
    code, out, _ = _run(capsys, "latest", "--corpus", corpus, "--until", "2025-12-31", "Quay")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("1. 22 Apr 2025 16:00 UTC · Harbour Herald · Quay")
    assert "\n2. 24 Mar 2025" in out
    # the two undated articles do not mention Quay Street: nothing to say about them
    assert "undated article" not in out
    code, out, _ = _run(capsys, "latest", "--corpus", corpus, "--json", "--count", "2")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 2 and rows[0]["date"] >= rows[1]["date"]
    code, out, _ = _run(
        capsys,
        "search",
        "--corpus",
        corpus,
        "--since",
        "2025-04-01",
        "--until",
        "2025-05-01",
        "Quay Street",
    )
    assert code == 0 and "Quay Street reopens" in out and "Quay Street closes" not in out
    assert "undated articles left out by the date filter" in out
    code, out, _ = _run(
        capsys, "ask", "--json", "--corpus", corpus, "--until", "2025-03-31", "Quay Street buses"
    )
    reply = json.loads(out)
    assert reply["answers"][0]["source"]["date"] == "2025-03-24T08:30:00+00:00"
    assert reply["undated_left_out"] > 0
    code, _, err = _run(capsys, "sources", "--corpus", corpus, "--since", "soon")
    assert code == 2 and "is not a date" in err


def test_the_short_answer_comes_first_on_the_card():
    from cli.terminal import reply_text
    from retrieval.models import Answer, Reply, Source

    text = "The swimming pool has a budget of £12.5m."
    source = Source("Pool", "Gazette", None, "pool.md", None)
    answer = Answer(text, ((4, 17),), text, 2.0, source, sentence=text, short="£12.5m")
    lines = reply_text(Reply("How much will the pool cost?", True, (answer,))).splitlines()
    assert lines[2] == "1. £12.5m" and lines[3].startswith("   The swimming pool has")


def test_an_index_built_anywhere_is_saved_in_the_cache_and_loaded_next_time(tmp_path):
    corpus, elsewhere, cache = tmp_path / "news", tmp_path / "elsewhere", tmp_path / "cache"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    (corpus / "broken.txt").write_bytes(b"\x00\x01 not news")  # skipped with a warning
    elsewhere.mkdir()  # no config.yaml here: the defaults apply
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("NEWSBOT_CONFIG", None)

    def newsbot(*argv: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "cli", *argv]
        return subprocess.run(command, cwd=elsewhere, env=env, capture_output=True, text=True)

    built = newsbot("index", "--corpus", str(corpus))
    assert built.returncode == 0 and "broken.txt" in built.stderr
    assert f"index in {cache / 'newsbot'}" in built.stdout
    (saved,) = [p for p in (cache / "newsbot").iterdir() if p.name.startswith("news-")]

    def state() -> dict[str, int]:
        return {str(p): p.stat().st_mtime_ns for p in saved.rglob("*")}

    before = state()
    asked = newsbot("-v", "ask", "--corpus", str(corpus), "When will the night trams run?")
    assert asked.returncode == 0 and "midnight" in asked.stdout
    assert "broken.txt" not in asked.stderr  # not read again, so not warned about again
    assert state() == before  # loaded as saved: nothing rebuilt or rewritten
    assert not (elsewhere / ".newsbot-index").exists() and sorted(elsewhere.iterdir()) == []
    assert saved.exists()


def test_a_question_pasted_with_a_link_and_markup_is_answered_on_the_command_line(capsys):
    code, out, _ = _run(
        capsys,
        "ask",
        "--json",
        "--corpus",
        str(BUNDLED_CORPUS),
        "**When** will the night trams run? https://example.org/x 🚋",
    )
    reply = json.loads(out)
    assert code == 0 and reply["answered"] and reply["corrected"] is None
    assert reply["question"] == "When will the night trams run?"


def test_the_latest_news_lists_the_newest_stories(capsys):
    code, out, _ = _run(
        capsys, "ask", "--corpus", str(shared_path("corpus")), "What is the latest news?"
    )
    assert code == 0 and out.startswith("The newest stories:\n1. ")
    code, out, _ = _run(
        capsys, "ask", "--json", "--corpus", str(shared_path("corpus")), "What happened today?"
    )
    reply = json.loads(out)
    assert code == 0 and reply["answered"] and reply["answers"] == []
    assert reply["newest"] and all(s["headline"] for s in reply["newest"])
