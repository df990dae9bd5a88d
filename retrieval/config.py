"""Load and validate config.yaml: every mistake names its key and what was expected."""

from __future__ import annotations

import dataclasses
import os
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from retrieval.errors import UserError

CONFIG_ENV = "NEWSBOT_CONFIG"
DEFAULT_CONFIG = "config.yaml"
# The XDG base directory for caches: a saved index is a cache (it can always be rebuilt
# from the corpus), so without a config naming a place it lives there, under CACHE_NAME.
CACHE_ENV = "XDG_CACHE_HOME"
CACHE_NAME = "newsbot"


def default_index_path() -> Path:
    """$XDG_CACHE_HOME/newsbot, else ~/.cache/newsbot: a folder indexed once loads in a
    moment from wherever newsbot runs. A relative $XDG_CACHE_HOME is ignored, as the
    XDG spec says."""
    base = os.environ.get(CACHE_ENV, "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / CACHE_NAME


class ConfigError(UserError, ValueError):
    """A config problem a user can fix; the message names the key."""


@dataclass(frozen=True)
class ChunkingConfig:
    max_tokens: int = 200
    min_tokens: int = 40
    encoding: str = "cl100k_base"

    def check(self) -> None:
        from retrieval.text.encoding import KNOWN_ENCODINGS

        known = " or ".join(sorted(KNOWN_ENCODINGS))
        _require(self.encoding in KNOWN_ENCODINGS, "chunking.encoding", known)
        _require(self.max_tokens >= 16, "chunking.max_tokens", "an integer >= 16")
        _require(
            0 <= self.min_tokens < self.max_tokens,
            "chunking.min_tokens",
            "an integer >= 0 and below chunking.max_tokens",
        )


@dataclass(frozen=True)
class BM25Config:
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25

    def check(self) -> None:
        _require(self.k1 >= 0, "bm25.k1", "a number >= 0")
        _require(0 <= self.b <= 1, "bm25.b", "a number between 0 and 1")
        _require(self.epsilon >= 0, "bm25.epsilon", "a number >= 0")


@dataclass(frozen=True)
class AnswersConfig:
    count: int = 3
    candidates: int = 20
    min_coverage: float = 0.4
    max_unseen: float = 0.5
    recency_half_life_hours: float = 24.0

    def check(self) -> None:
        _require(1 <= self.count <= 10, "answers.count", "an integer from 1 to 10")
        _require(self.candidates >= self.count, "answers.candidates", "an integer >= answers.count")
        _require(0 < self.min_coverage <= 1, "answers.min_coverage", "a number in (0, 1]")
        _require(0 < self.max_unseen <= 1, "answers.max_unseen", "a number in (0, 1]")
        _require(
            self.recency_half_life_hours > 0, "answers.recency_half_life_hours", "a number > 0"
        )


@dataclass(frozen=True)
class IndexConfig:
    persist: bool = True
    path: Path = field(default_factory=default_index_path)
    poll_seconds: float = 30.0
    workers: int = 2
    memory_mb: int = 256  # RAM buffer for indexing (retrieval/index/segments.py)
    merge_factor: int = 8  # neighbouring segments of one size tier merged at once (updates.py)

    def check(self) -> None:
        _require(self.poll_seconds >= 0, "index.poll_seconds", "a number >= 0 (0: no polling)")
        _require(1 <= self.workers <= 64, "index.workers", "an integer from 1 to 64")
        _require(16 <= self.memory_mb <= 65536, "index.memory_mb", "an integer from 16 to 65536")
        _require(2 <= self.merge_factor <= 100, "index.merge_factor", "an integer from 2 to 100")


@dataclass(frozen=True)
class BotConfig:
    guilds: tuple[int, ...] = ()
    answer_channels: tuple[int, ...] = ()
    cooldown_uses: int = 5
    cooldown_seconds: float = 60.0
    search_limit: int = 10
    page_size: int = 5
    defer_after_seconds: float = 2.0
    view_timeout_seconds: float = 900.0
    max_live_views: int = 1000
    workers: int = 2
    engine_timeout_seconds: float = 20.0
    digest_channels: tuple[int, ...] = ()  # channels that get a digest every day
    digest_time: str = "08:00"  # when, as HH:MM in UTC
    digest_when_empty: str = "say"  # "say" (a one-line note) or "quiet" (post nothing)

    def check(self) -> None:
        _require(self.cooldown_uses >= 1, "bot.cooldown_uses", "an integer >= 1")
        _require(self.cooldown_seconds >= 0, "bot.cooldown_seconds", "a number >= 0")
        _require(1 <= self.search_limit <= 25, "bot.search_limit", "an integer from 1 to 25")
        _require(1 <= self.page_size <= 10, "bot.page_size", "an integer from 1 to 10")
        _require(
            0 <= self.defer_after_seconds <= 2.5,
            "bot.defer_after_seconds",
            "a number from 0 to 2.5 (Discord drops replies after 3 s)",
        )
        _require(self.view_timeout_seconds > 0, "bot.view_timeout_seconds", "a number > 0")
        _require(self.max_live_views >= 1, "bot.max_live_views", "an integer >= 1")
        _require(1 <= self.workers <= 32, "bot.workers", "an integer from 1 to 32")
        _require(self.engine_timeout_seconds > 0, "bot.engine_timeout_seconds", "a number > 0")
        _require(_HH_MM.match(self.digest_time) is not None, "bot.digest_time",
                 "a time of day in UTC as HH:MM, e.g. '08:00'")
        _require(self.digest_when_empty in ("say", "quiet"), "bot.digest_when_empty",
                 "say or quiet")

    @property
    def digest_at(self) -> tuple[int, int]:
        hours, minutes = self.digest_time.split(":")
        return int(hours), int(minutes)


_HH_MM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class AlertsConfig:
    """Followed topics: how many alerts a channel or a member gets per hour at most."""

    per_channel_per_hour: int = 10
    per_user_per_hour: int = 10

    def check(self) -> None:
        _require(self.per_channel_per_hour >= 1, "alerts.per_channel_per_hour", "an integer >= 1")
        _require(self.per_user_per_hour >= 1, "alerts.per_user_per_hour", "an integer >= 1")


BACKENDS = ("embedded", "xapian")
_SHARD_ADDRESS = re.compile(r"^(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(?P<port>\d{1,5})$")


@dataclass(frozen=True)
class ShardAddress:
    """A shard: a xapian-tcpsrv at host:port, or a database folder on this machine."""

    host: str = ""
    port: int = 0
    path: Path | None = None

    @property
    def remote(self) -> bool:
        return self.path is None

    def __str__(self) -> str:
        return f"{self.host}:{self.port}" if self.remote else str(self.path)


def parse_shard(text: str) -> ShardAddress:
    """'host:port' is a remote shard (port 1-65535); anything else a folder."""
    m = _SHARD_ADDRESS.match(text)
    if m is None:
        return ShardAddress(path=Path(text).expanduser())
    port = int(m["port"])
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is out of range")
    return ShardAddress(m["host"].strip("[]"), port)


@dataclass(frozen=True)
class XapianConfig:
    shards: tuple[str, ...] = ()
    # The folder each shard's server serves, as the indexer sees it (one per shard, in the
    # same order): `newsbot index` builds there and switches atomically. Empty: write `shards`.
    folders: tuple[str, ...] = ()
    connect_timeout_seconds: float = 1.0
    timeout_seconds: float = 2.0
    retry_seconds: float = 5.0

    def check(self) -> None:
        for i, shard in enumerate(self.shards):
            try:
                parse_shard(shard)
            except ValueError as exc:
                raise ConfigError(f"config key 'xapian.shards[{i}]': {exc}") from None
        if len(set(self.shards)) != len(self.shards):
            raise ConfigError("config key 'xapian.shards': a shard is listed twice")
        _require(
            not self.folders or len(self.folders) == len(self.shards),
            "xapian.folders",
            "one folder per shard, in the order of xapian.shards (or none)",
        )
        _require(self.connect_timeout_seconds > 0, "xapian.connect_timeout_seconds", "a number > 0")
        _require(self.timeout_seconds > 0, "xapian.timeout_seconds", "a number > 0")
        _require(self.retry_seconds >= 0, "xapian.retry_seconds", "a number >= 0")

    def addresses(self) -> list[ShardAddress]:
        return [parse_shard(s) for s in self.shards]

    def write_targets(self) -> list[ShardAddress]:
        """Where `newsbot index` writes each shard: its folder, else its address."""
        if self.folders:
            return [ShardAddress(path=Path(f).expanduser()) for f in self.folders]
        return self.addresses()

    def resolved(self, base: Path) -> XapianConfig:
        """Shard folders made absolute, relative to the config file's folder."""
        shards = tuple(
            str(a) if a.remote else str((base / a.path).resolve()) for a in self.addresses()
        )
        folders = tuple(str((base / Path(f).expanduser()).resolve()) for f in self.folders)
        return dataclasses.replace(self, shards=shards, folders=folders)


@dataclass(frozen=True)
class Config:
    backend: str = "embedded"
    corpus: Path = Path("corpus")
    # Folders outside the corpus that links in it may lead into; any other outside link is
    # skipped, so a link cannot put a host file (a mounted secret, say) in the index.
    corpus_allow_outside: tuple[Path, ...] = ()
    chunking: ChunkingConfig = field(default_factory=ChunkingConfig)
    bm25: BM25Config = field(default_factory=BM25Config)
    answers: AnswersConfig = field(default_factory=AnswersConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    bot: BotConfig = field(default_factory=BotConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    xapian: XapianConfig = field(default_factory=XapianConfig)

    def check(self) -> None:
        _require(self.backend in BACKENDS, "backend", " or ".join(BACKENDS))
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if hasattr(value, "check"):
                value.check()
        _require(
            self.backend != "xapian" or bool(self.xapian.shards),
            "xapian.shards",
            "at least one shard (host:port or a folder) when backend is xapian",
        )

    def with_corpus(self, corpus: str | Path) -> Config:
        return dataclasses.replace(self, corpus=Path(corpus).expanduser().resolve())

    def index_settings(self) -> dict[str, object]:
        """The settings a saved index depends on (besides the corpus)."""
        return {
            "chunking": dataclasses.asdict(self.chunking),
            "bm25": dataclasses.asdict(self.bm25),
        }


def _require(ok: bool, key: str, expected: str) -> None:
    if not ok:
        raise ConfigError(f"config key '{key}': expected {expected}")


def _type_name(tp: Any) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}
    if tp in names:
        return names[tp]
    if tp is Path:
        return "a path (string)"
    origin = typing.get_origin(tp)
    if origin in (list, tuple):
        (inner, *_) = typing.get_args(tp)
        if inner is Path:
            return "a list of paths (strings)"
        return f"a list of {_type_name(inner).removeprefix('an ').removeprefix('a ')}s"
    return "a mapping"


def _convert(value: Any, tp: Any, key: str) -> Any:
    """Check one YAML value against a dataclass field type (no silent coercion)."""
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"config key '{key}': expected a mapping, got {value!r}")
        return _build(tp, value, key + ".")
    origin = typing.get_origin(tp)
    if origin in (list, tuple):
        (inner, *_) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(f"config key '{key}': expected {_type_name(tp)}, got {value!r}")
        return tuple(_convert(v, inner, f"{key}[{i}]") for i, v in enumerate(value))
    ok = {
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, int | float) and not isinstance(value, bool),
        str: isinstance(value, str),
        Path: isinstance(value, str) and value != "",
    }[tp]
    if not ok:
        raise ConfigError(f"config key '{key}': expected {_type_name(tp)}, got {value!r}")
    return Path(value) if tp is Path else tp(value)


