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


def _generation(config):
    return (config.index.path / store.CURRENT).resolve()


def test_saved_index_loads_and_answers_the_same(config, monkeypatch):
    built = Engine.from_config(config)
    gen = _generation(config)
    import retrieval.index.catalog as catalog

    monkeypatch.setattr(catalog, "read_record", lambda *a: pytest.fail("re-read a file"))
    loaded = Engine.from_config(config)
    assert _generation(config) == gen  # nothing rewritten
    assert isinstance(loaded.index.doc_ids.base, np.memmap)  # a view of the mapped file
    for q in ["night tram", "sewage fine", "What is the capital of Peru?"]:
        assert loaded.ask(q) == built.ask(q)
    assert loaded.articles == built.articles  # dates, their precision and feed ids included
    assert any(a.date_precision == "approximate" for a in loaded.articles)
    assert any(a.date_precision == "day" for a in loaded.articles)


@pytest.mark.parametrize("damage", ["truncate", "flip", "version", "settings", "missing"])
def test_damaged_index_is_detected_and_rebuilt(config, damage, caplog):
    Engine.from_config(config)
    gen = _generation(config)
    manifest = json.loads((gen / "manifest.json").read_text())
    if damage == "truncate":
        path = gen / "doc_ids.npy"
        path.write_bytes(path.read_bytes()[:-7])
    elif damage == "flip":
        path = gen / "tfs.npy"
        data = bytearray(path.read_bytes())
        data[-1] ^= 0x01
        path.write_bytes(bytes(data))
    elif damage == "version":
        manifest["format"] = 0
        (gen / "manifest.json").write_text(json.dumps(manifest))
    elif damage == "settings":
        config = dataclasses.replace(config, bm25=dataclasses.replace(config.bm25, k1=1.2))
    else:
        (gen / "articles.jsonl").unlink()
    with pytest.raises(store.StoreError):
        store.load(config.index.path, config.index_settings())
    engine = Engine.from_config(config)
    assert "building the index anew" in caplog.text
    assert engine.ask("When will the night trams run?").answered
    store.load(config.index.path, config.index_settings())  # the rebuilt one is sound
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
    store.load(config.index.path, config.index_settings())  # still loads
    monkeypatch.undo()
    Engine.from_config(config)
    assert _generation(config) != good
    assert [p.name for p in config.index.path.glob("gen-*")] == [_generation(config).name]
