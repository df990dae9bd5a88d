"""Cut articles into paragraph chunks that fit a token budget.

Paragraphs are the unit: a long one is split at sentence boundaries (at word
boundaries only for a single sentence over the budget), and short ones join
their neighbours in the same article. Every chunk keeps its article, first
paragraph and character span in `Article.text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from retrieval.models import PARAGRAPH_SEPARATOR, Article, Chunk
from retrieval.text.sentences import sentence_spans

TokenCounter = Callable[[str], int]
_WORD = re.compile(r"\S+")


# Text longer than this is never handed to tiktoken whole (see _units).
COUNT_CHARS = 4_000
# Tokens the paragraph separator may add when two pieces join (one for "\n\n"; one spare).
SEPARATOR_TOKENS = 2
Span = tuple[int, int, int]  # start, end, tokens


def _pack(units: Sequence[Span], limit: int) -> list[Span]:
    """Greedily group consecutive units (each within the limit, each counted with the
    space before it) into pieces of at most `limit` tokens; nothing is counted twice."""
    pieces: list[Span] = []
    start = end = -1
    used = 0
    for a, b, n in units:
        if start >= 0 and used + n > limit:
            pieces.append((start, end, used))
            start = -1
        if start < 0:
            start, used = a, 0
        end, used = b, used + n
    if start >= 0:
        pieces.append((start, end, used))
    return pieces


def _units(text: str, a: int, b: int, limit: int, count: TokenCounter) -> list[Span]:
    """Sentences of text[a:b] within the limit; longer ones as words; huge words as slices.

    Each unit is counted with the white space before it, as it will stand in a chunk:
    counted alone, "0 0000" loses the token its space becomes, and a packed chunk could
    run over the budget. tiktoken is slow (quadratic) on very long runs without spaces,
    so nothing longer than COUNT_CHARS is ever counted, and a word longer than limit // 4
    characters is sliced by length: a character is at most 4 bytes, a token at least one.
    """
    units: list[Span] = []
    step = max(1, limit // 4)
    prev = a  # end of the previous unit: the white space after it belongs to the next

    def unit(s: int, e: int) -> Span:
        nonlocal prev
        span = (s, e, count(text[prev:e]))
        prev = e
        return span

    for s, e in sentence_spans(text[a:b]):
        s, e = a + s, a + e
        n = count(text[prev:e]) if e - prev <= COUNT_CHARS else limit + 1
        if n <= limit:
            units.append((s, e, n))
            prev = e
            continue
        for m in _WORD.finditer(text, s, e):
            ws, we = m.span()
            if we - ws <= step:
                units.append(unit(ws, we))
            else:
                units += [unit(i, min(i + step, we)) for i in range(ws, we, step)]
    return units


def _fit(text: str, a: int, b: int, limit: int, count: TokenCounter) -> list[Span]:
    """Spans inside text[a:b], each at most `limit` tokens, cut at sentences then words.

    Text of more words than `limit` is never counted whole: a word is at least one token
    (tiktoken's pre-tokenizer never joins two runs of non-space characters)."""
    if b - a <= COUNT_CHARS and len(text[a:b].split()) <= limit:
        whole = count(text[a:b])
        if whole <= limit:
            return [(a, b, whole)]
    return _pack(_units(text, a, b, limit, count), limit)


def chunk_article(
    article: Article, article_index: int, max_tokens: int, min_tokens: int, count: TokenCounter
) -> list[Chunk]:
    """Chunks of an article; sub-headings are left out of the text (they are each chunk's
    section) and no chunk runs across one."""
    text = article.text
    pieces: list[list[int]] = []  # [paragraph, start, end, tokens]
    starts_section: set[int] = set()  # pieces that open a new section
    offset = 0
    for p, paragraph in enumerate(article.paragraphs):
        if p in article.headings:
            starts_section.add(len(pieces))
        else:
            for a, b, n in _fit(text, offset, offset + len(paragraph), max_tokens, count):
                pieces.append([p, a, b, n])
        offset += len(paragraph) + len(PARAGRAPH_SEPARATOR)
    merged: list[list[int]] = []
    for i, piece in enumerate(pieces):
        if merged and i not in starts_section:
            last = merged[-1]
            short = last[3] < min_tokens or piece[3] < min_tokens
            joined = last[3] + SEPARATOR_TOKENS + piece[3]
            if short and joined <= max_tokens:
                last[2], last[3] = piece[2], joined
                continue
        merged.append(piece)
    return [Chunk(article_index, p, a, b, text[a:b]) for p, a, b, _ in merged]
