"""Turn text into index terms: the same function for chunks and questions.

Lower-case, fold accents ("Sébastien" = "Sebastien"), drop English stop words,
stem with Snowball, and keep the tokens news questions hinge on: numbers with
their decimals ("3.1"), money and percentages ("£18", "3.1%", "€800bn") and
dotted acronyms ("u.s."). Each term carries its character span so answers can
highlight exactly what matched.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import Stemmer

from retrieval.text import normalize
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
_ACRONYM = r"(?:[^\W\d_]\.){2,}"
_WORD = r"[^\W\d_]+(?:['’][^\W\d_]+)*"
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")

_TOKEN_CACHE_MAX = 500_000  # distinct words and tokens remembered per analyzer (then cleared)
# Distinct (headline, sub-heading) pairs whose terms an analyzer remembers: every chunk of
# an article repeats them, and its chunks are analysed one after another.
CONTEXTS_CACHED = 1024
_RULES = (sys.modules[__name__], normalize)  # the code terms are made by


@dataclass(frozen=True)
class Analyzer:
    """How text becomes index terms, as one value: its settings, and what they make.

    `fingerprint` names the settings and the token rules; every saved index and shard
    records it, and one written with another is rebuilt, never served. The caches
    (a word's term, a token's terms) belong to the value, so two analyzers never mix.
    """

    stop_words: frozenset[str] = STOP_WORDS
    stemmer: str = "english"  # a Snowball algorithm (PyStemmer)
    min_word: int = 2  # shorter words are dropped: too many meanings to match on
    currency: str = "£$€¥₹"  # signs a number may start with ("£18")
    magnitudes: tuple[str, ...] = ("%", "bn", "m", "k", "tn", "trn", "mn")  # "3.1%", "€800bn"

    @functools.cached_property
    def fingerprint(self) -> str:
        """A digest of everything the terms depend on: the settings, the stemmer's
        version, and the code of the rules (this module and the normaliser), so a change
        to any of them rebuilds saved indexes without anyone bumping a number."""
        settings = {
            "stop_words": sorted(self.stop_words),
            "stemmer": [self.stemmer, Stemmer.version()],
            "min_word": self.min_word,
            "currency": self.currency,
            "magnitudes": list(self.magnitudes),
            "rules": [hashlib.sha256(Path(m.__file__).read_bytes()).hexdigest() for m in _RULES],
        }
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:24]

    # -- the rules, compiled once per analyzer --

    @functools.cached_property
    def _number(self) -> str:
        signs, ends = re.escape(self.currency), "|".join(map(re.escape, self.magnitudes))
        return rf"[{signs}]?\d+(?:[.,]\d+)*(?:{ends})?(?![\w])"

    @functools.cached_property
    def _token(self) -> re.Pattern[str]:
        return re.compile(rf"(?P<num>{self._number})|(?P<acr>{_ACRONYM})|(?P<word>{_WORD})")

    @functools.cached_property
    def _token_text(self) -> re.Pattern[str]:
        # The same tokens without groups, for analyze: findall then returns plain strings.
        # Which alternative matched shows in the token itself: only numbers start with a
        # digit (\d is str.isdecimal) or a currency sign, and only acronyms end with a dot.
        return re.compile(f"{self._number}|{_ACRONYM}|{_WORD}")

    @functools.cached_property
    def _suffix(self) -> re.Pattern[str]:
        return re.compile(f"({'|'.join(map(re.escape, self.magnitudes))})$")

    @functools.cached_property
    def _stemmer(self) -> Stemmer.Stemmer:
        return Stemmer.Stemmer(self.stemmer)

    @functools.cached_property
    def _word_terms(self) -> dict[str, str | None]:
        return {}

    @functools.cached_property
    def _token_terms(self) -> dict[str, tuple[str, ...]]:
        return {}

    @functools.cached_property
    def _run_terms(self) -> _RunTerms:
        return _RunTerms(self)

    @functools.cached_property
    def _contexts(self) -> dict[tuple[str, str], tuple[str, ...]]:
        return {}

    # -- terms --

    def word_term(self, word: str) -> str | None:
        """The index term of a folded word (None for stop words), cached: words repeat."""
        term = self._word_terms.get(word, "")
        if term != "":
            return term
        plain = word.replace("’", "'")
        if plain.endswith("'s"):
            plain = plain[:-2]
        if plain in self.stop_words or len(plain) < self.min_word:
            term = None
        else:
            term = self._stemmer.stemWord(plain)
        if len(self._word_terms) >= _TOKEN_CACHE_MAX:
            self._word_terms.clear()
        self._word_terms[word] = term
        return term

    def number_terms(self, raw: str) -> list[str]:
        """'£18bn' -> ['18', '£18bn']; '120,000' -> ['120000']; '3.1%' -> ['3.1', '3.1%']."""
        core = raw.lstrip(self.currency)
        suffix = self._suffix.search(core)
        digits = core[: suffix.start()] if suffix else core
        plain = digits.replace(",", "") if _THOUSANDS.fullmatch(digits) else digits
        plain = plain.replace(",", ".")
        terms = [plain]
        decorated = raw.replace(digits, plain)
        if decorated != plain:
            terms.append(decorated)
        return terms

    def spans(self, text: str) -> Iterator[tuple[str, int, int]]:
        """(term, start, end) for every index term in text, in order."""
        for m in self._token.finditer(fold(text)):
            kind = m.lastgroup
            if kind == "word":
                term = self.word_term(m.group())
                if term is not None:
                    yield term, m.start(), m.end()
            elif kind == "num":
                for term in self.number_terms(m.group()):
                    yield term, m.start(), m.end()
            else:
                yield m.group(), m.start(), m.end()

    def _terms_of_token(self, token: str) -> tuple[str, ...]:
        """A token's index terms (none for a stop word), computed once per distinct token."""
        terms = self._token_terms.get(token)
        if terms is not None:
            return terms
        if token[0].isdecimal() or token[0] in self.currency:
            terms = tuple(self.number_terms(token))
        elif token.endswith("."):
            terms = (token,)
        else:
            term = self.word_term(token)
            terms = () if term is None else (term,)
        if len(self._token_terms) >= _TOKEN_CACHE_MAX:
            self._token_terms.clear()
        self._token_terms[token] = terms
        return terms

    def analyze(self, text: str) -> list[str]:
        """Index terms of text, in order (repeats kept: BM25 counts them).

        The terms of spans(text), found without match objects or spans, a dict hit per
        run of non-space characters: the folded text is split at white space and each
        distinct run is tokenised once (see `_RunTerms`).
        """
        return list(chain.from_iterable(map(self._run_terms.__getitem__, fold(text).split())))

    def indexed_terms(self, chunk_text: str, headline: str, section: str = "") -> list[str]:
        """A chunk's index terms (see `indexed_text`): those of its text, then of its
        headline and sub-heading, analysed once per article. The same as analysing
        `indexed_text` whole: the line breaks that join the parts are white space, which
        no token holds."""
        terms = self.analyze(chunk_text)
        context = self._contexts.get((headline, section))
        if context is None:
            context = tuple(self.analyze(f"{headline}\n{section}"))
            if len(self._contexts) >= CONTEXTS_CACHED:
                self._contexts.clear()
            self._contexts[headline, section] = context
        terms += context
        return terms

    def _terms_of_run(self, run: str) -> tuple[str, ...]:
        """The terms of one run of non-space characters, in order."""
        tokens = self._token_text.findall(run)
        return tuple(chain.from_iterable(map(self._terms_of_token, tokens)))