def _build(cls: type, data: dict[str, Any], prefix: str = "") -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            expected = ", ".join(sorted(known))
            raise ConfigError(
                f"config key '{prefix}{key}': unknown key (expected one of: {expected})"
            )
    values = {k: _convert(v, hints[k], prefix + k) for k, v in data.items()}
    return cls(**values)


def _resolve_paths(obj: Any, base: Path) -> Any:
    """Make every Path field absolute, relative to the config file's folder."""
    changes = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, Path):
            changes[f.name] = (base / value.expanduser()).resolve()
        elif isinstance(value, tuple) and all(isinstance(v, Path) for v in value):
            changes[f.name] = tuple((base / v.expanduser()).resolve() for v in value)
        elif isinstance(value, XapianConfig):
            changes[f.name] = value.resolved(base)
        elif dataclasses.is_dataclass(value):
            changes[f.name] = _resolve_paths(value, base)
    return dataclasses.replace(obj, **changes)


def config_path(explicit: str | None) -> Path | None:
    """--config, then $NEWSBOT_CONFIG, then ./config.yaml if it exists."""
    chosen = explicit or os.environ.get(CONFIG_ENV)
    if chosen:
        return Path(chosen).expanduser()
    default = Path(DEFAULT_CONFIG)
    return default if default.is_file() else None


def parse_config(text: str, base: Path, name: str = DEFAULT_CONFIG) -> Config:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: not valid YAML: {_yaml_problem(exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{name}: expected a mapping of keys at the top level")
    config = _build(Config, data)
    config.check()
    return _resolve_paths(config, base)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's several-line report as one line: what is wrong, and where (1-based)."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())


def load_config(explicit: str | None = None) -> Config:
    """The config a command runs with; defaults when no file is found."""
    path = config_path(explicit)
    if path is None:
        return _resolve_paths(Config(), Path.cwd())
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    return parse_config(text, path.resolve().parent, str(path))
