"""The words of the English language, and how often each is used: what is not a typo.

A question word that is a word of the language ("jets", "record", "news") is what
the reader meant, whether or not the corpus holds it; only a non-word ("sytems")
may be a typo. The list is the frequency dictionary symspellpy ships
(frequency_dictionary_en_82_765.txt: Google Books n-gram counts of the words of
SCOWL, the spell-checker word lists, so misspellings common on the web such as
"teh" or "thier" are not in it). It is read from the installed package's folder,
offline, once per process (about 80 ms); symspellpy's own code is not imported.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

DICTIONARY_PACKAGE = "symspellpy"
DICTIONARY_FILE = "frequency_dictionary_en_82_765.txt"
_POSSESSIVE = ("'s", "’s", "'", "’")


class WordListError(RuntimeError):
    """The word list is not installed: the package that ships it is missing or damaged."""


def _dictionary_path() -> Path:
    spec = importlib.util.find_spec(DICTIONARY_PACKAGE)  # finds, does not import
    folders = spec.submodule_search_locations if spec else None
    path = Path(folders[0]) / DICTIONARY_FILE if folders else None
    if path is None or not path.is_file():
        raise WordListError(
            f"the English word list ({DICTIONARY_FILE}) is missing: "
            f"pip install {DICTIONARY_PACKAGE}"
        )
    return path


@functools.cache
def frequencies() -> dict[str, int]:
    """Every word of the list (lower case) -> its count in Google Books."""
    counts: dict[str, int] = {}
    with _dictionary_path().open(encoding="utf-8") as lines:
        for line in lines:
            word, _, count = line.strip().partition(" ")
            if word and count.isdigit():
                counts[word] = int(count)
    return counts


def word_frequency(word: str) -> int:
    """How often a word (any case, a possessive ending allowed) is used; 0 for a non-word."""
    counts = frequencies()
    plain = word.lower().replace("’", "'")
    found = counts.get(plain, 0)
    if not found:
        for ending in _POSSESSIVE:
            if plain.endswith(ending) and len(plain) > len(ending):
                found = counts.get(plain[: -len(ending)], 0)
                break
    return found


def is_word(word: str) -> bool:
    """Whether a typed word is a word of the language (never a typo to correct)."""
    return word_frequency(word) > 0
