"""The saved index: atomic, verified on load, rebuilt (never served) when damaged."""

import dataclasses
import json
import shutil

import numpy as np
import pytest
from helpers import BUNDLED_CORPUS

from retrieval.answering.engine import Engine
from retrieval.config import Config
from retrieval.index import store


@pytest.fixture
def config(tmp_path):
    corpus = tmp_path / "news"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    base = Config().with_corpus(corpus)
    index = dataclasses.replace(base.index, persist=True, path=tmp_path / "index")
    return dataclasses.replace(base, index=index)


def _saved(config):
    return store.location(config.index.path, config.corpus)


def _generation(config):
    return (_saved(config) / store.CURRENT).resolve()


def _segment(config):
    """The folder of the (first) saved segment."""
    manifest = json.loads((_generation(config) / "manifest.json").read_text())
    return _saved(config) / store.SEGMENTS / manifest["segments"][0]["name"]


def test_saved_index_loads_and_answers_the_same(config, monkeypatch):
    built = Engine.from_config(config)
    gen = _generation(config)
    import retrieval.index.catalog as catalog

    monkeypatch.setattr(catalog, "read_record", lambda *a: pytest.fail("re-read a file"))
    loaded = Engine.from_config(config)
    assert _generation(config) == gen  # nothing rewritten
    assert isinstance(loaded.backend.index.segments[0].doc_ids, np.memmap)  # mapped, not read
    for q in ["night tram", "sewage fine", "What is the capital of Peru?"]:
        assert loaded.ask(q) == built.ask(q)
    # dates, their precision and feed ids included
    assert loaded.backend.articles == built.backend.articles
    assert any(a.date_precision == "approximate" for a in loaded.backend.articles)
    assert any(a.date_precision == "day" for a in loaded.backend.articles)


@pytest.mark.parametrize("damage", ["truncate", "version", "settings", "missing"])
def test_damaged_index_is_detected_and_rebuilt(config, damage, caplog):
    Engine.from_config(config)
    gen = _generation(config)
    manifest = json.loads((gen / "manifest.json").read_text())
    if damage == "truncate":
        path = _segment(config) / "doc_ids.npy"
        path.write_bytes(path.read_bytes()[:-7])
    elif damage == "version":
        manifest["format"] = 0
        (gen / "manifest.json").write_text(json.dumps(manifest))
    elif damage == "settings":
        config = dataclasses.replace(config, bm25=dataclasses.replace(config.bm25, k1=1.2))
    else:
        (_segment(config) / "articles.jsonl").unlink()
    with pytest.raises(store.StoreError):
        store.load(_saved(config), config.index_settings())
    engine = Engine.from_config(config)
    assert "building the index anew" in caplog.text
    assert engine.ask("When will the night trams run?").answered
    store.load(_saved(config), config.index_settings())  # the rebuilt one is sound
    assert _generation(config) != gen


def test_a_flipped_bit_is_found_in_the_background_and_the_next_refresh_rebuilds(config, caplog):
    """Start-up checks sizes only; checksums run after the first answer, off the query path."""
    Engine.from_config(config)
    gen = _generation(config)
    path = _segment(config) / "tfs.npy"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(store.StoreError, match="checksum"):
        store.load(_saved(config), config.index_settings())
    engine = Engine.from_config(config)
    assert engine.backend.index.health.damaged is None  # not checked before the first answer
    engine.ask("When will the night trams run?")
    assert engine.backend.index.health.checked.wait(30)
    assert "fails its checksum" in engine.backend.index.health.damaged
    rebuilt = engine.refreshed()
    assert rebuilt is not None and rebuilt.ask("When will the night trams run?").answered
    store.load(_saved(config), config.index_settings())  # sound again
    assert _generation(config) != gen


