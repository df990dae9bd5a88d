"""Count tiktoken tokens exactly without encoding every text: word by word, from a cache.

Chunking counts every paragraph, and every sentence of a long one, as it fits
chunks to the token budget; encoding each of them costs more than all the rest of
indexing. A count is a sum over the text's space-separated words, each looked up
once per distinct word, and it equals `len(encode_ordinary(text))`:

tiktoken splits text with a regex (the encoding's pre-tokenizer) and byte-pair
encodes each piece on its own, so the count of a text is the sum of its pieces'
counts. In both patterns below, white space inside a piece comes only first in it
(an optional leading character), as the whole piece, or as trailing CR/LF after
punctuation: no piece, finished or tried, holds a non-space character followed by
a space. A space after any other character is therefore always where a piece
starts, in the whole text as in its parts (the patterns have no look-behind and no
start anchor; `$` and `(?!\\S)` cannot fire just before such a space), so the text
cut there counts the same piece by piece: "a b c" = "a" + " b" + " c".

An encoding whose pattern is not one of these two is always encoded whole.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from itertools import islice

# The pre-tokenizer patterns the argument above was checked against (tiktoken's
# cl100k_base and o200k_base); any other is never counted word by word.
ADDITIVE_PATTERNS = frozenset(
    {
        r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"
        r"|\s++$|\s*[\r\n]|\s+(?!\S)|\s",
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+"
        r"[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}"
        r"| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    }
)
# Unicode's White_Space characters (what the patterns' \s means) and everything Python calls
# a space (the same set, and \x1c-\x1f): a word ending in one is no safe place to cut.
WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
WORDS_CACHED = 500_000  # distinct words remembered per encoding (then the cache is cleared)
# A word after which the text may not be cut: its count makes any sum negative.
_UNSAFE = -(1 << 62)


class _Counts(dict[str, int]):
    """word -> tokens of `prefix + word` (or _UNSAFE when the text must not be cut after
    the word), computed on first use; cleared when full."""

    def __init__(self, encode: Callable[[str], list[int]], prefix: str) -> None:
        super().__init__()
        self.encode = encode
        self.prefix = prefix

    def __missing__(self, word: str) -> int:
        safe = word and word[-1] not in WHITE_SPACE
        n = len(self.encode(self.prefix + word)) if safe else _UNSAFE
        if len(self) >= WORDS_CACHED:
            self.clear()
        self[word] = n
        return n


class CachedCounter:
    """`len(encoding.encode_ordinary(text))`, computed word by word (see the module)."""

    def __init__(self, encode: Callable[[str], list[int]], additive: bool) -> None:
        self.encode = encode
        self.additive = additive
        self._first = _Counts(encode, "")
        self._spaced = _Counts(encode, " ")

    def __call__(self, text: str) -> int:
        if self.additive:
            words = text.split(" ")
            # A text opening with a space: its first piece is " " + the next word.
            n = self._first[words[0]] if words[0] else 0 if len(words) > 1 else _UNSAFE
            n += sum(map(self._spaced.__getitem__, islice(words, 1, None)))
            if n >= 0:
                return n
        return len(self.encode(text))


@functools.cache
def token_counter(encoding_name: str) -> CachedCounter:
    """The counter for a tiktoken encoding (loaded offline), shared by the process."""
    from retrieval.text.encoding import get_encoding

    encoding = get_encoding(encoding_name)
    return CachedCounter(encoding.encode_ordinary, encoding._pat_str in ADDITIVE_PATTERNS)
