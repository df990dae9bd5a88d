"""Turn text into index terms: the same function for chunks and questions.

Lower-case, fold accents ("Sébastien" = "Sebastien"), drop English stop words,
stem with Snowball, and keep the tokens news questions hinge on: numbers with
their decimals ("3.1"), money and percentages ("£18", "3.1%", "€800bn") and
dotted acronyms ("u.s."). Each term carries its character span so answers can
highlight exactly what matched.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from itertools import chain

import Stemmer

from retrieval.text.normalize import fold

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't cannot could couldn't did didn't
    do does doesn't doing don't down during each either ever every few for from further get
    gets got had hadn't has hasn't have haven't having he he'd he'll he's her here here's
    hers herself him himself his how how's however i i'd i'll i'm i've if in into is isn't
    it it's its itself just let's many me more most much must mustn't my myself neither no
    nor not now of off on once only or other ought our ours ourselves out over own per quite
    rather same shall shan't she she'd she'll she's should shouldn't since so some such than
    that that's the their theirs them themselves then there there's these they they'd
    they'll they're they've this those though through thus to too under until up upon us
    very was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's whether which while who who's whom whose why why's will with within without
    won't would wouldn't yet you you'd you'll you're you've your yours yourself yourselves
    tell told say said says ask asked go goes going went gone happen happens happened
    """.split()
)

# Bump when reading, chunking or analysis changes, so saved indexes built the old way are rebuilt.
ANALYSIS_VERSION = 4  # 4: boilerplate is dropped on aggregator pages only

_CURRENCY = "£$€¥₹"
_NUMBER = rf"[{_CURRENCY}]?\d+(?:[.,]\d+)*(?:%|bn|m|k|tn|trn|mn)?(?![\w])"
_ACRONYM = r"(?:[^\W\d_]\.){2,}"
_WORD = r"[^\W\d_]+(?:['’][^\W\d_]+)*"
_TOKEN = re.compile(rf"(?P<num>{_NUMBER})|(?P<acr>{_ACRONYM})|(?P<word>{_WORD})")
# The same tokens without groups, for analyze: findall then returns plain strings. Which
# alternative matched shows in the token itself: only numbers start with a digit (\d is
# str.isdecimal) or a currency sign, and only acronyms end with a dot.
_TOKEN_TEXT = re.compile(f"{_NUMBER}|{_ACRONYM}|{_WORD}")
_SUFFIX = re.compile(r"(%|bn|m|k|tn|trn|mn)$")


@functools.cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


_WORD_TERMS: dict[str, str | None] = {}
_WORD_CACHE_MAX = 500_000


def word_term(word: str) -> str | None:
    """The index term of a folded word (None for stop words), cached: words repeat."""
    term = _WORD_TERMS.get(word, "")
    if term != "":
        return term
    plain = word.replace("’", "'")
    if plain.endswith("'s"):
        plain = plain[:-2]
    term = None if plain in STOP_WORDS or len(plain) < 2 else _stemmer().stemWord(plain)
    if len(_WORD_TERMS) >= _WORD_CACHE_MAX:
        _WORD_TERMS.clear()
    _WORD_TERMS[word] = term
    return term


def _number_terms(raw: str) -> list[str]:
    """'£18bn' -> ['18', '£18bn']; '120,000' -> ['120000']; '3.1%' -> ['3.1', '3.1%']."""
    core = raw.lstrip(_CURRENCY)
    suffix = _SUFFIX.search(core)
    digits = core[: suffix.start()] if suffix else core
    plain = digits.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", digits) else digits
    plain = plain.replace(",", ".")
    terms = [plain]
    decorated = raw.replace(digits, plain)
    if decorated != plain:
        terms.append(decorated)
    return terms


def spans(text: str) -> Iterator[tuple[str, int, int]]:
    """(term, start, end) for every index term in text, in order."""
    for m in _TOKEN.finditer(fold(text)):
        kind = m.lastgroup
        if kind == "word":
            term = word_term(m.group())
            if term is not None:
                yield term, m.start(), m.end()
        elif kind == "num":
            for term in _number_terms(m.group()):
                yield term, m.start(), m.end()
        else:
            yield m.group(), m.start(), m.end()


class _TokenTerms(dict[str, tuple[str, ...]]):
    """Token -> its index terms (none for a stop word), computed once per distinct token."""

    def __missing__(self, token: str) -> tuple[str, ...]:
        if token[0].isdecimal() or token[0] in _CURRENCY:
            terms = tuple(_number_terms(token))
        elif token.endswith("."):
            terms = (token,)
        else:
            term = word_term(token)
            terms = () if term is None else (term,)
        if len(self) >= _WORD_CACHE_MAX:
            self.clear()
        self[token] = terms
        return terms


_TOKEN_TERMS = _TokenTerms()


def analyze(text: str) -> list[str]:
    """Index terms of text, in order (repeats kept: BM25 counts them).

    The terms of spans(text), found without match objects or spans: tokens come from
    one findall and their terms from a cache, so indexing stays in C for known tokens.
    """
    tokens = _TOKEN_TEXT.findall(fold(text))
    return list(chain.from_iterable(map(_TOKEN_TERMS.__getitem__, tokens)))


def indexed_text(chunk_text: str, headline: str, section: str = "") -> str:
    """A chunk as the index reads it: its text in the context of its article's headline
    and the sub-heading it sits under.

    A paragraph rarely repeats its headline's subject, yet a question names it.
    """
    return f"{chunk_text}\n{headline}\n{section}"


def indexed_terms(chunk_text: str, headline: str, section: str = "") -> list[str]:
    """A chunk's index terms (see `indexed_text`)."""
    return analyze(indexed_text(chunk_text, headline, section))
