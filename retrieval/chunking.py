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
from retrieval.sentences import sentence_spans

TokenCounter = Callable[[str], int]
_WORD = re.compile(r"\S+")


def token_counter(encoding_name: str) -> TokenCounter:
    """Count tokens with tiktoken, loaded offline."""
    from retrieval.encoding import get_encoding

    encoding = get_encoding(encoding_name)
    return lambda text: len(encoding.encode_ordinary(text))


# Tokens the paragraph separator may add when two pieces join (one for "\n\n"; one spare).
SEPARATOR_TOKENS = 2
Span = tuple[int, int, int]  # start, end, tokens


def _pack(
    text: str, spans: Sequence[tuple[int, int]], limit: int, count: TokenCounter
) -> list[Span]:
    """Greedily group consecutive spans of text into pieces of at most `limit` tokens.

    Each span is counted once, with the whitespace before it, so the pieces' counts
    are sums rather than re-counts of ever longer text.
    """
    pieces: list[Span] = []
    start = end = -1
    used = 0
    for a, b in spans:
        cost = count(text[a:b]) if start < 0 else count(text[end:b])
        if start >= 0 and used + cost > limit:
            pieces.append((start, end, used))
            start, used = -1, 0
            cost = count(text[a:b])
        if start < 0:
            start = a
        end, used = b, used + cost
    if start >= 0:
        pieces.append((start, end, used))
    return pieces


def _fit(text: str, a: int, b: int, limit: int, count: TokenCounter) -> list[Span]:
    """Spans inside text[a:b], each at most `limit` tokens, cut at sentences then words."""
    whole = count(text[a:b])
    if whole <= limit:
        return [(a, b, whole)]
    out: list[Span] = []
    sentences = [(a + s, a + e) for s, e in sentence_spans(text[a:b])]
    for s, e, n in _pack(text, sentences, limit, count):
        if n <= limit:
            out.append((s, e, n))
            continue
        words = [(s + m.start(), s + m.end()) for m in _WORD.finditer(text[s:e])]
        for ws, we, wn in _pack(text, words, limit, count):
            out.extend(_hard_cut(text, ws, we, limit, count) if wn > limit else [(ws, we, wn)])
    return out


def _hard_cut(text: str, a: int, b: int, limit: int, count: TokenCounter) -> list[Span]:
    """Last resort for one 'word' over the budget (a URL, a run of symbols): cut by length."""
    n = count(text[a:b])
    if n <= limit or b - a <= 1:
        return [(a, b, n)]
    mid = (a + b) // 2
    return _hard_cut(text, a, mid, limit, count) + _hard_cut(text, mid, b, limit, count)


def chunk_article(
    article: Article, article_index: int, max_tokens: int, min_tokens: int, count: TokenCounter
) -> list[Chunk]:
    text = article.text
    pieces: list[list[int]] = []  # [paragraph, start, end, tokens]
    offset = 0
    for p, paragraph in enumerate(article.paragraphs):
        for a, b, n in _fit(text, offset, offset + len(paragraph), max_tokens, count):
            pieces.append([p, a, b, n])
        offset += len(paragraph) + len(PARAGRAPH_SEPARATOR)
    merged: list[list[int]] = []
    for piece in pieces:
        if merged:
            last = merged[-1]
            short = last[3] < min_tokens or piece[3] < min_tokens
            joined = last[3] + SEPARATOR_TOKENS + piece[3]
            if short and joined <= max_tokens:
                last[2], last[3] = piece[2], joined
                continue
        merged.append(piece)
    return [Chunk(article_index, p, a, b, text[a:b]) for p, a, b, _ in merged]
