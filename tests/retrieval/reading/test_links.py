"""Links in the corpus: read only where their real path lies inside it (or in an allowed
outside folder); any other is skipped with a warning naming the link and its target."""

import logging
import os

from retrieval.answering.engine import Engine
from retrieval.config import ChunkingConfig, parse_config
from retrieval.index.catalog import update
from retrieval.reading.ingest import OUTSIDE

GOOD = {"good.txt", "other-0.md", "other-1.md", "other-2.md"}
SECRET = "Bot token\n\nThe token is MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs\n"


def _layout(tmp_path):
    """A corpus with one good file, a link to a file outside and one to a folder outside."""
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    (outside / "feeds" / "deep").mkdir(parents=True)
    corpus.mkdir()
    (corpus / "good.txt").write_text("Harbour news\n\nThe ferry to Port Aven runs again.\n")
    for n, topic in enumerate(["council budget", "school meals", "river cleanup"]):
        (corpus / f"other-{n}.md").write_text(f"# On the {topic}\n\nA note on the {topic}.\n")
    (outside / "token").write_text(SECRET)
    (outside / "feeds" / "deep" / "story.txt").write_text(
        "Lighthouse reopens\n\nThe old lighthouse reopened to visitors on Sunday.\n"
    )
    os.symlink(outside / "token", corpus / "notes.txt")
    os.symlink(outside / "feeds", corpus / "feeds")
    return corpus, outside


def _outside_warnings(caplog):
    return [r.getMessage() for r in caplog.records if OUTSIDE in r.getMessage()]


def test_links_to_a_file_and_a_folder_outside_are_skipped_with_one_warning_each(tmp_path, caplog):
    corpus, outside = _layout(tmp_path)
    with caplog.at_level(logging.WARNING, logger="newsbot.catalog"):
        catalog, _ = update(corpus, ChunkingConfig())
    assert {a.file for a in catalog.articles} == GOOD
    assert {s.file: s.reason for s in catalog.skipped} == {
        "notes.txt": f"{OUTSIDE} (-> {outside / 'token'})",
        "feeds": f"{OUTSIDE} (-> {outside / 'feeds'})",
    }
    warnings = _outside_warnings(caplog)
    assert len(warnings) == 2
    for link, target in [("notes.txt", outside / "token"), ("feeds", outside / "feeds")]:
        assert sum(link in w and str(target) in w for w in warnings) == 1

    caplog.clear()  # polling again: nothing changed, nothing read, no second warning
    with caplog.at_level(logging.WARNING, logger="newsbot.catalog"):
        _, changed = update(corpus, ChunkingConfig(), catalog)
    assert not changed and not _outside_warnings(caplog)


def test_a_link_retargeted_outside_is_reported_again(tmp_path, caplog):
    corpus, outside = _layout(tmp_path)
    catalog, _ = update(corpus, ChunkingConfig())
    caplog.clear()
    (corpus / "notes.txt").unlink()
    os.symlink(outside / "feeds" / "deep" / "story.txt", corpus / "notes.txt")
    with caplog.at_level(logging.WARNING, logger="newsbot.catalog"):
        catalog, changed = update(corpus, ChunkingConfig(), catalog)
    assert changed
    assert {a.file for a in catalog.articles} == GOOD
    (warning,) = _outside_warnings(caplog)
    assert "notes.txt" in warning and "story.txt" in warning


def test_an_allowed_outside_folder_is_read_through_its_link(tmp_path, caplog):
    corpus, outside = _layout(tmp_path)
    os.symlink(outside / "feeds", outside / "feeds" / "deep" / "loop")  # stays handled
    with caplog.at_level(logging.WARNING, logger="newsbot.catalog"):
        catalog, _ = update(corpus, ChunkingConfig(), allowed=[outside / "feeds"])
    assert {a.file for a in catalog.articles} == GOOD | {"feeds/deep/story.txt"}
    assert [s.file for s in catalog.skipped] == ["notes.txt"]  # its folder is not allowed
    (warning,) = _outside_warnings(caplog)
    assert "notes.txt" in warning and str(outside / "token") in warning


def test_the_config_allows_outside_folders_relative_to_itself(tmp_path):
    _layout(tmp_path)
    question = "When did the lighthouse reopen?"
    refused = Engine.from_config(parse_config("corpus: corpus\n", tmp_path))
    assert not refused.ask(question).answered
    assert not refused.ask("What is the token?").answered
    allowed = Engine.from_config(
        parse_config("corpus: corpus\ncorpus_allow_outside: [outside/feeds]\n", tmp_path)
    )
    reply = allowed.ask(question)
    assert reply.answered and reply.answers[0].source.file == "feeds/deep/story.txt"
    assert len(allowed.backend.skipped) == 1 and not allowed.ask("What is the token?").answered


def test_links_inside_the_corpus_still_work_and_loops_still_end(tmp_path):
    corpus, _ = _layout(tmp_path)
    (corpus / "sub").mkdir()
    (corpus / "sub" / "real.txt").write_text("Tram news\n\nNight trams run from May.\n")
    os.symlink(corpus / "sub" / "real.txt", corpus / "alias.txt")
    os.symlink(corpus / "sub", corpus / "sub-link")  # read at its real place only
    os.symlink(corpus, corpus / "sub" / "up")
    catalog, _ = update(corpus, ChunkingConfig())
    assert {a.file for a in catalog.articles} == GOOD | {"alias.txt", "sub/real.txt"}
