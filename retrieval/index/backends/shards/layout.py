"""A shard folder on disk: generations of the database, and the stub that names the served one.

xapian-tcpsrv serves the folder; Xapian opens a folder holding a `XAPIANDB` stub
file as the database the stub names, and the server opens it afresh for every
connection. So a new generation is written beside the served one and served by
rewriting the stub (a rename: atomic). Across shards the switch is two-phase: a
`SWITCH` record naming the new generation is written to every folder first (the
commit point is the last record), then the stubs; a write that dies before the
last record is undone by the next run, one that dies after it is finished by it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import xapian

from retrieval.errors import UserError

STUB = "XAPIANDB"  # Xapian's name for a stub file inside a database folder
SWITCH = "SWITCH"  # the generation a switch in progress moves to
GENERATION = "gen-"  # + the write's id: one database folder per full build
# The stub's line for the generation served ("auto": Xapian detects the backend).
PREVIOUS = "# previous "  # a comment line in the stub: the generation readers may still hold


class LayoutError(UserError):
    """A shard folder newsbot cannot use: not laid out as it writes them, or not writable."""

    exit_code = 1


def served(folder: Path) -> Path | None:
    """The generation the stub names (None before the first build)."""
    stub = folder / STUB
    if not stub.exists():
        if (folder / "iamglass").exists():
            raise LayoutError(
                f"shard folder {folder} holds a database written by an older newsbot: move it "
                "aside (or empty the folder) and run newsbot index --backend xapian again"
            )
        return None
    for line in stub.read_text().splitlines():
        kind, _, name = line.partition(" ")
        if kind == "auto":
            return folder / name.strip()
    return None  # the placeholder (`initialise`): nothing built yet


def initialise(folder: Path) -> None:
    """A folder xapian-tcpsrv can serve before the first build: a stub of an empty database.

    The shell equivalent: mkdir -p FOLDER && echo inmemory > FOLDER/XAPIANDB
    """
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / STUB).exists():
        _write_atomically(folder / STUB, "inmemory\n")


def previous(folder: Path) -> Path | None:
    stub = folder / STUB
    if stub.exists():
        for line in stub.read_text().splitlines():
            if line.startswith(PREVIOUS):
                return folder / line[len(PREVIOUS) :].strip()
    return None


def current_matches(folder: Path, metadata: dict[str, str]) -> bool:
    """Whether the served generation exists and was written with these settings."""
    path = served(folder)
    if path is None:
        return False
    db = xapian.Database(str(path))
    try:
        return all(db.get_metadata(k).decode() == v for k, v in metadata.items())
    finally:
        db.close()


def new_generation(folder: Path, write_id: str) -> Path:
    """Where a full build writes the shard served from `folder`; LayoutError, naming
    the folder, when it cannot be made (a volume not mounted, or mounted read-only)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LayoutError(
            f"cannot write the shard folder {folder} (xapian.folders): {exc.strerror}"
        ) from None
    return folder / f"{GENERATION}{write_id}"


def discard(path: Path | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def _write_atomically(path: Path, text: str) -> None:
    """`path` holds the old text or the new, never part of either (rename; synced)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)  # the rename itself survives a power cut
    finally:
        os.close(fd)


def _serve(folder: Path, generation: Path) -> None:
    """Point the stub at `generation`; drop generations no reader can still hold."""
    old = served(folder)
    lines = [f"auto {generation.name}"]
    if old is not None and old != generation:
        lines.insert(0, f"{PREVIOUS}{old.name}")
    _write_atomically(folder / STUB, "\n".join(lines) + "\n")
    keep = {generation, old}
    for path in folder.glob(GENERATION + "*"):
        if path not in keep:
            discard(path)


def switch(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Serve each folder's new generation: records everywhere first, then the stubs."""
    for folder, generation in pairs:
        _write_atomically(folder / SWITCH, generation.name + "\n")
    for folder, generation in pairs:
        _serve(folder, generation)
    for folder, _ in pairs:
        with contextlib.suppress(FileNotFoundError):
            (folder / SWITCH).unlink()


def recover(folders: Sequence[Path]) -> None:
    """Finish a switch every folder recorded; undo one some did not; drop unfinished builds."""
    records = {f: (f / SWITCH).read_text().strip() for f in folders if (f / SWITCH).exists()}
    if records and len(records) == len(folders) and len(set(records.values())) == 1:
        for folder, name in records.items():
            if served(folder) != folder / name:
                _serve(folder, folder / name)
    for folder in records:
        (folder / SWITCH).unlink()
    for folder in folders:
        if not folder.exists():
            continue
        keep = {served(folder), previous(folder)}
        for path in folder.glob(GENERATION + "*"):
            if path not in keep:
                discard(path)
