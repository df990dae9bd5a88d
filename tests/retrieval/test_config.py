from pathlib import Path

import pytest
from helpers import ROOT

from retrieval.config import ConfigError, load_config, parse_config


def test_the_shipped_config_loads_and_points_at_the_bundled_corpus():
    config = load_config(str(ROOT / "config.yaml"))
    assert config.corpus == ROOT / "corpus"
    assert config.chunking.encoding == "cl100k_base"


def test_paths_are_relative_to_the_config_file(tmp_path):
    config = parse_config("corpus: news\ncorpus_allow_outside: [shared, /srv/feeds]\n", tmp_path)
    assert config.corpus == tmp_path / "news"
    assert config.corpus_allow_outside == (tmp_path / "shared", Path("/srv/feeds"))
    assert parse_config("", tmp_path).corpus_allow_outside == ()


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("bm25:\n  k2: 1\n", "bm25.k2", "unknown key"),
        ("colour: red\n", "colour", "unknown key"),
        ("bm25:\n  k1: fast\n", "bm25.k1", "a number"),
        ("bm25:\n  b: 2\n", "bm25.b", "between 0 and 1"),
        ("chunking:\n  max_tokens: 12.5\n", "chunking.max_tokens", "an integer"),
        ("chunking:\n  max_tokens: true\n", "chunking.max_tokens", "an integer"),
        ("chunking:\n  min_tokens: 500\n", "chunking.min_tokens", "below chunking.max_tokens"),
        ("answers: 3\n", "answers", "a mapping"),
        ("answers:\n  count: 0\n", "answers.count", "from 1 to 10"),
        ("corpus: 5\n", "corpus", "a path"),
        ("corpus_allow_outside: /srv\n", "corpus_allow_outside", "a list of paths"),
        ("corpus_allow_outside: ['']\n", "corpus_allow_outside[0]", "a path"),
        ("backend: solr\n", "backend", "embedded or xapian"),
        ("backend: xapian\n", "xapian.shards", "at least one shard"),
        ('xapian:\n  shards: ["db1:70000"]\n', "xapian.shards[0]", "out of range"),
        ("xapian:\n  shards: [a, a]\n", "xapian.shards", "listed twice"),
        ("xapian:\n  timeout_seconds: 0\n", "xapian.timeout_seconds", "> 0"),
    ],
)
def test_mistakes_name_the_key_and_what_was_expected(tmp_path, text, key, expected):
    with pytest.raises(ConfigError) as err:
        parse_config(text, tmp_path)
    assert f"'{key}'" in str(err.value) and expected in str(err.value)


def test_env_var_chooses_the_file_and_flag_beats_it(tmp_path, monkeypatch):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("corpus: from-env\n")
    b.write_text("corpus: from-flag\n")
    monkeypatch.setenv("NEWSBOT_CONFIG", str(a))
    assert load_config(None).corpus.name == "from-env"
    assert load_config(str(b)).corpus.name == "from-flag"


def test_unreadable_or_invalid_files_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("bm25: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(str(bad))


@pytest.mark.parametrize(
    "text", ["bm25: [unclosed\n", "a: b: c\n", "k1: 1\n\tb: 2\n", "x: 'open\n"]
)
def test_a_bad_yaml_file_is_one_line_saying_where(tmp_path, text):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(str(bad))
    message = str(err.value)
    assert "\n" not in message and "not valid YAML" in message and " at line " in message


def test_no_file_means_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert load_config(None).corpus == Path(tmp_path / "corpus").resolve()


def test_without_a_config_the_index_is_saved_in_the_users_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("NEWSBOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    config = load_config(None)
    assert config.index.persist and config.index.path == tmp_path / "cache" / "newsbot"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert load_config(None).index.path == tmp_path / "home" / ".cache" / "newsbot"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG spec: ignored
    assert load_config(None).index.path == tmp_path / "home" / ".cache" / "newsbot"
    # a config file may still keep it in memory, or name its own place
    kept = tmp_path / "memory.yaml"
    kept.write_text("index:\n  persist: false\n")
    assert not load_config(str(kept)).index.persist


def test_shards_are_remote_addresses_or_folders_relative_to_the_config(tmp_path):
    config = parse_config("backend: xapian\nxapian:\n  shards: [s1:33333, local/shard]\n", tmp_path)
    remote, local = config.xapian.addresses()
    assert (remote.host, remote.port, remote.remote) == ("s1", 33333, True)
    assert local.path == tmp_path / "local" / "shard" and not local.remote


def test_digest_and_alert_keys_are_checked_by_name():
    from retrieval.config import parse_config

    config = parse_config(
        "bot: {digest_channels: [5], digest_time: '07:30', digest_when_empty: quiet}\n"
        "alerts: {per_channel_per_hour: 3, per_user_per_hour: 2}\n",
        Path("."),
    )
    assert config.bot.digest_at == (7, 30) and config.alerts.per_user_per_hour == 2
    for text, key in [
        ("bot: {digest_time: '7:30'}", "bot.digest_time"),
        ("bot: {digest_time: '24:00'}", "bot.digest_time"),
        ("bot: {digest_when_empty: loud}", "bot.digest_when_empty"),
        ("alerts: {per_channel_per_hour: 0}", "alerts.per_channel_per_hour"),
        ("alerts: {per_hour: 3}", "alerts.per_hour"),
    ]:
        with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
            parse_config(text, Path("."))