def test_a_crash_while_saving_keeps_the_previous_index(config, monkeypatch):
    Engine.from_config(config)
    good = _generation(config)
    (config.corpus / "new.txt").write_text("Late news\n\nA story that arrived later.\n")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # like a kill in the middle of writing

    monkeypatch.setattr(store, "_write_json", crash)
    with pytest.raises(KeyboardInterrupt):
        Engine.from_config(config)
    assert _generation(config) == good
    store.load(_saved(config), config.index_settings())  # still loads
    monkeypatch.undo()
    Engine.from_config(config)
    assert _generation(config) != good
    assert [p.name for p in _saved(config).glob("gen-*")] == [_generation(config).name]
    # The half-written segment of the crashed run is gone; the ones in use are kept.
    manifest = json.loads((_generation(config) / "manifest.json").read_text())
    used = sorted(s["name"] for s in manifest["segments"])
    assert sorted(p.name for p in (_saved(config) / store.SEGMENTS).iterdir()) == used
    assert len(used) == 2  # the first build, and the new file's segment


def test_each_corpus_keeps_its_own_index_so_switching_back_loads_it(config, tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.mkdir()
    (other / "ferry.txt").write_text("Ferry strike ends\n\nThe ferry crews voted to return.\n")
    second = config.with_corpus(other)
    Engine.from_config(config)
    first_gen = _generation(config)
    Engine.from_config(second)
    assert _saved(second) != _saved(config) and _generation(config) == first_gen
    import retrieval.index.catalog as catalog

    monkeypatch.setattr(catalog, "read_record", lambda *a: pytest.fail("re-read a file"))
    back = Engine.from_config(config)  # loads, never rebuilds: nothing is read or written
    assert _generation(config) == first_gen
    assert back.ask("When will the night trams run?").answered
    assert [a.headline for a in Engine.from_config(second).backend.articles] == [
        "Ferry strike ends"
    ]
    assert sorted(p.name for p in config.index.path.iterdir()) == sorted(
        [_saved(config).name, _saved(second).name]
    )
    assert _saved(config).name.startswith("news-")  # the folder's name, for people


def test_an_index_analysed_otherwise_is_rebuilt_never_served(config, monkeypatch, caplog):
    from retrieval.text import analysis

    first = Engine.from_config(config)
    assert first.backend.index.term_idf("tram") is not None
    manifest = json.loads((_generation(config) / "manifest.json").read_text())
    assert manifest["analysis"] == analysis.ANALYZER.fingerprint
    other = analysis.Analyzer(stop_words=analysis.STOP_WORDS | {"tram", "trams"})
    monkeypatch.setattr(analysis, "ANALYZER", other)
    with pytest.raises(store.StoreError, match="analysis"):
        store.load(_saved(config), config.index_settings())
    again = Engine.from_config(config)
    assert "building the index anew" in caplog.text
    assert again.backend.index.term_idf("tram") is None  # built with the analyzer in use
    manifest = json.loads((_generation(config) / "manifest.json").read_text())
    assert manifest["analysis"] == other.fingerprint


def test_an_index_read_by_other_reading_code_is_rebuilt(config, monkeypatch, caplog):
    Engine.from_config(config)
    gen = _generation(config)
    assert json.loads((gen / "manifest.json").read_text())["reading"] == store.corpus_code()
    monkeypatch.setattr(store, "corpus_code", lambda: "changed readers")
    with pytest.raises(store.StoreError, match="reading"):
        store.load(_saved(config), config.index_settings())
    assert Engine.from_config(config).ask("When will the night trams run?").answered
    assert "building the index anew" in caplog.text and _generation(config) != gen


def test_a_commit_checksums_the_terms_it_appends_not_the_whole_vocabulary(config, monkeypatch):
    engine = Engine.from_config(config)
    summed = []
    real = store._crc
    monkeypatch.setattr(store, "_crc", lambda path, *a: summed.append(path.name) or real(path, *a))
    (config.corpus / "late.txt").write_text("Zeppelin mast\n\nThe zeppelin mast reopened.\n")
    fresh = engine.refreshed()
    assert store.TERMS not in summed  # the crc runs on from the last commit's
    assert fresh.ask("zeppelin mast").answered
    reloaded = Engine.from_config(config)  # the terms file still passes its check on load
    assert reloaded.backend.index.vocabulary_list == fresh.backend.index.vocabulary_list