class _RunTerms(dict[str, tuple[str, ...]]):
    """A run of folded non-space characters -> its terms, computed on first use.

    Tokens never hold white space (digits, letters, signs, dots, commas, apostrophes)
    and the only look-around, after a number, asks for no word character next, which
    white space and the end of a run both satisfy: so the tokens of a text are those
    of its runs, one after the other. Runs repeat ("said", "minister,") far more than
    texts do, so this is a dict hit per word instead of a regex scan.
    """

    def __init__(self, analyzer: Analyzer) -> None:
        super().__init__()
        self.analyzer = analyzer

    def __missing__(self, run: str) -> tuple[str, ...]:
        terms = self.analyzer._terms_of_run(run)
        if len(self) >= _TOKEN_CACHE_MAX:
            self.clear()
        self[run] = terms
        return terms


# The analyzer every index and question uses (its fingerprint is saved with each index).
ANALYZER = Analyzer()


def word_term(word: str) -> str | None:
    return ANALYZER.word_term(word)


def spans(text: str) -> Iterator[tuple[str, int, int]]:
    """(term, start, end) for every index term in text, in order."""
    return ANALYZER.spans(text)


def analyze(text: str) -> list[str]:
    """Index terms of text, in order (repeats kept: BM25 counts them)."""
    return ANALYZER.analyze(text)


def indexed_text(chunk_text: str, headline: str, section: str = "") -> str:
    """A chunk as the index reads it: its text in the context of its article's headline
    and the sub-heading it sits under.

    A paragraph rarely repeats its headline's subject, yet a question names it.
    """
    return f"{chunk_text}\n{headline}\n{section}"


def indexed_terms(chunk_text: str, headline: str, section: str = "") -> list[str]:
    """A chunk's index terms (see `indexed_text`)."""
    return ANALYZER.indexed_terms(chunk_text, headline, section)
