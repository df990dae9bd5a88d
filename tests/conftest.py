"""Session fixtures: engines over the bundled and the real corpus, and a token counter.

The suite writes only to temporary folders: it runs in one (an index or heartbeat
saved beside the working folder lands there), writes no bytecode, and fails at the end
if `git status --ignored` shows anything new in the checkout.

Indexes are saved by default in the user's cache folder ($XDG_CACHE_HOME/newsbot): the
whole suite, and every process it starts, points that at a temporary folder too, so no
test ever writes into the real home cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the checkout from this process...
os.environ["PYTHONDONTWRITEBYTECODE"] = "1"  # ...nor from the processes tests start
TEST_CACHE = tempfile.mkdtemp(prefix="newsbot-test-cache-")
os.environ["XDG_CACHE_HOME"] = TEST_CACHE  # saved indexes: never the real home cache

import pytest  # noqa: E402
from helpers import BUNDLED_CORPUS, ROOT, shared_path  # noqa: E402
from hypothesis import settings  # noqa: E402
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402

from retrieval.answering.engine import Engine  # noqa: E402
from retrieval.config import Config  # noqa: E402
from retrieval.text.tokens import token_counter  # noqa: E402


def _untracked() -> set[str] | None:
    """Untracked and ignored paths in the checkout (None outside a git checkout)."""
    try:
        done = subprocess.run(
            ["git", "status", "--ignored", "--porcelain"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return {line[3:] for line in done.stdout.splitlines() if line[:2] in ("??", "!!")}


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_BEFORE] = _untracked()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when the suite left files in the checkout."""
    shutil.rmtree(_HYPOTHESIS, ignore_errors=True)
    shutil.rmtree(TEST_CACHE, ignore_errors=True)
    before = session.config.stash.get(_BEFORE, None)
    after = _untracked()
    if before is None or after is None:
        return
    left = sorted(p for p in after - before if not p.startswith(".venv/"))
    if left:
        sys.stderr.write("the test suite wrote into the checkout:\n  " + "\n  ".join(left) + "\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_BEFORE = pytest.StashKey[set[str] | None]()
# Hypothesis keeps examples and caches in ./.hypothesis, from collection on: elsewhere.
settings.register_profile("newsbot", database=None)
settings.load_profile("newsbot")
_HYPOTHESIS = Path(tempfile.mkdtemp(prefix="newsbot-hypothesis-"))
set_hypothesis_home_dir(_HYPOTHESIS)


@pytest.fixture(scope="session", autouse=True)
def _outside_the_checkout(tmp_path_factory):
    """The working folder is a temporary one for the whole session."""
    patch = pytest.MonkeyPatch()
    patch.chdir(tmp_path_factory.mktemp("cwd"))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def count_tokens():
    return token_counter("cl100k_base")


@pytest.fixture(scope="session")
def shared_engine() -> Engine:
    return Engine.from_config(Config().with_corpus(shared_path("corpus")))


@pytest.fixture(scope="session")
def bundled_engine() -> Engine:
    return Engine.from_config(Config().with_corpus(BUNDLED_CORPUS))
