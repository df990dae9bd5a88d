"""`newsbot follow`, `digest`, `timeline` and `chat` as a reader runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from helpers import BUNDLED_CORPUS, NEWS_CORPUS, ROOT, gold_stories

from cli.main import main

ARTICLE = """---
title: {title}
publisher: {publisher}
published: 2026-12-02T09:00:00Z
---
# {title}

{body}
"""


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _follow(config, topic: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "follow",
            topic,
            "--json",
            "--interval",
            "0.1",
            "--count",
            "1",
            "--config",
            str(config),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_following(process: subprocess.Popen) -> None:
    line = process.stderr.readline()  # printed once the archive has been marked seen
    assert "following" in line, line


def test_follow_prints_each_new_article_once_across_restarts(tmp_path):
    corpus = tmp_path / "news"
    shutil.copytree(NEWS_CORPUS, corpus)
    config = tmp_path / "config.yaml"
    config.write_text(f"corpus: {corpus}\nindex:\n  path: {tmp_path / 'idx'}\n", encoding="utf-8")
    process = _follow(config, "Kelvin Bridge")
    try:
        _wait_following(process)
        (corpus / "reopen.md").write_text(
            ARTICLE.format(
                title="Kelvin Bridge to reopen on Friday",
                publisher="Almer Gazette",
                body="Kelvin Bridge will reopen on Friday, the council said.",
            ),
            encoding="utf-8",
        )
        out, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    (alert,) = [json.loads(line) for line in out.splitlines()]
    assert alert["topic"] == "Kelvin Bridge"
    assert alert["source"]["headline"] == "Kelvin Bridge to reopen on Friday"
    assert "**Kelvin** **Bridge**" in alert["snippet"] or "**Kelvin Bridge**" in alert["snippet"]
    # While nobody follows, another article lands: the next run prints it, not the first again.
    (corpus / "toll.md").write_text(
        ARTICLE.format(
            title="No toll for the repaired Kelvin Bridge",
            publisher="Almer Radio News",
            body="Drivers will not pay a toll to cross Kelvin Bridge, councillors decided.",
        ),
        encoding="utf-8",
    )
    process = _follow(config, "Kelvin Bridge")
    try:
        out, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    (alert,) = [json.loads(line) for line in out.splitlines()]
    assert alert["source"]["headline"] == "No toll for the repaired Kelvin Bridge"
    assert process.returncode == 0


def test_digest_lists_each_story_once(capsys):
    code, out, _ = _run(
        capsys,
        "digest",
        "--json",
        "--corpus",
        str(NEWS_CORPUS),
        "--since",
        "2026-11-29",
        "--until",
        "2026-12-01",
    )
    assert code == 0
    digest = json.loads(out)
    gold = gold_stories()
    told = [{gold[s["file"]] for s in story["sources"]} for story in digest["stories"]]
    assert all(len(t) == 1 for t in told) and len(told) == len(set(gold.values()))
    assert digest["undated_left_out"] == 1
    code, out, _ = _run(
        capsys,
        "digest",
        "--corpus",
        str(NEWS_CORPUS),
        "--since",
        "2026-11-29",
        "--until",
        "2026-12-01",
    )
    assert out.startswith("7 stories from 14 articles") and "Almer Gazette" in out


def test_digest_of_a_quiet_period_says_so(capsys):
    code, out, _ = _run(capsys, "digest", "--corpus", str(NEWS_CORPUS), "--since", "2030-01-01")
    assert code == 0 and out.startswith("No news between")


def test_timeline_is_oldest_first(capsys):
    code, out, _ = _run(capsys, "timeline", "--json", "--corpus", str(NEWS_CORPUS), "ferry")
    line = json.loads(out)
    assert code == 0
    dates = [e["date"] for e in line["events"]]
    assert dates == sorted(dates) and dates
    code, out, _ = _run(capsys, "timeline", "--corpus", str(NEWS_CORPUS), "Kelvin Bridge")
    assert "also reported by" in out and "(1 undated article left out)" in out


def test_chat_carries_the_previous_question_into_a_follow_up(monkeypatch, capsys):
    import io

    monkeypatch.setattr(
        sys,
        "stdin",
        io.StringIO(
            "How much was Northfield Water fined?\nwhy was it fined?\n"
            "What is the capital of Peru?\n"
        ),
    )
    code, out, _ = _run(capsys, "chat", "--json", "--corpus", str(BUNDLED_CORPUS))
    first, second, third = (json.loads(line) for line in out.splitlines())
    assert code == 0
    assert first["read_as"] is None and first["answered"]
    assert second["read_as"] == "why was Northfield Water fined?"
    assert second["carried"] == ["Northfield", "Water"]
    assert "Northfield" in second["answers"][0]["source"]["headline"]
    assert third["read_as"] is None and not third["answered"]  # a new question stands alone
