"""Names as people type them: "guardian", "The Guardian" and "gaurdian" mean one publisher.

A name's key drops case, accents, punctuation, spacing and a leading "The". What
was typed is matched against the known names' keys in tiers, and the first tier
that matches anything decides: the same key, then keys it begins, then keys that
contain it, then keys within a small edit distance (a typo) of it, of one of the
name's words or of the key's start (so "gazete" finds "Bay Gazette" and "telegr"
"Telegraph"). A tier with several names is an ambiguity for the caller to show.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz.distance import OSA

from retrieval.text.normalize import fold_key

_ARTICLE = re.compile(r"^the\s+")
MAX_NAME_EDITS = 2  # "telegrpah", "gaurdian": a slip or two, not another name
MIN_FUZZY_KEY = 4  # shorter keys are too close to too many names to guess at


def name_key(name: str) -> str:
    """What a name is compared by: no case, accents, punctuation, spaces or leading "The"."""
    return _ARTICLE.sub("", fold_key(name)).replace(" ", "")


def match_names(typed: str, names: Sequence[str]) -> list[str]:
    """The names `typed` most likely means, in the order given (empty when none)."""
    key = name_key(typed)
    if not key:
        return []
    keys = [(name, name_key(name)) for name in names]
    for test in (str.__eq__, str.startswith, str.__contains__):
        found = [name for name, k in keys if k and test(k, key)]
        if found:
            return found
    if len(key) < MIN_FUZZY_KEY:
        return []
    limit = min(MAX_NAME_EDITS, (len(key) - 1) // 3)
    distances = [
        (min(OSA.distance(key, part, score_cutoff=limit) for part in _parts(name, k, key)), name)
        for name, k in keys
    ]
    best = min((d for d, _ in distances if d <= limit), default=None)
    return [name for d, name in distances if d == best] if best is not None else []


def _parts(name: str, key: str, typed: str) -> list[str]:
    """What a typo may be a slip of: the whole key, each word of the name, the key's start."""
    words = [name_key(w) for w in fold_key(name).split()]
    return [key, *(w for w in words if w), key[: len(typed)]]
